/**
 * What travels through Redis between a kernel and the workers. Task bodies and events are
 * serialized with v8.serialize, the structured clone that the local pool's postMessage uses, so
 * that typed arrays, Maps, Dates, undefined and NaN arrive as they left.
 */
import * as v8 from "node:v8";
import type { CommRequest, GraphItemOutcome, RemoteError, TaskReport, WireCode } from "../run/messages";

/** BullMQ job data (BullMQ stores it as JSON). `sig` signs queue, run, task and payload. */
export interface TaskData {
  v: 1;
  run: string;
  task: number;
  /** base64 of v8.serialize(TaskBody). */
  payload: string;
  sig: string;
}

export type TaskBody = MapBody | GraphBody | SpmdBody;

/** A value stored once in Redis for the whole run; the digest authenticates it (it is signed in each task). */
export interface StoredRef {
  key: string;
  digest: string;
}

/** One chunk of map items and what is needed to run it. */
export interface MapBody {
  kind: "map";
  code: WireCode;
  start: number;
  items: unknown[];
  /** Workers the run uses (the body's `size`). */
  size: number;
  continueOnError: boolean;
  /** The run's variables, stored once in Redis. */
  vars?: StoredRef;
}

/**
 * One rank of an SPMD run. The worker that takes it reserves a runtime and says so
 * (`spmd-ready`); the body starts when the kernel has heard from every rank (`go`), so that all
 * ranks run at once or none does.
 */
export interface SpmdBody {
  kind: "spmd";
  code: WireCode;
  rank: number;
  size: number;
  continueOnError: boolean;
  vars?: StoredRef;
}

/** What the kernel sends one rank of an SPMD run, on the rank's own stream (clusterKeys().toRank). */
export type ToRank =
  { type: "go" } | { type: "comm-reply"; reqId: number; value: unknown } | { type: "probe"; probeId: number };

/** What the tasks of a graph run share, stored once in Redis: the kernel variables and the functions. */
export interface GraphShared {
  vars: Record<string, unknown>;
  codes: WireCode[];
}

/** One node of a graph batch as a worker runs it. */
export interface GraphBodyItem {
  nodeId: string;
  /** Index into GraphShared.codes. */
  code: number;
  args: unknown[];
  refs: { path: (string | number)[]; id: string }[];
  /** Inputs to read from Redis (the others were made earlier in the same batch, or are held here). */
  fetch: string[];
  /** Inputs this worker process holds (it made them): the kernel sent the task to its own queue. */
  held?: string[];
  /**
   * A later task reads the result: a small one goes to Redis, a big one stays in the runtime that
   * made it (HeldResults) and only its size goes to the kernel, which sends its readers here.
   */
  store: boolean;
  /**
   * The result is likely small (its function's results were, earlier in the run): the runtime
   * sends the value along with the outcome, so that storing it in Redis costs no second message.
   */
  small?: boolean;
  /** Send the value back in the event: compute returns it. */
  ret: boolean;
}

/** A batch of graph tasks (usually one), run one after the other on one runtime. */
export interface GraphBody {
  kind: "graph";
  shared: StoredRef;
  /**
   * The shared data itself when it is small (graph-run.ts, SHARED_INLINE_BYTES): then it is not
   * stored in Redis, and a process's first task of the run starts without reading it from there.
   */
  sharedInline?: Uint8Array;
  /** The namespace of the results in Redis (see clusterKeys().result). */
  results: string;
  items: GraphBodyItem[];
  /** Held results to copy to Redis (a task elsewhere reads them with others held elsewhere): no item runs. */
  spill?: string[];
}

/** A worker runtime's name in output prefixes, errors and chart lanes: host:pid/w0. */
export type WorkerName = string;

export type ClusterEvent =
  | { type: "stream"; worker: WorkerName; name: "stdout" | "stderr"; text: string }
  /** The runtime caught an error outside its task (an un-awaited rejection, a throw in a callback) and lives on. */
  | { type: "uncaught"; worker: WorkerName; kind: "rejection" | "exception"; error: RemoteError }
  /** A task's result, as its runtime reported it (waitMs: on the worker's machine). */
  | ({ type: "result"; worker: WorkerName; task: number } & TaskReport)
  | {
      type: "graph-result";
      worker: WorkerName;
      task: number;
      /** `value` is set for the items that asked for it (ret). */
      outcomes: GraphItemOutcome[];
      /** Bytes each stored result takes in Redis: node id → bytes. */
      stored: Record<string, number>;
      /** Results this worker process holds (too big for the trip through Redis): node id → bytes. */
      held?: Record<string, number>;
      /** The process (host:pid) that holds them (its own tasks go to keys.home(process)). */
      process?: string;
      /** Held inputs this process no longer has (its runtime was replaced, or they expired): nothing ran. */
      lost?: string[];
    }
  /** The runtime died while it held the task (it threw outside the task, exited, ran out of memory). */
  | { type: "lost"; worker: WorkerName; task: number; exitCode: number | null; cause: string; startMs: number }
  /** The worker refused the task: its signature does not match the worker's key. */
  | { type: "refused"; worker: WorkerName; task: number; why: string }
  /** A rank of an SPMD run holds a runtime and waits for the others (its `go`). */
  | { type: "spmd-ready"; worker: WorkerName; task: number; rank: number }
  /** A rank's comm call (send, recv, a collective), for the kernel's broker. */
  | { type: "comm"; worker: WorkerName; rank: number; reqId: number; req: CommRequest }
  /** A rank's runtime answered a deadlock probe from a free event loop. */
  | { type: "probe-ack"; worker: WorkerName; rank: number; probeId: number }
  /** The task runs again after the worker that held it stopped (BullMQ moved the stalled job back). */
  | { type: "retry"; worker: WorkerName; task: number; previous?: { worker: WorkerName; startMs: number } };

export function encode(value: unknown): Buffer {
  return v8.serialize(value);
}

export function decode<T>(bytes: Uint8Array): T {
  return v8.deserialize(bytes) as T;
}
