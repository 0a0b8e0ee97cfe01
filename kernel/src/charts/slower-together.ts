/**
 * When the same work needs much more CPU time on several workers than on one, the cores slowed
 * each other down: hyperthreads of one physical core, a virtual machine whose host shares its
 * cores (invisible from inside: the guest sees separate cores and no steal time), or memory
 * bandwidth. The workers then run all the time, wait for no core, and still the speedup stays
 * near 1x: what the showcase's --scaling 1,2 fitted as "serial fraction 0.96" on a quiet VM.
 * Pure, shared with the labextension.
 */
import type { RunRecord, ScalingRecord } from "../run/records";

/** In-task CPU this many times the one-worker figure, for the same work, is more than noise. */
export const SLOWER_TOGETHER_RATIO = 1.25;

function describe(ratio: number, workers: number): string {
  return (
    `each task needed ${ratio.toFixed(1)}x the CPU time on ${workers} workers as on one (in-task CPU, same work): ` +
    "the cores slowed each other down (hyperthreads of one physical core, a virtual machine whose host " +
    "shares its cores, or memory bandwidth), so the hardware, not the code, holds this speedup down"
  );
}

/** For --compare: the parallel pass's in-task CPU against the serial pass's. */
export function describeCompareSlowerTogether(record: RunRecord): string | undefined {
  const cpu = record.compare?.inTaskCpuMs;
  if (!cpu || !(cpu.serial > 0)) return undefined;
  const ratio = cpu.parallel / cpu.serial;
  return ratio >= SLOWER_TOGETHER_RATIO ? describe(ratio, record.workers) : undefined;
}

/**
 * For strong --scaling: each size's in-task CPU against the 1-worker point's (the same items at
 * every size), on the cores there are; the worst size is named. Weak scaling grows the work and
 * is not compared.
 */
export function describeScalingSlowerTogether(record: ScalingRecord): string | undefined {
  if (record.weak) return undefined;
  const one = record.points.find((p) => p.workers === 1)?.inTaskCpuMs;
  if (!one || !(one > 0)) return undefined;
  let worst: { ratio: number; workers: number } | undefined;
  for (const p of record.points) {
    if (p.workers < 2 || p.workers > record.cores || p.inTaskCpuMs === undefined) continue;
    const ratio = p.inTaskCpuMs / one;
    if (!worst || ratio > worst.ratio) worst = { ratio, workers: p.workers };
  }
  return worst && worst.ratio >= SLOWER_TOGETHER_RATIO ? describe(worst.ratio, worst.workers) : undefined;
}
