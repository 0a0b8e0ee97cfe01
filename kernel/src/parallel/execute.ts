import os from "node:os";
import { ParallelHandle, type LiveSource } from "./handle";
import { runComparison } from "./compare";
import { dispatch, Dispatched, startWorkers } from "./dispatch";
import type { ParallelEnv } from "./env";
import { withCellLine } from "./cell-line";
import { askAnyway, oversubscriptionWarning, type ParallelPlan } from "./plan";
import { GivenItems, prepareJob, PreparedJob } from "./prepare";
import { releaseSnapshot } from "./number-snapshot";
import { showRunReport } from "./report";
import { runScaling } from "./scaling";
import { copiedNotShared, lostClasses } from "./variables";
import type { Runner } from "../run/runner";

/** What a plan ran to: the values, or (--no-block) the handle, which travels wrapped because it is a thenable. */
export type ParallelOutcome = { values: unknown[] } | { handle: ParallelHandle };

/**
 * Runs a plan: prepare (variables, type check, compile), then one of --scaling, --compare,
 * --no-block or a plain blocking run, each ending with its report.
 */
export async function runParallel(
  planned: ParallelPlan,
  env: ParallelEnv,
  items?: GivenItems,
): Promise<ParallelOutcome> {
  const job = await prepareJob(planned, env.code, env.runners.workerGlobals, items);
  for (const warning of job.warnings) env.sink.stream("stderr", `${warning}\n`);
  const runner = env.runners.runnerFor(planned);
  // A cluster's size is known once it answers: without --workers a run takes all its slots.
  const plan = planned.cluster ? await sizeForCluster(planned, runner, env) : planned;
  if (!plan.cluster) warnIfOversubscribed(plan, env);
  const magic = plan.caller === "%%parallel";
  for (const note of copiedNotShared(plan.shareVars, job.vars, magic ? "--share" : "options.share"))
    env.sink.stream("stderr", `${note}\n`);
  const lost = job.items && lostClasses(job.items, magic ? "--map items" : `the items of ${plan.caller}`);
  if (lost) env.sink.stream("stderr", `${lost}\n`);
  const workers = Math.max(plan.workers, ...(plan.scaling ?? []));
  await startWorkers(runner, workers, env, env.signal, {
    memoryCheck:
      plan.memoryCheck && !plan.cluster
        ? { caller: plan.caller, override: askAnyway(plan.caller, workers) }
        : undefined,
  });
  if (plan.scaling) {
    // The chart is the answer of a scaling run; its values only go to --out.
    return finishValues({ ...plan, showValues: false }, await runScaling(plan, plan.scaling, job, runner, env), env);
  }
  if (plan.compare) {
    const comparison = await runComparison(plan, job, runner, env);
    afterRun(plan, job, comparison.parallel, env);
    const outcome = finishValues(plan, comparison.parallel.result.values, env);
    await showRunReport(plan, comparison.parallel, env, comparison);
    return outcome;
  }
  if (!plan.block) {
    const abort = new AbortController();
    const progress = { done: 0, total: job.items?.length ?? plan.workers };
    const live: LiveSource = {};
    const run = dispatch(plan, job, runner, env, {
      workers: plan.workers,
      signal: abort.signal,
      onProgress: (done) => (progress.done = done),
      onLive: (partial) => (live.partial = partial),
    });
    const handle = new ParallelHandle(
      run.then((r) => r.result),
      progress,
      abort,
      () => env.outputNow(),
      live,
    );
    run
      .then((r) =>
        handle.report(env.sink, async (sink) => {
          const here = { ...env, sink };
          afterRun(plan, job, r, here);
          // In place of the chart the awaiting cell drew live, if one did.
          await showRunReport(plan, { ...r, live: handle.takeLiveChart() }, here);
        }),
      )
      .catch(() => undefined);
    env.code.assign(plan.out!, handle, "import('paralab').ParallelHandle<any>");
    env.sink.stream(
      "stdout",
      `Started in the background: ${plan.out} is its handle (await ${plan.out}, ${plan.out}.done, ${plan.out}.cancel()).\n`,
    );
    return { handle };
  }
  let run: Dispatched;
  try {
    run = await dispatch(plan, job, runner, env, { workers: plan.workers });
  } finally {
    // Every task was sent (and its items copied) or cancelled: parallel.map's copy may be reused.
    if (items) releaseSnapshot(job.items);
  }
  afterRun(plan, job, run, env);
  const outcome = finishValues(plan, run.result.values, env);
  await showRunReport(plan, run, env);
  return outcome;
}

/** Worker state and the errors collected with --continue-on-error. */
function afterRun(plan: ParallelPlan, job: PreparedJob, run: Dispatched, env: ParallelEnv): void {
  for (const name of job.declared) env.runners.workerGlobals.add(name);
  if (!plan.cluster) env.runners.grewTo(plan.kind, plan.workers);
  run.grouped?.flush((name, text) => env.sink.stream(name, text));
  for (const error of run.result.errors) env.sink.stream("stderr", `${withCellLine(error, job.compiled).message}\n`);
}

function finishValues(plan: ParallelPlan, values: unknown[], env: ParallelEnv): ParallelOutcome {
  if (plan.out) env.code.assign(plan.out, values, "any[]");
  else if (plan.showValues && values.some((v) => v !== undefined)) env.showValue(values);
  return { values };
}

async function sizeForCluster(plan: ParallelPlan, runner: Runner, env: ParallelEnv): Promise<ParallelPlan> {
  await runner.ensureWorkers(1, env.signal);
  return { ...plan, workers: plan.cluster?.workers ?? runner.size };
}

function warnIfOversubscribed(plan: ParallelPlan, env: ParallelEnv): void {
  // --scaling runs at its own sizes, not at the pool's default size
  const workers = plan.scaling ? Math.max(...plan.scaling) : plan.workers;
  const warning = oversubscriptionWarning(plan.caller, workers, os.availableParallelism());
  if (warning) env.sink.stream("stderr", `${warning}\n`);
}
