/**
 * Typed messages between the pool (main side) and a worker (thread or child process).
 * The worker side imports this file with `import type` only (piscina src/types.ts).
 */

export type WorkerKind = "thread" | "process";

/** The code of a job as it travels to the worker. */
export interface WireCode {
  source: string;
  filename: string;
  lineOffset: number;
}

export type { RemoteError } from "../errors";
import type { RemoteError } from "../errors";
import type { Uncloneable } from "../transfer/uncloneable";

/** What the worker reports about itself (cumulative). */
export interface WorkerStats {
  cpuTimeMs: number;
  memoryBytes: number;
}

/** Run one task: one SPMD rank, or one chunk of map items [start, start + items.length). */
export interface TaskMessage {
  type: "task";
  jobId: number;
  taskId: number;
  mode: "spmd" | "map";
  code: WireCode;
  rank: number;
  size: number;
  start: number;
  items?: unknown[];
  /**
   * Thread pools, map: where this chunk's results go while they are all numbers, a view of memory
   * the kernel shares (pool/number-buffers.ts); the result then says how many with `sharedCount`.
   */
  results?: Float64Array;
  /** Sent with the first task of a job on each worker; later tasks of the job reuse them. */
  vars?: Record<string, unknown>;
  continueOnError: boolean;
  /** Thread workers: where this worker shows what it is blocked on (sync/wait-board.ts). */
  waitBoard?: Int32Array;
}

export interface CommReplyMessage {
  type: "comm-reply";
  jobId: number;
  reqId: number;
  value?: unknown;
  error?: RemoteError;
}

/** Stop the job: reject pending comm calls, skip the rest of the current chunk. */
export interface CancelMessage {
  type: "cancel";
  jobId: number;
}

export interface StatsRequestMessage {
  type: "stats";
}

/** Answer as soon as the event loop is free (deadlock check: a rank in a busy loop does not answer). */
export interface ProbeMessage {
  type: "probe";
  probeId: number;
}

export type ToWorker =
  TaskMessage | CommReplyMessage | CancelMessage | StatsRequestMessage | ProbeMessage | GraphToWorker;

export type CollectiveOp = "barrier" | "bcast" | "scatter" | "gather" | "allgather" | "alltoall";

export type CommRequest =
  | { kind: "send"; dest: number; value: unknown }
  | { kind: "recv"; source?: number }
  | { kind: "collective"; op: CollectiveOp; root: number; value?: unknown };

export interface ReadyMessage {
  type: "ready";
  pid: number;
  osThreadId?: number;
  stats: WorkerStats;
}

export interface StreamMessage {
  type: "stream";
  name: "stdout" | "stderr";
  text: string;
}

export interface CommMessage {
  type: "comm";
  jobId: number;
  /** 0 for send (no reply expected). */
  reqId: number;
  req: CommRequest;
}

export interface ItemError {
  /** Offset in the chunk (index = start + offset). */
  offset: number;
  error: RemoteError;
  /** The value was computed but cannot be sent back to the kernel (a function, a Symbol, ...). */
  unsendable?: Uncloneable;
}

export interface ResultMessage {
  type: "result";
  jobId: number;
  taskId: number;
  values: unknown[];
  /** The values are the first sharedCount numbers of the task's `results` view (then `values` is empty). */
  sharedCount?: number;
  errors: ItemError[];
  cancelled: boolean;
  startMs: number;
  endMs: number;
  cpuMs: number;
  /** Time the worker's thread was ready to run but waited for a core during the task (absent where unknown). */
  waitMs?: number;
  /** Time spent in the user function only (excludes compiling and messaging). */
  execMs: number;
  bytesOut: number;
  stats: WorkerStats;
}

/** What a task's result says of the task, whichever transport carried it back (run/map-tally.ts). */
export type TaskReport = Pick<
  ResultMessage,
  "values" | "errors" | "cancelled" | "startMs" | "endMs" | "cpuMs" | "waitMs" | "execMs" | "bytesOut"
>;

