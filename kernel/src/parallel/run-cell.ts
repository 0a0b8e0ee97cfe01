import os from "node:os";
import vm from "node:vm";
import { chartBundle } from "../charts/lazy";
import { buildScalingRecord } from "../charts/amdahl";
import { InterruptedError, TaskAbortedError, TaskFailedError } from "../errors";
import { ParallelPlan } from "../magics/parallel";
import { MagicContext } from "../magics/registry";
import { JobHooks, JobResult } from "../pool/pool";
import { ParallelHandle } from "./handle";
import { PreparedJob, prepareJob } from "./prepare";
import { ProgressBar } from "./progress";
import { buildRunRecord } from "./record";
import { ParallelSession } from "./session";
import { GroupedOutput, StreamPrefixer } from "./stream-prefix";

/** Runs a planned %%parallel cell: dispatch, live output, results, summary and chart. */
export async function runParallelCell(
  plan: ParallelPlan,
  session: ParallelSession,
  ctx: MagicContext,
  items?: Iterable<unknown>,
): Promise<unknown[] | { handle: ParallelHandle }> {
  // The handle is a thenable, so it travels wrapped: an async function would adopt (await) it.
  const job = await prepareJob(plan, ctx.executor, session.workerGlobals, items);
  warnIfOversubscribed(plan.workers, ctx);
  if (plan.scaling) return runScaling(plan, plan.scaling, job, session, ctx);
  const serialMs = plan.compare ? await runSerially(plan, job, ctx) : undefined;
  if (!plan.block) {
    const abort = new AbortController();
    const run = dispatch(plan, plan.workers, job, session, ctx, abort.signal);
    const handle = new ParallelHandle(
      run.then((r) => r.result),
      job.items?.length ?? plan.workers,
      abort,
    );
    run.then((r) => finish(plan, job, session, ctx, r, serialMs, false)).catch(() => undefined);
    ctx.executor.assign(plan.out!, handle, "import('paralab').ParallelHandle<any>");
    ctx.sink.stream(
      "stdout",
      `Started in the background: ${plan.out} is its handle (await ${plan.out}, ${plan.out}.done, ${plan.out}.cancel()).\n`,
    );
    return { handle };
  }
  const run = await dispatch(plan, plan.workers, job, session, ctx, ctx.signal);
  await finish(plan, job, session, ctx, run, serialMs, plan.showValues);
  return run.result.values;
}

interface Dispatched {
  result: JobResult;
  startMs: number;
  endMs: number;
  progress?: ProgressBar;
  grouped?: GroupedOutput;
}

/** One run on the pool with live output and progress; errors come back with cell lines. */
async function dispatch(
  plan: ParallelPlan,
  workers: number,
  job: PreparedJob,
  session: ParallelSession,
  ctx: MagicContext,
  signal: AbortSignal,
): Promise<Dispatched> {
  const prefixer = new StreamPrefixer();
  const grouped = plan.groupOutputs ? new GroupedOutput() : undefined;
  const total = job.items?.length ?? workers;
  const progress = plan.mode === "map" && !plan.quiet ? new ProgressBar(ctx.sink, total) : undefined;
  const timeout = plan.timeoutMs !== undefined ? AbortSignal.timeout(plan.timeoutMs) : undefined;
  const hooks: JobHooks = {
    signal: timeout ? AbortSignal.any([signal, timeout]) : signal,
    onStream: (rank, name, text) =>
      grouped ? grouped.add(rank, name, text) : ctx.sink.stream(name, prefixer.prefix(rank, name, text)),
    onProgress: (done) => {
      progress?.update(done);
      if (session.currentRun) session.currentRun.done = done;
    },
  };
  const pool = await readyPool(session, plan.kind, workers, ctx);
  session.currentRun = {
    label: plan.mode === "map" ? `map over ${total} items` : `spmd on ${workers} workers`,
    done: 0,
    total,
    startedMs: Date.now(),
  };
  session.sampler.busy(true);
  const startMs = Date.now();
  try {
    const result =
      plan.mode === "map"
        ? await pool.runMap(
            {
              code: job.code,
              items: job.items!,
              vars: job.vars,
              workers,
              ordered: plan.ordered,
              schedule: plan.schedule,
              chunksize: plan.chunksize,
              continueOnError: plan.continueOnError,
            },
            hooks,
          )
        : await pool.runSpmd({ code: job.code, workers, vars: job.vars }, hooks);
    for (const name of job.declared) session.workerGlobals.add(name);
    return { result, startMs, endMs: Date.now(), progress, grouped };
  } catch (e) {
    progress?.finish();
    grouped?.flush((name, text) => ctx.sink.stream(name, text));
    if (timeout?.aborted && !signal.aborted) {
      throw Object.assign(
        new Error(
          `%%parallel: the cell ran longer than --timeout ${plan.timeoutMs! / 1000} s; running tasks were cancelled and their workers replaced.`,
        ),
        { name: "TimeoutError" },
      );
    }
    if (e instanceof TaskAbortedError && signal === ctx.signal && signal.aborted)
      throw new InterruptedError(e.message, { cause: e });
    if (e instanceof TaskFailedError) throw withCellLine(e, job);
    throw e;
  } finally {
    session.sampler.busy(false);
    session.currentRun = null;
  }
}

