import { formatDuration } from "../format";
import type { Runner } from "../run/runner";
import { dispatch, Dispatched } from "./dispatch";
import type { ParallelEnv } from "./env";
import type { ParallelPlan } from "./plan";
import type { PreparedJob } from "./prepare";
import type { Disturbance } from "../run/records";
import { combineDisturbances } from "./disturbance";
import { measureRounds, RoundsRule } from "./rounds";

export interface Comparison {
  /** The last timed serial pass. */
  serial: Dispatched;
  /** The last timed parallel pass: its tasks and utilization are the run chart's. */
  parallel: Dispatched;
  /** Where the serial pass ran, in words for the summary. */
  serialWhere: string;
  /** Each timed round's wall times, ms, in the order they ran. */
  rounds: { serialMs: number; parallelMs: number }[];
  /** Wall time of the warm-up pass(es), ms (not counted). */
  warmupMs: number;
  rule: RoundsRule;
  /** Every timed pass's disturbance together (absent where it cannot be read). */
  disturbance?: Disturbance;
  /** In-task CPU of each timed pass, ms, in round order. */
  inTaskCpuMs: Record<Pass, number[]>;
}

type Pass = "serial" | "parallel";

/**
 * --compare: the same compiled body on the same runner, on one worker (w0, items in order, SPMD
 * ranks one after another) and on all of them. Both passes pay the same dispatch and copying
 * costs, so the ratio of their wall times is the speedup parallelism bought, not the difference
 * between the kernel's thread and a worker's. A warm-up pass on all the workers runs first (and
 * the serial pass once too when its code differs, in SPMD), so that no timed pass compiles or
 * warms up the code; then the passes alternate, serial, parallel, serial, parallel …, for
 * plan.repeat rounds or as rounds.ts decides.
 */
export async function runComparison(
  plan: ParallelPlan,
  job: PreparedJob,
  runner: Runner,
  env: ParallelEnv,
): Promise<Comparison> {
  const serialPass =
    plan.mode === "map"
      ? { mode: "map" as const, job: {} }
      : {
          mode: "map" as const,
          job: {
            code: { ...job.code, source: spmdAsSerialMap(job.serialSource, plan.workers) },
            items: Array.from({ length: plan.workers }, (_, rank) => rank),
          },
        };
  const serialWhere = runner.kind === "cluster" ? "on one worker of the cluster" : `on one worker ${runner.kind} (w0)`;
  const last: Partial<Record<Pass, Dispatched>> = {};
  const timed: Dispatched[] = [];
  const inTaskCpuMs: Record<Pass, number[]> = { serial: [], parallel: [] };
  const dropped = { chunks: 0 };
  const pending: Partial<Record<Pass, number>> = {};
  const rounds = await measureRounds<Pass>(
    {
      passes: ["serial", "parallel"],
      // In map mode the serial pass runs the same code as the parallel one, which warms it on w0 too.
      warmup: plan.mode === "map" ? ["parallel"] : ["parallel", "serial"],
      repeat: plan.repeat,
      speedups: ([serialMs, parallelMs]) => [parallelMs > 0 ? serialMs / parallelMs : 0],
    },
    async (pass, round) => {
      const warm = round === 0;
      const run = await dispatch(plan, job, runner, env, {
        ...(pass === "serial" ? { ...serialPass, workers: 1 } : { workers: plan.workers }),
        quiet: true,
        // The warm-up shows the body's output once; the timed passes repeat it, unseen.
        dropStreams: warm ? undefined : dropped,
      });
      if (warm) run.grouped?.flush((name, text) => env.sink.stream(name, text));
      const ms = run.endMs - run.startMs;
      if (warm) {
        env.sink.stream(
          "stdout",
          `Warm-up ${pass === "serial" ? `serial pass ${serialWhere}` : `pass on ${plan.workers} workers`}: ${formatDuration(ms)} (not counted).\n`,
        );
      } else {
        last[pass] = run;
        timed.push(run);
        inTaskCpuMs[pass].push(run.result.cpuMs);
        pending[pass] = ms;
        if (pass === "parallel") {
          const serialMs = pending.serial ?? 0;
          env.sink.stream(
            "stdout",
            `Round ${round}: serial ${serialWhere} ${formatDuration(serialMs)}, parallel on ${plan.workers} workers ${formatDuration(ms)}` +
              `${ms > 0 ? ` (${(serialMs / ms).toFixed(2)}x)` : ""}\n`,
          );
        }
      }
      return ms;
    },
  );
  if (dropped.chunks) {
    env.sink.stream("stdout", "(The timed passes' own output is not shown: the warm-up's above is the same code's.)\n");
  }
  return {
    serial: last.serial!,
    parallel: last.parallel!,
    serialWhere,
    rounds: rounds.times.map(([serialMs, parallelMs]) => ({ serialMs, parallelMs })),
    warmupMs: rounds.warmupMs.reduce((a, b) => a + b, 0),
    rule: rounds.rule,
    disturbance: combineDisturbances(timed),
    inTaskCpuMs,
  };
}

/**
 * An SPMD body as a map over ranks on one worker: each item is a rank; `comm` cannot work when
 * the ranks run one after another, so using it says so. Kept on one line so that the body's
 * line numbers (for tracebacks) do not move.
 */
function spmdAsSerialMap(serialSource: string, size: number): string {
  const noComm =
    'new Proxy({}, { get() { throw new Error("comm is not available in the serial pass of --compare (the ranks run one after another); drop --compare for cells that use comm."); } })';
  return `((body, comm) => (ctx) => body({ rank: ctx.item, size: ${size}, comm, vars: ctx.vars }))(${serialSource}, ${noComm})`;
}
