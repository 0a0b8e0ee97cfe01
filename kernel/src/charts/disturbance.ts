/**
 * When a run's times measure the machine's load more than the parallelism, in words (README,
 * Magics: how runs are measured). Pure, shared with the labextension; the figures come from monitor/disturbance.ts.
 */
import type { Disturbance, RunRecord, ScalingRecord } from "../run/records";

/** Workers kept from a core this share of the time they held tasks, by other programs: the times are disturbed. */
export const DISTURBED_WAIT_SHARE = 0.1;
/**
 * With no other programs to blame, a wait this large is worth a note. Below it, paralab's own
 * threads (the kernel handing out tasks and reading the clocks, V8's helpers) account for it:
 * measured on a quiet 2-core machine with 2 busy workers, 2–22% of in-task time, most of it in a
 * run's first tasks.
 */
export const OWN_WAIT_SHARE = 0.3;
/** Other programs' use worth naming, in cores. */
export const NOTABLE_OTHER_CORES = 0.25;
/** /proc/stat counts 10 ms ticks: below this wall time, other programs' share is too coarse to state. */
export const OTHER_CORES_MIN_WALL_MS = 200;
/** Less in-task time than this is too little to judge a share of it. */
const MIN_IN_TASK_MS = 10;

export interface DisturbanceReading {
  /** The workers' wait for a core ÷ the time they held tasks, 0..1 (can exceed 1 with many workers). */
  waitShare: number;
  /** Other programs' cores, when the run was long enough to read them. */
  otherCores?: number;
  /** Other programs kept the workers from their cores, or a large wait of unknown cause: the times are disturbed. */
  disturbed: boolean;
  /** Other programs caused it (rather than paralab's own threads taking turns). */
  byOthers: boolean;
  /** Worth a note: disturbed, or a large wait while other programs were quiet (paralab's own threads took turns). */
  noted: boolean;
}

export function readDisturbance(d: Disturbance, wallMs: number): DisturbanceReading {
  const waitShare = d.inTaskMs >= MIN_IN_TASK_MS ? d.waitedMs / d.inTaskMs : 0;
  const otherCores = wallMs >= OTHER_CORES_MIN_WALL_MS ? d.otherCores : undefined;
  const byOthers = waitShare >= DISTURBED_WAIT_SHARE && (otherCores ?? 0) >= NOTABLE_OTHER_CORES;
  const large = waitShare >= OWN_WAIT_SHARE;
  const disturbed = byOthers || (large && otherCores === undefined);
  return { waitShare, otherCores, disturbed, byOthers, noted: byOthers || large };
}

/**
 * The note for a run's summary, or undefined for a quiet run. E.g. "disturbed: other programs
 * used 1.2 of the 2 cores during this run, and the workers waited for a core 59% of the time they
 * held a task, so these times measure the machine's load more than the parallelism".
 */
export function describeDisturbance(
  d: Disturbance,
  run: { wallMs: number; cores: number; workers: number },
  during = "this run",
): string | undefined {
  const r = readDisturbance(d, run.wallMs);
  if (!r.noted) return undefined;
  const waited = `the workers waited for a core ${Math.round(r.waitShare * 100)}% of the time they held a task`;
  if (r.byOthers) {
    return (
      `disturbed: other programs used ${r.otherCores!.toFixed(1)} of the ${run.cores} cores during ${during}, and ${waited}, ` +
      "so these times measure the machine's load more than the parallelism"
    );
  }
  if (r.otherCores === undefined) {
    return `${waited}: other programs or paralab's own threads held the cores, so these times may measure the machine's load more than the parallelism`;
  }
  const why =
    run.workers >= run.cores
      ? `${run.workers} workers and the kernel's own thread (which hands out the tasks) took turns on ${run.cores} cores`
      : "paralab's own threads (the kernel handing out the tasks) shared the cores with them";
  return `${waited}, with little from other programs (${r.otherCores!.toFixed(1)} cores): ${why}`;
}

/** A measured ratio's label when other programs disturbed what it divides. */
export const DISTURBED_RATIO = "measured under disturbance: run it again on a quieter machine";

/** Appended to the title of a chart whose ratios were measured under disturbance. */
export const DISTURBED_TITLE = " (measured under disturbance)";

/**
 * The wall time a record's disturbance covers: a run's own, or every timed pass of a comparison
 * or a scaling series (their disturbance is read over all of them).
 */
export function coveredWallMs(record: RunRecord | ScalingRecord): number {
  if (record.kind === "scaling") {
    return record.points.reduce((sum, p) => sum + (p.rounds?.reduce((a, b) => a + b, 0) ?? p.wallMs), 0);
  }
  const c = record.compare;
  if (!c) return record.wallMs;
  return c.rounds?.reduce((sum, r) => sum + r.serialMs + r.parallelMs, 0) ?? c.serialMs + c.parallelMs;
}

/** Whether a record's times were taken while its workers waited for cores. */
export function isDisturbed(record: RunRecord | ScalingRecord): boolean {
  return record.disturbance !== undefined && readDisturbance(record.disturbance, coveredWallMs(record)).disturbed;
}
