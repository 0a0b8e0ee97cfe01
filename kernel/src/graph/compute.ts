/**
 * compute(...nodes): builds the job for the nodes the targets need (values already in the kernel
 * are sent along as arguments; results kept on workers are reused), runs it on the runner (the
 * local pool or a cluster) with a TaskScheduler deciding, remembers on each node what happened (value,
 * where its result is kept), draws the graph chart, and fails with an error naming the task.
 */
import { chartBundle, chartBundleNow, showChart } from "../charts/lazy";
import { GraphTaskError, InterruptedError, TaskAbortedError, TimeoutError } from "../errors";
import type { OutputSink } from "../output";
import type { GraphJob, GraphResult, GraphTaskRun, GraphTaskSpec, KeptResult } from "../run/graphs";
import type { JobCode } from "../run/jobs";
import {
  GRAPH_MIME,
  type Disturbance,
  type GraphEdgeRecord,
  type GraphNodeStatus,
  type GraphRecord,
  type LiveState,
} from "../run/records";
import { LiveChart, liveBundle } from "../charts/live-chart";
import type { RunWatch } from "../monitor/observer";
import type { Runner } from "../run/runner";
import { estimateBytes } from "../transfer/bytes";
import { fillArgs } from "./args";
import { collectGraph, type DelayedFunction, type GraphNode } from "./node";
import { buildGraphRecord } from "./record";
import { theKernelHeap } from "../proc/heap-bound";
import { TaskScheduler, type TaskState } from "./scheduler";

/** A delayed function made ready for the workers. */
export interface PreparedFunction {
  code: JobCode;
  /** The kernel variables it uses (data; functions travel inside `code`). */
  vars: Record<string, unknown>;
}

/** What running a graph needs from the cell that asked; api/graph.ts provides it. */
export interface GraphEnv {
  runner: Runner;
  /** Undefined: every slot the runner has once it is ready (a cluster's, when the graph starts). */
  workers: number | undefined;
  timeoutMs?: number;
  /** No chart. */
  quiet: boolean;
  /** Aborted when the user interrupts the cell. */
  signal: AbortSignal;
  sink: OutputSink;
  /** Compiles a delayed function for the workers; throws when it cannot be sent (VariableError). */
  prepare(fn: DelayedFunction): PreparedFunction;
  /** Starts missing workers before the clock runs (and says so). */
  startWorkers(runner: Runner, workers: number, signal: AbortSignal): Promise<void>;
  /** A task's console output; `worker` names a cluster's runtime (host:pid/w0). */
  onStream(rank: number, name: "stdout" | "stderr", text: string, worker?: string): void;
  /**
   * Starts watching the run (the Parallel panel's progress, the cores, the workers' clocks), once
   * the workers are up and before the clock runs, as a map does: started at the first result
   * instead, its set-up delayed the next dispatch by milliseconds inside the timed run.
   */
  watch?(total: number): RunWatch;
}

/** The precise clock %%parallel runs and the workers' task times use (epoch ms, sub-ms). */
const now = (): number => performance.timeOrigin + performance.now();

const RECORD_STATUS: Record<TaskState, GraphNodeStatus> = {
  ok: "ok",
  error: "error",
  skipped: "skipped",
  cancelled: "cancelled",
  kept: "kept",
  // A run always ends with none of these; if one were left, it did not run.
  waiting: "cancelled",
  ready: "cancelled",
  running: "cancelled",
};