/** Results, errors collected with --continue-on-error, --out, summary and chart. */
async function finish(
  plan: ParallelPlan,
  job: PreparedJob,
  session: ParallelSession,
  ctx: MagicContext,
  run: Dispatched,
  serialMs: number | undefined,
  showValues: boolean,
): Promise<void> {
  const { result } = run;
  run.grouped?.flush((name, text) => ctx.sink.stream(name, text));
  for (const error of result.errors) {
    ctx.sink.stream("stderr", `${withCellLine(error, job).message}\n`);
  }
  if (plan.out && plan.block) ctx.executor.assign(plan.out, result.values, "any[]");
  if (showValues && !plan.out && result.values.some((v) => v !== undefined)) ctx.showValue(result.values);
  if (plan.quiet) {
    run.progress?.finish();
    return;
  }
  const record = buildRunRecord(result, {
    mode: plan.mode,
    kind: plan.kind,
    startMs: run.startMs,
    endMs: run.endMs,
    sampler: session.sampler,
  });
  if (serialMs !== undefined) {
    record.serialCpuMs = serialMs;
    record.speedup = record.wallMs > 0 ? serialMs / record.wallMs : 0;
    record.efficiency = record.speedup / record.workers;
    record.compare = { serialMs, parallelMs: record.wallMs, speedup: record.speedup };
  }
  if (result.errors.length) record.title = `${result.errors.length} task(s) failed (--continue-on-error)`;
  const bundle = await chartBundle(record);
  run.progress?.finish(bundle);
  if (!run.progress) ctx.sink.display({ ...bundle, transient: {} });
}

/** --compare: the same work, one task after another in the kernel, timed. */
async function runSerially(plan: ParallelPlan, job: PreparedJob, ctx: MagicContext): Promise<number> {
  const fn = vm.runInThisContext(job.serialSource, { filename: "cell" }) as (c: unknown) => Promise<unknown>;
  const serialComm = new Proxy(
    {},
    {
      get: () => {
        throw new Error(
          "comm is not available in the serial run of --compare; drop --compare for cells that use comm.",
        );
      },
    },
  );
  const start = performance.now();
  if (plan.mode === "map") {
    for (const [index, item] of job.items!.entries()) {
      await fn({ [plan.itemName]: item, item, index, rank: 0, vars: job.vars });
      if (ctx.signal.aborted) throw ctx.signal.reason;
    }
  } else {
    for (let rank = 0; rank < plan.workers; rank++)
      await fn({ rank, size: plan.workers, comm: serialComm, vars: job.vars });
  }
  const serialMs = performance.now() - start;
  ctx.sink.stream(
    "stdout",
    `Serial run in the kernel: ${serialMs.toFixed(1)} ms. Now in parallel on ${plan.workers} workers…\n`,
  );
  return serialMs;
}

/** --scaling 1,2,4: the same work at each pool size; speedup vs ideal with an Amdahl fit. */
async function runScaling(
  plan: ParallelPlan,
  sizes: number[],
  job: PreparedJob,
  session: ParallelSession,
  ctx: MagicContext,
): Promise<unknown[]> {
  const runs: { workers: number; wallMs: number }[] = [];
  let values: unknown[] = [];
  for (const workers of sizes) {
    const run = await dispatch({ ...plan, quiet: true }, workers, job, session, ctx, ctx.signal);
    runs.push({ workers, wallMs: run.endMs - run.startMs });
    values = run.result.values;
    ctx.sink.stream(
      "stdout",
      `${workers} worker${workers === 1 ? "" : "s"}: ${(run.endMs - run.startMs).toFixed(1)} ms\n`,
    );
  }
  if (plan.out) ctx.executor.assign(plan.out, values, "any[]");
  if (!plan.quiet)
    ctx.sink.display({ ...(await chartBundle(buildScalingRecord(runs, os.availableParallelism()))), transient: {} });
  return values;
}

function warnIfOversubscribed(workers: number, ctx: MagicContext): void {
  const cores = os.availableParallelism();
  if (workers > cores) {
    ctx.sink.stream(
      "stderr",
      `Warning: ${workers} workers on ${cores} cores (oversubscribed): workers take turns on the cores, so expect at most ${cores}x speedup.\n`,
    );
  }
}

/** Adds the cell line of the failing statement to a task error, from the worker's stack. */
function withCellLine<E extends TaskFailedError>(e: E, job: PreparedJob): E {
  const stack = e.workerStack ?? "";
  const lines = [...stack.matchAll(/\bcell:(\d+)(?::\d+)?/g)].map((m) => job.compiled.cellLine(Number(m[1])));
  const line = lines.find((l) => l !== undefined);
  if (line === undefined || e.message.includes("at cell line")) return e;
  e.message = `${e.message} at cell line ${line}`;
  const frames = stack
    .split("\n")
    .slice(1)
    .filter((f) => /\bcell:\d+/.test(f))
    .map((f) =>
      f.replace(/\bcell:(\d+)(?::\d+)?/, (_, l: string) => `cell line ${job.compiled.cellLine(Number(l)) ?? "?"}`),
    );
  e.stack = [`${e.name}: ${e.message}`, ...frames].join("\n");
  return e;
}

/**
 * The pool with `workers` workers started, so that start-up (once per pool, ~0.1 s) is not
 * charged to the run; a first start is reported.
 */
async function readyPool(session: ParallelSession, kind: "thread" | "process", workers: number, ctx: MagicContext) {
  const fresh = !session.hasPool(kind);
  const t0 = performance.now();
  const pool = session.pool(kind);
  await pool.resize(Math.max(pool.size, workers));
  if (fresh) {
    const what = kind === "thread" ? "worker threads" : "worker processes";
    ctx.sink.stream(
      "stdout",
      `Started ${pool.size} ${what} in ${(performance.now() - t0).toFixed(0)} ms (once per kernel).\n`,
    );
  }
  return pool;
}
