import os from "node:os";
import { chartBundle } from "../charts/lazy";
import { buildScalingRecord } from "../charts/amdahl";
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
  const rounds = await measureRounds<number>(
    {
      passes: sizes,
      warmup: [largest],
      repeat: plan.repeat,
      speedups: (times) => perRoundSpeedups(sizes, times),
    },
    async (workers, round) => {
      const warm = round === 0;
      const run = await dispatch(plan, job, runner, env, {
        workers,
        quiet: true,
        dropStreams: warm ? undefined : dropped,
      });
      const wallMs = run.endMs - run.startMs;
      if (warm) {
        run.grouped?.flush((name, text) => env.sink.stream(name, text));
        env.sink.stream(
          "stdout",
          `Warm-up on ${workers} worker${workers === 1 ? "" : "s"}: ${formatDuration(wallMs)} (not counted).\n`,
        );
      } else {
        timed.push(run);
        values = run.result.values;
        if (workers === sizes[sizes.length - 1]) {
          const times = sizes.map((_, k) => (k === sizes.length - 1 ? wallMs : lastTimes[k]));
          env.sink.stream(
            "stdout",
            `Round ${round}: ${sizes.map((n, k) => `${n} worker${n === 1 ? "" : "s"} ${formatDuration(times[k])}`).join(", ")}\n`,
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
    const record = scalingRecord(sizes, rounds, os.availableParallelism());
    const disturbance = plan.cluster ? undefined : combineDisturbances(timed);
    if (disturbance) record.disturbance = disturbance;
    const bundle = await chartBundle(record);
    env.sink.display({ ...bundle, transient: {} });
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

/** The scaling record from the rounds: medians, spreads and each round's times per point. */
export function scalingRecord(
  sizes: readonly number[],
  rounds: Pick<Rounds, "times" | "warmupMs" | "rule">,
  cores: number,
): ScalingRecord {
  const perRound = rounds.times.map((t) => perRoundSpeedups(sizes, t));
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
  const record = buildScalingRecord(
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
    const run = runs.find((r) => r.workers === point.workers);
    if (!run) continue;
    point.wallMsMin = run.wall.min;
    point.wallMsMax = run.wall.max;
    point.rounds = run.rounds;
  }
  const repeat: RepeatInfo = {
    rounds: rounds.times.length,
    rule: rounds.rule,
    warmupMs: rounds.warmupMs.reduce((a, b) => a + b, 0),
  };
  record.repeat = repeat;
  return record;
}