export async function runCompute(targets: readonly GraphNode[], env: GraphEnv): Promise<unknown[]> {
  if (targets.every((t) => t.value)) return targets.map((t) => t.value!.v);
  // A node that another compute is running is not started again (it would run twice, and the two
  // values disagree): wait until that compute has recorded it. No await between the last check
  // and claiming the nodes below, so two computes cannot both find a node free.
  let nodes = collectGraph(targets);
  const waitedFor = new Set<GraphNode>();
  for (let busy = runningElsewhere(nodes); busy.length; busy = runningElsewhere(nodes)) {
    await waitForOthers(busy, waitedFor, env.signal);
    nodes = collectGraph(targets);
  }
  failIfFailedThere(nodes, waitedFor);
  if (targets.every((t) => t.value)) return targets.map((t) => t.value!.v);
  const { runner } = env;
  const toRun = nodes.filter((n) => !n.value);
  const codes: JobCode[] = [];
  const codeOf = new Map<DelayedFunction, number>();
  const vars: Record<string, unknown> = {};
  for (const n of toRun) {
    if (codeOf.has(n.fn)) continue;
    const prepared = env.prepare(n.fn);
    codeOf.set(n.fn, codes.length);
    codes.push(prepared.code);
    Object.assign(vars, prepared.vars);
  }
  const kernelEdges: GraphEdgeRecord[] = [];
  const tasks: GraphTaskSpec[] = toRun.map((n) => {
    const byId = new Map(n.inputs.map((i) => [i.id, i]));
    const fills: { path: (string | number)[]; value: unknown }[] = [];
    const refs = [];
    for (const ref of n.refs) {
      const input = byId.get(ref.id)!;
      if (input.value) fills.push({ path: ref.path, value: input.value.v });
      else refs.push(ref);
    }
    for (const input of n.inputs) {
      if (input.value)
        kernelEdges.push({ from: input.id, to: n.id, bytes: estimateBytes(input.value.v), path: "kernel" });
    }
    return {
      id: n.id,
      code: codeOf.get(n.fn)!,
      args: fills.length ? fillArgs(n.args, fills) : n.args,
      refs,
      deps: n.inputs.filter((i) => !i.value).map((i) => i.id),
    };
  });
  const kept: Record<string, KeptResult> = {};
  for (const n of toRun) if (n.kept?.runner === runner) kept[n.id] = { worker: n.kept.worker, bytes: n.kept.bytes };
  const outputs = [...new Set(targets.filter((t) => !t.value).map((t) => t.id))];
  const scheduler = new TaskScheduler(tasks, outputs);

  // From here until its nodes are recorded, another compute that needs one waits for this one.
  let settle = () => {};
  const done = new Promise<void>((resolve) => (settle = resolve));
  for (const n of toRun) n.running = { done, want: () => scheduler.want(n.id) };
  try {
    await env.startWorkers(runner, env.workers ?? 1, env.signal);
    const workers = env.workers ?? runner.size;
    const job: GraphJob = { codes, tasks, vars, workers, outputs, kept };
    const timeout = env.timeoutMs !== undefined ? AbortSignal.timeout(env.timeoutMs) : undefined;
    const watch = env.watch?.(scheduler.total);
    // Before the clock starts, so that a collection of the kernel's garbage is not timed as the graph's.
    theKernelHeap().beforeTimedWork();
    const startMs = now();
    let endMs = startMs;
    let disturbance: Disturbance | undefined;
    let result: GraphResult;
    // The live chart: the graph so far, its tasks that have not run yet pending.
    const liveRuns: GraphTaskRun[] = [];
    let settled = 0;
    const liveRecord = (state: LiveState["state"]): GraphRecord => {
      const at = now();
      const sofar = { values: new Map(), runs: liveRuns, edges: [], kept: {}, startMs, endMs: at, workers };
      const record = buildGraphRecord(
        nodes,
        { workers, workerKind: runner.kind },
        {
          result: { ...sofar, bytesIn: 0, bytesOut: 0, bytesMoved: { port: 0, relay: 0 } },
          startMs,
          endMs: at,
          kernelEdges,
          outputs: new Set(targets.map((t) => t.id)),
          status: (id) => {
            const s = scheduler.stateOf(id);
            if (s === undefined) return nodes.find((n) => n.id === id)?.value ? "kept" : undefined;
            return s === "waiting" || s === "ready" || s === "running" ? "pending" : RECORD_STATUS[s];
          },
        },
      );
      record.live = { state, done: settled, total: scheduler.total, unit: "task", tasks: liveRuns.length };
      return record;
    };
    // A big graph's record is large (up to MAX_RECORD_NODES nodes): fewer updates of it.
    const live = env.quiet
      ? undefined
      : new LiveChart(env.sink, () => liveBundle(GRAPH_MIME, liveRecord("running")), {
          everyMs: nodes.length > 500 ? 1000 : 250,
        });
    // An interrupt ends an awaiting cell at once: its chart says so before the cell's reply.
    const onAbort = () => live?.showNow(liveBundle(GRAPH_MIME, liveRecord("interrupted")));
    env.signal.addEventListener("abort", onAbort, { once: true });
    try {
      result = await runner.runGraph(job, scheduler, {
        signal: timeout ? AbortSignal.any([env.signal, timeout]) : env.signal,
        onStream: (rank, name, text, worker) => env.onStream(rank, name, text, worker),
        onProgress: (done) => {
          settled = done;
          watch?.progress(done);
        },
        onRun: live && ((run) => liveRuns.push(run)),
      });
    } catch (e) {
      // The live chart stays, showing what had run.
      const state =
        timeout?.aborted && !env.signal.aborted ? "timed out" : env.signal.aborted ? "interrupted" : "failed";
      live?.finish(live.isShown ? await chartBundle(liveRecord(state)) : undefined, false);
      throw e;
    } finally {
      env.signal.removeEventListener("abort", onAbort);
      live?.hold();
      endMs = now();
      const contention = watch?.finished(startMs, endMs).contention;
      // A cluster's workers are on other machines: this machine's load says nothing about them.
      if (contention && runner.kind !== "cluster") {
        disturbance = { otherCores: contention.otherCores, waitedMs: contention.workerWaitMs, inTaskMs: 0 };
      }
    }

    for (const n of toRun) {
      const state = scheduler.stateOf(n.id);
      if (state === undefined) continue; // not needed this time: what it had stays
      n.lastStatus = RECORD_STATUS[state];
      const failed = state === "error" ? result.runs.find((r) => r.id === n.id && r.status === "error") : undefined;
      n.failure = failed && {
        error: failed.error ?? { name: "Error", message: "unknown failure" },
        worker: failed.rank >= 0 ? (result.lanes?.[failed.rank] ?? `w${failed.rank}`) : undefined,
      };
      const k = result.kept[n.id];
      n.kept = k ? { runner, worker: k.worker, bytes: k.bytes } : undefined;
      if (result.values.has(n.id)) n.value = { v: result.values.get(n.id) };
    }
    const record = buildGraphRecord(
      nodes,
      { workers, workerKind: runner.kind },
      {
        result,
        startMs,
        endMs,
        disturbance,
        kernelEdges,
        outputs: new Set(targets.map((t) => t.id)),
        status: (id) => {
          const s = scheduler.stateOf(id);
          if (s !== undefined) return RECORD_STATUS[s];
          return nodes.find((n) => n.id === id)?.value ? "kept" : undefined;
        },
      },
    );
    if (!env.quiet) await showGraph(record, env.sink, live);
    if (result.aborted) throw stopped(result.aborted, env, timeout, record);
    const failure = firstFailure(toRun, result.runs);
    if (failure) {
      const { node, run } = failure;
      const cause = run.error ?? { name: "Error", message: "unknown failure" };
      throw new GraphTaskError(
        {
          id: node.id,
          fn: node.fn.name,
          cellLine: node.fn.cellLine,
          worker: run.rank >= 0 ? (result.lanes?.[run.rank] ?? `w${run.rank}`) : undefined,
        },
        { name: cause.name, message: cause.message, stack: cause.stack },
        {
          failed: toRun.filter((n) => n.lastStatus === "error").map((n) => n.id),
          skipped: toRun.filter((n) => n.lastStatus === "skipped").map((n) => n.id),
          finished: (record.counts.ok ?? 0) + (record.counts.kept ?? 0),
        },
      );
    }
    return targets.map((t) => t.value?.v);
  } finally {
    for (const n of toRun) if (n.running?.done === done) n.running = undefined;
    settle();
  }
}

