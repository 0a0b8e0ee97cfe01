import os from "node:os";
import { chartBundle } from "../charts/lazy";
import { buildScalingRecord } from "../charts/amdahl";
import type { Runner } from "../run/runner";
import { dispatch } from "./dispatch";
import type { ParallelEnv } from "./env";
import type { ParallelPlan } from "./plan";
import type { PreparedJob } from "./prepare";

/** --scaling 1,2,4: the same job at each pool size; speedup against ideal with an Amdahl fit. */
export async function runScaling(
  plan: ParallelPlan,
  sizes: number[],
  job: PreparedJob,
  runner: Runner,
  env: ParallelEnv,
): Promise<unknown[]> {
  const runs: { workers: number; wallMs: number }[] = [];
  let values: unknown[] = [];
  for (const workers of sizes) {
    const run = await dispatch(plan, job, runner, env, { workers, quiet: true });
    const wallMs = run.endMs - run.startMs;
    runs.push({ workers, wallMs });
    values = run.result.values;
    env.sink.stream("stdout", `${workers} worker${workers === 1 ? "" : "s"}: ${wallMs.toFixed(1)} ms\n`);
  }
  if (!plan.quiet) {
    const bundle = await chartBundle(buildScalingRecord(runs, os.availableParallelism()));
    env.sink.display({ ...bundle, transient: {} });
  }
  return values;
}
