/** The jobs a Runner takes and what it gives back (the contract between parallel/ and pool/, cluster/). */
import type { TaskFailedError } from "../errors";
import type { WorkerKind } from "./messages";
import type { TaskRecord } from "./records";

export type { TaskRecord } from "./records";

export type { WorkerKind } from "./messages";

export interface WorkerStatus {
  rank: number;
  kind: WorkerKind;
  state: "idle" | "busy" | "starting" | "dead";
  /** Map items (or SPMD ranks) completed by this worker. */
  tasksDone: number;
  cpuTimeMs: number;
  /** Threads: the worker's V8 heap in use; processes: the child's RSS. */
  memoryBytes: number;
  osThreadId?: number;
  pid: number;
}

export interface JobHooks {
  /** `worker` names the worker where `w${rank}` says too little (a cluster's host:pid/w0). */
  onStream?(rank: number, name: "stdout" | "stderr", text: string, worker?: string): void;
  onProgress?(done: number, total: number): void;
  onTask?(record: TaskRecord): void;
  /** Abort = interrupt/cancel/timeout: drops queued tasks, terminates and replaces busy workers. */
  signal?: AbortSignal;
  /**
   * Whether something outside the job (the kernel's own code, in a --no-block cell) may release
   * what the workers wait on; then waits on shared primitives are not reported as deadlocks.
   */
  outsideMayWake?: boolean;
}

export interface JobCode {
  /** JS expression evaluating to `async (ctx) => result`; compiled once per worker per source. */
  source: string;
  /** vm.Script filename, so stack frames read e.g. `cell:3`. */
  filename: string;
  lineOffset: number;
}

export interface SpmdJob {
  code: JobCode;
  workers: number;
  vars: Record<string, unknown>;
  /** Collect a failing rank's error in `errors` (its value is undefined) instead of failing the job. */
  continueOnError?: boolean;
}

export interface MapJob {
  code: JobCode;
  items: unknown[];
  vars: Record<string, unknown>;
  workers: number;
  ordered: boolean;
  schedule: "dynamic" | "static";
  chunksize?: number;
  continueOnError: boolean;
}

/** With continueOnError: one per failed item (or SPMD rank; then index is undefined). */
export type TaskError = TaskFailedError;

export interface JobResult {
  /** Rank order (SPMD), input order (map), or completion order (map, !ordered). */
  values: unknown[];
  errors: TaskError[];
  tasks: TaskRecord[];
  wallMs: number;
  cpuMs: number;
  bytesIn: number;
  bytesOut: number;
  workers: number;
  /** The chunksize given, or the mean items per dispatch when it was automatic. */
  chunksize?: number;
  /** Number of dispatches. */
  chunks: number;
  /** Names of the workers by rank, where `w${rank}` says too little (a cluster's host:pid/w0). */
  lanes?: string[];
  /** Cores of the machines that ran the job, when they are not the kernel's (a cluster). */
  cores?: number;
}