/** Waits for the computes running `busy`, asking each to keep the result on its worker. */
async function waitForOthers(
  busy: { node: GraphNode; running: NonNullable<GraphNode["running"]> }[],
  waitedFor: Set<GraphNode>,
  signal: AbortSignal,
): Promise<void> {
  for (const { node, running } of busy) {
    running.want();
    waitedFor.add(node);
  }
  await untilDone(
    busy.map((b) => b.running.done),
    signal,
    busy.map((b) => b.node.id),
  );
}

/** A node that failed in the compute this one waited for fails this one too, naming the same task. */
function failIfFailedThere(nodes: readonly GraphNode[], waitedFor: ReadonlySet<GraphNode>): void {
  const failed = nodes.filter((n) => waitedFor.has(n) && !n.value && n.lastStatus === "error");
  if (!failed.length) return;
  const [node] = failed;
  throw new GraphTaskError(
    { id: node.id, fn: node.fn.name, cellLine: node.fn.cellLine, worker: node.failure?.worker },
    node.failure?.error ?? { name: "Error", message: "unknown failure" },
    {
      failed: failed.map((n) => n.id),
      skipped: nodes.filter((n) => waitedFor.has(n) && n.lastStatus === "skipped").map((n) => n.id),
      finished: 0,
    },
  );
}

