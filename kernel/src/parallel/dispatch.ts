import os from "node:os";
import { chartBundle } from "../charts/lazy";
import { liveRunRecord, TaskFold } from "../charts/live";
import { InterruptedError, TaskAbortedError, TaskFailedError, TimeoutError } from "../errors";
import type { JobHooks, JobResult } from "../run/jobs";
import type { EnsureOptions, Runner } from "../run/runner";
import type { ParallelEnv } from "./env";
import type { RunWatch, Utilization } from "../monitor/observer";
import { withCellLine } from "./cell-line";
import type { ParallelPlan } from "./plan";
import type { PreparedJob } from "./prepare";
import { LiveChart, liveBundle } from "../charts/live-chart";
import { RUN_MIME, type LiveState, type RunRecord } from "../run/records";
import type { MimeBundle } from "../output";
import { GroupedOutput, StreamPrefixer } from "./stream-prefix";
import { theKernelHeap } from "../proc/heap-bound";

/** One run of a prepared job on a runner, as the cell saw it. */
export interface Dispatched {
  result: JobResult;
  /** Epoch ms. */
  startMs: number;
  endMs: number;
  /** What the cores and workers did while it ran. */
  utilization: Utilization;
  /** The run's live chart: the report replaces it with the final chart. */
  live?: LiveChart;
  grouped?: GroupedOutput;
}

export interface DispatchOptions {
  workers: number;
  /** Overrides for this pass (e.g. --compare's serial pass on one worker). */
  job?: Partial<Pick<PreparedJob, "code" | "items">>;
  mode?: "spmd" | "map";
  schedule?: "dynamic" | "static";
  quiet?: boolean;
  signal?: AbortSignal;
  /** Tasks done so far (a --no-block handle's `progress`). */
  onProgress?: (done: number) => void;
  /** A --no-block run's chart so far, for the cell that awaits its handle. */
  onLive?: (partial: () => MimeBundle) => void;
  /** The workers' stdout/stderr of this pass is not shown (a repeated pass of --compare / --scaling): counted here. */
  dropStreams?: { chunks: number };
}

/**
 * Runs the job once on `runner` with live output (prefixed per worker, or grouped), a progress
 * bar for maps, --timeout, and errors that name the cell line. Worker start-up happens first and
 * is reported, not timed.
 */
