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

export type ToWorker = TaskMessage | CommReplyMessage | CancelMessage | StatsRequestMessage | ProbeMessage;

export type CollectiveOp = "barrier" | "bcast" | "scatter" | "gather";

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
}

export interface ResultMessage {
  type: "result";
  jobId: number;
  taskId: number;
  values: unknown[];
  errors: ItemError[];
  cancelled: boolean;
  startMs: number;
  endMs: number;
  cpuMs: number;
  /** Time spent in the user function only (excludes compiling and messaging). */
  execMs: number;
  bytesOut: number;
  stats: WorkerStats;
}

export interface StatsMessage {
  type: "stats";
  stats: WorkerStats;
}

export interface ProbeAckMessage {
  type: "probe-ack";
  probeId: number;
}

export type FromWorker = ReadyMessage | StreamMessage | CommMessage | ResultMessage | StatsMessage | ProbeAckMessage;