function runningElsewhere(nodes: readonly GraphNode[]) {
  return nodes.flatMap((node) => (node.running && !node.value ? [{ node, running: node.running }] : []));
}

async function untilDone(done: Promise<void>[], signal: AbortSignal, ids: string[]): Promise<void> {
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(
        new InterruptedError(
          `Interrupted: this compute was waiting for ${ids.join(", ")}, which another compute runs; nothing of it ran here.`,
        ),
      );
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([Promise.all(done), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** The graph chart before anything runs (node.visualize()), shown before this returns. */
export function visualizeGraph(
  targets: readonly GraphNode[],
  on: { workers: number; workerKind: string },
  sink: OutputSink,
): GraphRecord {
  const record = buildGraphRecord(collectGraph(targets, false, "visualize"), on);
  sink.display({ ...chartBundleNow(record), transient: {} });
  return record;
}

/** The final chart, in place of the live one when that was shown. */
async function showGraph(record: GraphRecord, sink: OutputSink, live?: LiveChart): Promise<void> {
  await showChart(sink, record, live);
}

function firstFailure(
  nodes: readonly GraphNode[],
  runs: readonly {
    id: string;
    status: string;
    rank: number;
    error?: { name: string; message: string; stack?: string };
  }[],
) {
  const failedRuns = new Map(runs.filter((r) => r.status === "error").map((r) => [r.id, r]));
  for (const node of nodes) {
    const run = failedRuns.get(node.id);
    if (run) return { node, run };
  }
  return undefined;
}

function stopped(aborted: Error, env: GraphEnv, timeout: AbortSignal | undefined, record: GraphRecord): Error {
  // Not a cancel (the pool closed, no worker could start): that error says it best.
  if (!(aborted instanceof TaskAbortedError)) return aborted;
  const done = (record.counts.ok ?? 0) + (record.counts.kept ?? 0);
  const keptNote = `${done} finished task${done === 1 ? "" : "s"} keep their results; compute again runs the rest.`;
  if (timeout?.aborted && !env.signal.aborted) {
    return new TimeoutError(
      `compute: the graph ran longer than options.timeout ${env.timeoutMs! / 1000} s; running tasks were cancelled and their workers replaced. ${keptNote}`,
      { cause: aborted },
    );
  }
  return new InterruptedError(
    `Interrupted: the graph was cancelled; running tasks were stopped and their workers replaced. ${keptNote}`,
    { cause: aborted },
  );
}
