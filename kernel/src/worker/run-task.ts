/**
 * The worker side, shared by both runtimes: compiles job code (once per source), runs SPMD
 * ranks and map chunks, measures them, and relays comm calls to the pool's broker.
 */
import * as vm from "node:vm";
import { ResultCollector, transferableBuffer } from "../transfer/pack-numbers";
import type {
  FromWorker,
  ItemError,
  ResultMessage,
  TaskMessage,
  ToWorker,
  WireCode,
  WorkerKind,
} from "../run/messages";
import { estimateBytes, isShared } from "../transfer/bytes";
import { reviveShared } from "../sync/revive";
import { attachWaitBoard } from "../sync/wait-board";
import * as sharedApi from "../sync/index";
import { WorkerComm } from "./comm";
import { ownThreadId } from "../proc/schedstat";
import { epochMs, taskClock, workerStats } from "./metrics";
import { captureStreams } from "./streams";
import { GraphStore } from "./graph-store";
import { findUncloneable } from "../transfer/uncloneable";
import { toRemoteError } from "../transfer/thrown";

export interface WorkerHost {
  kind: WorkerKind;
  /** `transfer`: buffers to move rather than copy, where the transport can (threads). */
  send(msg: FromWorker, transfer?: ArrayBuffer[]): void;
}

type TaskFn = (ctx: Record<string, unknown>) => unknown;

/** While a chunk runs, give the event loop a turn this often so that a cancel can arrive. */
const YIELD_EVERY_MS = 20;

