import os from "node:os";
import { showChart } from "../charts/lazy";
import { buildScalingRecord } from "../charts/amdahl";
import { buildWeakScalingRecord, scaledSpeedups } from "../charts/gustafson";
import { formatDuration } from "../format";
import type { RepeatInfo, ScalingRecord } from "../run/records";
import type { Runner } from "../run/runner";
import { dispatch, type Dispatched } from "./dispatch";
import { combineDisturbances } from "./disturbance";
import type { ParallelEnv } from "./env";
import type { ParallelPlan } from "./plan";
import type { PreparedJob } from "./prepare";
import { measureRounds, Rounds, spreadOf } from "./rounds";

/**
 * --scaling 1,2,4: the same job at each pool size; speedup against ideal with an Amdahl fit. A
 * warm-up pass at the largest size runs first, so that every worker has compiled and warmed the
 * code before any pass is timed; then rounds of 1, 2, 4, 1, 2, 4 … (plan.repeat, or rounds.ts's
 * rule), each speedup a median of per-round ratios.
 *
 * With --weak (plan.weak) the work grows with the workers: a map's items are evaluated for each
 * size before anything is timed (the warm-up at the largest size runs that size's items), and each
 * point's speedup is the scaled speedup N × T(1) ÷ T(N), fitted by Gustafson's law.
 */
export async function runScaling(
  plan: ParallelPlan,
  sizes: number[],
  job: PreparedJob,
  runner: Runner,
  env: ParallelEnv,
): Promise<unknown[]> {
  let values: unknown[] = [];
  const dropped = { chunks: 0 };
  const largest = Math.max(...sizes);
  const lastTimes: number[] = [];
  const timed: Dispatched[] = [];
  const inTaskCpuMs = new Map<number, number[]>();
  const jobs = new Map<number, PreparedJob>();
  for (const n of sizes) jobs.set(n, job.itemsFor ? { ...job, items: await job.itemsFor(n) } : job);
  // Weak scaling's passes differ in their work: say how much each has.
  const weakItems = (n: number) => (plan.weak && job.itemsFor ? ` (${jobs.get(n)!.items!.length} items)` : "");
  const rounds = await measureRounds<number>(
    {
      passes: sizes,
      warmup: [largest],
      repeat: plan.repeat,
      speedups: (times) => (plan.weak ? scaledSpeedups : perRoundSpeedups)(sizes, times),
    },
    async (workers, round) => {
      const warm = round === 0;
      const run = await dispatch(plan, jobs.get(workers)!, runner, env, {
        workers,
        quiet: true,
        dropStreams: warm ? undefined : dropped,
      });
      const wallMs = run.endMs - run.startMs;
      if (warm) {
        run.grouped?.flush((name, text) => env.sink.stream(name, text));
        env.sink.stream(
          "stdout",
          `Warm-up on ${workers} worker${workers === 1 ? "" : "s"}${weakItems(workers)}: ${formatDuration(wallMs)} (not counted).\n`,
        );
      } else {
        timed.push(run);
        inTaskCpuMs.set(workers, [...(inTaskCpuMs.get(workers) ?? []), run.result.cpuMs]);
        values = run.result.values;
        if (workers === sizes[sizes.length - 1]) {
          const times = sizes.map((_, k) => (k === sizes.length - 1 ? wallMs : lastTimes[k]));
          env.sink.stream(
            "stdout",
            `Round ${round}: ${sizes.map((n, k) => `${n} worker${n === 1 ? "" : "s"}${weakItems(n)} ${formatDuration(times[k])}`).join(", ")}\n`,
          );
        }
        lastTimes[sizes.indexOf(workers)] = wallMs;
      }
      return wallMs;
    },
  );
  if (dropped.chunks) {
    env.sink.stream("stdout", "(The timed passes' own output is not shown: the warm-up's above is the same code's.)\n");
  }
  if (!plan.quiet) {
    const record = scalingRecord(sizes, rounds, os.availableParallelism(), {
      weak: plan.weak,
      items: job.items && sizes.map((n) => jobs.get(n)!.items!.length),
    });
    const disturbance = plan.cluster ? undefined : combineDisturbances(timed);
    if (disturbance) record.disturbance = disturbance;
    for (const point of record.points) {
      const cpu = inTaskCpuMs.get(point.workers);
      if (cpu?.length) point.inTaskCpuMs = spreadOf(cpu).median;
    }
    await showChart(env.sink, record);
  }
  return values;
}

/**
 * Each size's speedup in one round: against that round's 1-worker pass, or else its smallest pass
 * assumed to scale perfectly (as buildScalingRecord's baseline).
 */
export function perRoundSpeedups(sizes: readonly number[], times: readonly number[]): number[] {
  const one = sizes.indexOf(1);
  const smallest = sizes.indexOf(Math.min(...sizes));
  const baseline = one >= 0 ? times[one] : times[smallest] * sizes[smallest];
  return times.map((t) => (t > 0 ? baseline / t : 0));
}

/**
 * The scaling record from the rounds: medians, spreads and each round's times per point; with
 * `weak`, scaled speedups and Gustafson's fit. `items`: a map's item count at each size.
 */
export function scalingRecord(
  sizes: readonly number[],
  rounds: Pick<Rounds, "times" | "warmupMs" | "rule">,
  cores: number,
  options: { weak?: boolean; items?: readonly number[] } = {},
): ScalingRecord {
  const perRound = rounds.times.map((t) => (options.weak ? scaledSpeedups : perRoundSpeedups)(sizes, t));
  const runs = sizes.map((workers, k) => {
    const wall = spreadOf(rounds.times.map((t) => t[k]));
    const speedup = spreadOf(perRound.map((s) => s[k]));
    return {
      workers,
      wallMs: wall.median,
      speedup: speedup.median,
      ...(rounds.times.length > 1 ? { speedupMin: speedup.min, speedupMax: speedup.max } : {}),
      wall,
      rounds: rounds.times.map((t) => t[k]),
    };
  });
  const build = options.weak ? buildWeakScalingRecord : buildScalingRecord;
  const record = build(
    runs.map(({ workers, wallMs, speedup, speedupMin, speedupMax }) => ({
      workers,
      wallMs,
      speedup,
      speedupMin,
      speedupMax,
    })),
    cores,
  );
  for (const point of record.points) {
    const k = runs.findIndex((r) => r.workers === point.workers);
    if (k < 0) continue;
    const run = runs[k];
    point.wallMsMin = run.wall.min;
    point.wallMsMax = run.wall.max;
    point.rounds = run.rounds;
    if (options.items) point.items = options.items[k];
  }
  const repeat: RepeatInfo = {
    rounds: rounds.times.length,
    rule: rounds.rule,
    warmupMs: rounds.warmupMs.reduce((a, b) => a + b, 0),
  };
  record.repeat = repeat;
  return record;
}
