import type { Runner } from "../run/runner";
import { dispatch, Dispatched } from "./dispatch";
import type { ParallelEnv } from "./env";
import type { ParallelPlan } from "./plan";
import type { PreparedJob } from "./prepare";

export interface Comparison {
  serial: Dispatched;
  parallel: Dispatched;
  /** Where the serial pass ran, in words for the summary. */
  serialWhere: string;
}

/**
 * --compare: the same compiled body on the same runner, first on one worker (w0, items in order,
 * SPMD ranks one after another), then on all of them. Both passes pay the same dispatch and
 * copying costs, so the ratio of their wall times is the speedup parallelism bought, not the
 * difference between the kernel's thread and a worker's.
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
  const serial = await dispatch(plan, job, runner, env, { ...serialPass, workers: 1, quiet: true });
  const serialWhere = runner.kind === "cluster" ? "on one worker of the cluster" : `on one worker ${runner.kind} (w0)`;
  env.sink.stream(
    "stdout",
    `Serial pass ${serialWhere}: ${(serial.endMs - serial.startMs).toFixed(1)} ms. Now in parallel on ${plan.workers} workers…\n`,
  );
  const parallel = await dispatch(plan, job, runner, env, { workers: plan.workers });
  return { serial, parallel, serialWhere };
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