export async function dispatch(
  plan: ParallelPlan,
  job: PreparedJob,
  runner: Runner,
  env: ParallelEnv,
  o: DispatchOptions,
): Promise<Dispatched> {
  const signal = o.signal ?? env.signal;
  const mode = o.mode ?? plan.mode;
  const items = o.job?.items ?? job.items;
  const code = o.job?.code ?? job.code;
  const quiet = o.quiet ?? plan.quiet;
  const total = mode === "map" ? items!.length : o.workers;
  // The precise clock the workers' task times and thread-clock samples use.
  const now = () => performance.timeOrigin + performance.now();
  let startMs = now();
  let done = 0;
  // Set once the workers are up (a --no-block run's chart may be drawn before).
  const watched: { watch?: RunWatch } = {};
  const fold = quiet ? undefined : new TaskFold();
  const liveRecord = (state: LiveState["state"]): RunRecord => {
    const sofar = watched.watch?.sofar?.(startMs);
    return liveRunRecord({
      mode,
      workers: o.workers,
      workerKind: plan.cluster ? "cluster" : plan.kind,
      cores: os.availableParallelism(),
      startMs,
      nowMs: now(),
      fold: fold!,
      done,
      total,
      state,
      // the kernel's cores and clocks say nothing about a cluster's
      ...(plan.cluster || !sofar
        ? {}
        : {
            samples: sofar.cores,
            workerSamples: sofar.workers,
            workerSamplesFromMs: sofar.workersFromMs,
            workerWindowMs: sofar.workersWindowMs,
          }),
    });
  };
  const partial = () => liveBundle(RUN_MIME, liveRecord("running"));
  // A --no-block cell ends at once: the cell that awaits its handle draws it live (o.onLive).
  const live = fold && plan.block ? new LiveChart(env.sink, partial) : undefined;
  if (fold && !plan.block) o.onLive?.(partial);
  try {
    await startWorkers(runner, o.workers, env, signal);
  } catch (e) {
    live?.finish(
      { data: liveBundle(RUN_MIME, liveRecord(signal.aborted ? "interrupted" : "failed")), metadata: {} },
      false,
    );
    throw e;
  }
  const prefixer = new StreamPrefixer();
  const grouped = plan.groupOutputs ? new GroupedOutput() : undefined;
  const timeout = plan.timeoutMs !== undefined ? AbortSignal.timeout(plan.timeoutMs) : undefined;
  const watching = env.observer.started({
    label: mode === "map" ? `map over ${total} items` : `spmd on ${o.workers} workers`,
    total,
    workers: () => runner.status().filter((w) => w.rank < o.workers),
    onCluster: !!plan.cluster,
  });
  watched.watch = watching;
  const hooks: JobHooks = {
    signal: timeout ? AbortSignal.any([signal, timeout]) : signal,
    outsideMayWake: !plan.block,
    onStream: (rank, name, text, worker) =>
      o.dropStreams
        ? o.dropStreams.chunks++
        : grouped
          ? grouped.add(rank, name, text, worker)
          : env.sink.stream(name, prefixer.prefix(rank, name, text, worker)),
    onProgress: (n) => {
      done = n;
      watching.progress(n);
      o.onProgress?.(n);
    },
    onTask: fold && ((task) => fold.add(task)),
  };
  // An interrupt ends an awaiting cell (parallel.map in code) at once: its chart says so before the reply.
  const onAbort = () => live?.showNow(liveBundle(RUN_MIME, liveRecord("interrupted")));
  env.signal.addEventListener("abort", onAbort, { once: true });
  // Before the clock starts, so that a collection of the kernel's garbage is not timed as the run's.
  theKernelHeap().beforeTimedWork();
  startMs = now();
  try {
    const result =
      mode === "map"
        ? await runner.runMap(
            {
              code,
              items: items!,
              vars: job.vars,
              workers: o.workers,
              ordered: plan.ordered,
              schedule: o.schedule ?? plan.schedule,
              chunksize: plan.chunksize,
              continueOnError: plan.continueOnError,
            },
            hooks,
          )
        : await runner.runSpmd({ code, workers: o.workers, vars: job.vars }, hooks);
    const endMs = now();
    live?.hold();
    return { result, startMs, endMs, utilization: watching.finished(startMs, endMs), live, grouped };
  } catch (e) {
    // The live chart stays, showing what finished and what was cancelled (read before the watch ends).
    const state = timeout?.aborted && !signal.aborted ? "timed out" : signal.aborted ? "interrupted" : "failed";
    const partial = live?.isShown ? liveRecord(state) : undefined;
    watching.finished(startMs, now());
    if (live) live.finish(partial && (await chartBundle(partial)), false);
    grouped?.flush((name, text) => env.sink.stream(name, text));
    throw explainFailure(e, plan, job, signal, timeout);
  } finally {
    env.signal.removeEventListener("abort", onAbort);
  }
}

function explainFailure(
  e: unknown,
  plan: ParallelPlan,
  job: PreparedJob,
  signal: AbortSignal,
  timeout: AbortSignal | undefined,
): unknown {
  if (timeout?.aborted && !signal.aborted) {
    const option = plan.caller === "%%parallel" ? "--timeout" : "options.timeout";
    return new TimeoutError(
      `${plan.caller}: the cell ran longer than ${option} ${plan.timeoutMs! / 1000} s; running tasks were cancelled and their workers replaced.`,
      { cause: e },
    );
  }
  // The stop button is an interrupt; a handle's cancel() is not (its TaskAbortedError says so).
  if (e instanceof TaskAbortedError && signal.aborted && plan.block)
    return new InterruptedError(e.message, { cause: e });
  if (e instanceof TaskFailedError) return withCellLine(e, job.compiled);
  return e;
}

/** Starts missing workers before the clock runs; the first start of a pool is worth a line. */
export async function startWorkers(
  runner: Runner,
  workers: number,
  env: ParallelEnv,
  signal: AbortSignal,
  options: EnsureOptions = {},
): Promise<void> {
  const before = runner.size;
  let started: number, ms: number;
  try {
    ({ started, ms } = await runner.ensureWorkers(workers, signal, options));
  } catch (e) {
    if (e instanceof TaskAbortedError && signal.aborted) {
      throw new InterruptedError(
        `Interrupted while the workers for this cell were starting: the ones it started were stopped, ` +
          `and the pool is back to ${runner.size} ${runner.size === 1 ? "worker" : "workers"}. Nothing ran.`,
        { cause: e },
      );
    }
    throw e;
  }
  if (!started) return;
  const noun = runner.kind === "thread" ? "worker thread" : runner.kind === "process" ? "worker process" : "worker";
  const what = started === 1 ? noun : noun.endsWith("s") ? `${noun}es` : `${noun}s`;
  env.sink.stream(
    "stdout",
    before === 0
      ? `Started ${started} ${what} in ${ms.toFixed(0)} ms (once per kernel).\n`
      : `Started ${started} more ${what} in ${ms.toFixed(0)} ms: the pool now has ${runner.size} (it was ${before}; %workers ${before} shrinks it).\n`,
  );
}