export interface StatsMessage {
  type: "stats";
  stats: WorkerStats;
}

export interface ProbeAckMessage {
  type: "probe-ack";
  probeId: number;
}

export type FromWorker =
  | ReadyMessage
  | StreamMessage
  | CommMessage
  | ResultMessage
  | StatsMessage
  | ProbeAckMessage
  | UncaughtMessage
  | GraphFromWorker;

// Task graphs (README, Magics: task graphs). A worker keeps results by node id across jobs (until released), and
// hands them to other workers: over a MessagePort between threads, relayed by the pool between
// processes.

/** One node to run: its inputs come from the worker's store, waiting for those `incoming`. */
export interface GraphTaskItem {
  nodeId: string;
  /** Index into the job's codes (sent with the job's first batch on each worker). */
  code: number;
  args: unknown[];
  refs: { path: (string | number)[]; id: string }[];
  /** Inputs that another worker sends (they may arrive before or after this message). */
  incoming: string[];
  /** Store the result (a later task reads it). */
  keep: boolean;
  /** Send the value back with the result (compute returns it). */
  ret: boolean;
}

/**
 * Run these nodes one after the other (a batch: tiny ready tasks travel together, as map items
 * travel in chunks, so that messaging does not dominate them). All were ready when sent.
 */
export interface GraphTaskMessage {
  type: "graph-task";
  jobId: number;
  taskId: number;
  /** Sent with the first batch of a job on each worker; later batches reuse them. */
  vars?: Record<string, unknown>;
  codes?: WireCode[];
  items: GraphTaskItem[];
}

/** One end of a channel to another thread worker (sent with the port in the transfer list). */
export interface GraphPortMessage {
  type: "graph-port";
  jobId: number;
  peer: number;
  port: import("node:worker_threads").MessagePort;
}

/** Send a stored result to worker `to` (a rank; -1 means back to the kernel) over `via`. */
export interface GraphSendMessage {
  type: "graph-send";
  jobId: number;
  nodeId: string;
  to: number;
  via: "port" | "relay";
}

/** A relayed value arriving, or (`missing`) the news that it never will and why. */
export interface GraphValueMessage {
  type: "graph-value";
  jobId: number;
  nodeId: string;
  value?: unknown;
  missing?: string;
}

/** Drop these stored results. */
export interface GraphReleaseMessage {
  type: "graph-release";
  nodeIds: string[];
}

/** The job is over: close its ports. */
export interface GraphEndMessage {
  type: "graph-end";
  jobId: number;
}

export type GraphToWorker =
  GraphTaskMessage | GraphPortMessage | GraphSendMessage | GraphValueMessage | GraphReleaseMessage | GraphEndMessage;

/** How one node of a batch went. */
export interface GraphItemOutcome {
  nodeId: string;
  error?: RemoteError;
  /** Present when the item asked for `ret` and succeeded. */
  value?: unknown;
  resultBytes: number;
  startMs: number;
  endMs: number;
  /** The batch's CPU time shared out by the items' wall times (one clock read per batch). */
  cpuMs: number;
  /** Waiting for incoming inputs, ms. */
  waitMs: number;
}

export interface GraphResultMessage {
  type: "graph-result";
  jobId: number;
  taskId: number;
  outcomes: GraphItemOutcome[];
  stats: WorkerStats;
}

/** A stored value on its way to another process worker (or the kernel, to = -1), through the pool. */
export interface GraphRelayMessage {
  type: "graph-relay";
  jobId: number;
  nodeId: string;
  to: number;
  value?: unknown;
  missing?: string;
  bytes: number;
}

export type GraphFromWorker = GraphResultMessage | GraphRelayMessage;

/**
 * Something went wrong outside a task's own flow and the worker caught it instead of dying: a
 * promise rejected and never awaited, or an error thrown in a callback (setTimeout, an event).
 */
export interface UncaughtMessage {
  type: "uncaught";
  kind: "rejection" | "exception";
  error: RemoteError;
  /** The job whose task was running when it happened, if any. */
  jobId?: number;
}