export function startWorker(host: WorkerHost, req: NodeJS.Require): (msg: ToWorker) => void {
  captureStreams((m) => host.send(m));
  const g = globalThis as Record<string, unknown>;
  g.require = req;
  g.__paralabShared = sharedApi;

  const fnCache = new Map<string, TaskFn>();
  let jobVars: { jobId: number; vars: Record<string, unknown> } = { jobId: -1, vars: {} };
  const pending = new Map<number, { jobId: number; resolve(v: unknown): void; reject(e: Error): void }>();
  const cancelled = new Set<number>();
  let nextReq = 1;
  // Results of task graphs stay here, by node id, across jobs (worker/graph-store.ts).
  const graph = new GraphStore(host, (code) => compile(code), toRemoteError);
  /** The job whose task runs now (background errors are charged to it). */
  let runningJob: number | undefined;

  // A worker survives what the kernel survives: an un-awaited rejected promise or an error thrown
  // in a callback is reported to the pool (which tells the cell) instead of ending the worker
  // and its state.
  const reportUncaught = (kind: "rejection" | "exception") => (e: unknown) => {
    try {
      host.send({ type: "uncaught", kind, error: toRemoteError(e), jobId: runningJob });
    } catch {
      // the channel is gone: nobody to tell
    }
  };
  process.on("unhandledRejection", reportUncaught("rejection"));
  process.on("uncaughtException", reportUncaught("exception"));

  function compile(code: WireCode): TaskFn {
    const key = `${code.filename}:${code.lineOffset}:${code.source}`;
    let fn = fnCache.get(key);
    if (!fn) {
      const value = vm.runInThisContext(code.source, { filename: code.filename, lineOffset: code.lineOffset });
      if (typeof value !== "function") {
        throw new TypeError(`job source must evaluate to a function (ctx) => result, got ${typeof value}`);
      }
      fn = value as TaskFn;
      if (fnCache.size > 64) fnCache.clear();
      fnCache.set(key, fn);
    }
    return fn;
  }

  function transportFor(jobId: number) {
    return (req: import("../run/messages").CommRequest, expectReply: boolean): Promise<unknown> => {
      if (cancelled.has(jobId)) return Promise.reject(cancelError());
      if (!expectReply) {
        host.send({ type: "comm", jobId, reqId: 0, req });
        return Promise.resolve();
      }
      const reqId = nextReq++;
      return new Promise((resolve, reject) => {
        pending.set(reqId, { jobId, resolve, reject });
        host.send({ type: "comm", jobId, reqId, req });
      });
    };
  }

  async function runTask(msg: TaskMessage): Promise<void> {
    runningJob = msg.jobId;
    const startMs = epochMs();
    const clock0 = taskClock();
    let values: unknown[] = [];
    const errors: ItemError[] = [];
    let execMs = 0;
    let wasCancelled = false;
    attachWaitBoard(msg.waitBoard, msg.rank);
    try {
      const fn = compile(msg.code);
      if (msg.vars) {
        for (const k of Object.keys(msg.vars)) msg.vars[k] = reviveShared(msg.vars[k]);
        jobVars = { jobId: msg.jobId, vars: msg.vars };
      }
      const vars = jobVars.jobId === msg.jobId ? jobVars.vars : {};
      const t0 = performance.now();
      if (msg.mode === "spmd") {
        const comm = new WorkerComm(msg.rank, msg.size, transportFor(msg.jobId));
        try {
          values.push(await fn({ rank: msg.rank, size: msg.size, comm, vars }));
        } catch (e) {
          errors.push({ offset: 0, error: toRemoteError(e) });
        }
      } else {
        const items = msg.items ?? [];
        // Numbers go straight into the kernel's shared view (threads) or a Float64Array sent back by
        // transfer; the first result that is not a number turns them into a plain array.
        const out = new ResultCollector(items.length, msg.results);
        const { start } = msg;
        // One context for every item: the body copies what it reads into its own locals as it
        // starts (before any await), so the next item may change it. An object per item was 50,000
        // allocations per chunk of a tiny map, a quarter of a worker's time in the collector.
        const ctx = { rank: msg.rank, size: msg.size, item: undefined as unknown, index: 0, vars };
        let lastYield = t0;
        let i = 0;
        for (; i < items.length; i++) {
          // every 256 items: give a cancel message a chance to arrive (reading the clock per item costs too much)
          if ((i & 255) === 255 && performance.now() - lastYield > YIELD_EVERY_MS) {
            await new Promise((r) => setImmediate(r));
            lastYield = performance.now();
            if (cancelled.has(msg.jobId)) {
              wasCancelled = true;
              break;
            }
          }
          try {
            // Bodies without await compile to plain functions: awaiting only real promises keeps
            // tiny tasks at millions per second.
            ctx.item = items[i];
            ctx.index = start + i;
            const r = fn(ctx) as { then?: unknown } | undefined;
            out.set(i, r !== null && typeof r === "object" && typeof r.then === "function" ? await r : r);
          } catch (e) {
            out.set(i, undefined);
            errors.push({ offset: i, error: toRemoteError(e) });
            if (!msg.continueOnError) {
              i++;
              break;
            }
          }
        }
        values = out.finish(i) as unknown[];
      }
      execMs = performance.now() - t0;
    } catch (e) {
      // compile error or bad source: charge it to the first item
      errors.push({ offset: 0, error: toRemoteError(e) });
    }
    const endMs = epochMs();
    const clock = taskClock();
    // Numbers already in the kernel's shared memory: say how many, send nothing else.
    const sharedCount = values instanceof Float64Array && isShared(values.buffer) ? values.length : undefined;
    const result: ResultMessage = {
      type: "result",
      jobId: msg.jobId,
      taskId: msg.taskId,
      values: sharedCount === undefined ? values : [],
      ...(sharedCount === undefined ? {} : { sharedCount }),
      errors,
      cancelled: wasCancelled,
      startMs,
      endMs,
      cpuMs: clock.cpuMs - clock0.cpuMs,
      waitMs: clock.waitMs - clock0.waitMs,
      execMs,
      bytesOut: sharedCount === undefined ? estimateBytes(values) : sharedCount * Float64Array.BYTES_PER_ELEMENT,
      stats: workerStats(host.kind, clock.cpuMs),
    };
    // One turn of the event loop first, so that a promise the task rejected and left unhandled is
    // reported (unhandledRejection) while its cell still runs, before the result ends it.
    await new Promise((resolve) => setImmediate(resolve));
    runningJob = undefined;
    try {
      const buffer = transferableBuffer(values);
      host.send(result, buffer && [buffer]);
    } catch (e) {
      // A value that cannot be cloned back (a function, a Symbol, a WeakMap): say which one and
      // why, send the rest, and keep the worker.
      host.send(withoutUnsendable(result, e));
    }
  }

  function onMessage(msg: ToWorker): void {
    switch (msg.type) {
      case "task":
        void runTask(msg);
        break;
      case "comm-reply": {
        const p = pending.get(msg.reqId);
        if (!p) return;
        pending.delete(msg.reqId);
        if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { name: msg.error.name }));
        else p.resolve(msg.value);
        break;
      }
      case "cancel":
        cancelled.add(msg.jobId);
        if (cancelled.size > 32) cancelled.delete(cancelled.values().next().value as number);
        for (const [id, p] of pending) {
          if (p.jobId === msg.jobId) {
            pending.delete(id);
            p.reject(cancelError());
          }
        }
        break;
      case "stats":
        host.send({ type: "stats", stats: workerStats(host.kind) });
        break;
      case "probe":
        host.send({ type: "probe-ack", probeId: msg.probeId });
        break;
      default:
        graph.handle(msg);
    }
  }

  host.send({ type: "ready", pid: process.pid, osThreadId: ownThreadId(), stats: workerStats(host.kind) });
  return onMessage;
}

function cancelError(): Error {
  return Object.assign(new Error("the job was cancelled (another rank failed, deadlock, or interrupt)"), {
    name: "TaskCancelled",
  });
}

/**
 * The result with every value that cannot be cloned replaced by undefined and reported as an
 * error of its item (or rank). Values are checked one by one only after the whole send failed.
 */
function withoutUnsendable(result: ResultMessage, sendError: unknown): ResultMessage {
  const values = Array.from(result.values as ArrayLike<unknown>);
  const errors = [...result.errors];
  for (let i = 0; i < values.length; i++) {
    const bad = findUncloneable(values[i]);
    if (!bad) continue;
    values[i] = undefined;
    const message = `the value${bad.path ? `'s ${bad.path}` : ""} is ${bad.what}, which cannot be sent back to the kernel`;
    errors.push({ offset: i, error: { name: "DataCloneError", message }, unsendable: bad });
  }
  if (errors.length === result.errors.length) {
    // Nothing in the values: an error object itself would not clone. Send words only.
    const why = sendError instanceof Error ? sendError.message : String(sendError);
    return {
      ...result,
      values: values.map(() => undefined),
      errors: result.errors.map((e) => ({
        offset: e.offset,
        error: { name: e.error.name, message: `${e.error.message} (${why})` },
      })),
    };
  }
  errors.sort((a, b) => a.offset - b.offset);
  return { ...result, values, errors, bytesOut: estimateBytes(values) };
}
