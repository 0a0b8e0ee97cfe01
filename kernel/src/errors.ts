/**
 * Every user-facing error of the kernel. Each has a stable `name` (shown as the error's ename in
 * Jupyter) and a message that says what went wrong and what to do instead.
 */

/** The cell does not type-check; the message lists the diagnostics with cell line numbers. */
export class CompileError extends Error {
  override name = "CompileError";
}

/** The user pressed the stop button (SIGINT or interrupt_request). */
export class InterruptedError extends Error {
  override name = "KeyboardInterrupt";
  constructor(message = "Interrupted: the cell was stopped by the user.", options?: ErrorOptions) {
    super(message, options);
  }
}

/** A magic line is malformed: unknown magic or option, missing or bad value. Nothing has run. */
export class MagicOptionError extends Error {
  override name = "MagicOptionError";
}

/** A kernel variable a magic needs cannot be found or sent. */
export class VariableError extends Error {
  override name = "VariableError";
}

/** A cell ran longer than its --timeout (or options.timeout); what ran was cancelled. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** A Jupyter message whose signature does not match the connection key, or that is malformed. */
export class SignatureError extends Error {
  override name = "SignatureError";
}

// Worker pool

/** An error as it travels from a worker (structured clone loses the class). */
export interface RemoteError {
  name: string;
  message: string;
  stack?: string;
}

/** A task threw inside a worker. `index` is the map index (undefined for SPMD cells). */
export class TaskFailedError extends Error {
  override name = "TaskFailedError";
  readonly rank: number;
  readonly index: number | undefined;
  /** The worker's own stack trace (frames use the JobCode filename, e.g. `cell:3`). */
  readonly workerStack: string | undefined;
  readonly remote: RemoteError;
  /** `worker`: the worker's name where `w${rank}` says too little (a cluster's host:pid/w0). */
  constructor(rank: number, index: number | undefined, remote: RemoteError, worker = `w${rank}`) {
    const where = index === undefined ? `[${worker}]` : `[${worker}] task ${index}`;
    super(
      `${where} failed: ${remote.name}: ${remote.message}` + (index === undefined ? "" : ` (item index ${index})`),
      { cause: Object.assign(new Error(remote.message), { name: remote.name, stack: remote.stack }) },
    );
    this.rank = rank;
    this.index = index;
    this.workerStack = remote.stack;
    this.remote = remote;
  }
}

/** A worker died (crash, process.exit, out of memory) while it held tasks. */
export class WorkerExitError extends Error {
  override name = "WorkerExitError";
  readonly rank: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly indices: number[];
  constructor(
    rank: number,
    detail: {
      exitCode: number | null;
      signal: string | null;
      cause: string;
      indices?: number[];
      spmd?: boolean;
      /** The worker's name where `w${rank}` says too little (a cluster's host:pid/w0). */
      worker?: string;
    },
    options?: ErrorOptions,
  ) {
    const how = detail.signal ? `signal ${detail.signal}` : `exit code ${detail.exitCode}`;
    const held = detail.indices?.length
      ? ` while running task(s) ${fmtIndices(detail.indices)}`
      : detail.spmd
        ? " while running its part of the SPMD cell"
        : "";
    super(
      `[${detail.worker ?? `w${rank}`}] worker exited (${how})${held}. Probable cause: ${detail.cause}. ` +
        `The worker was replaced (its state is lost); fix the cause and run the cell again.`,
      options,
    );
    this.rank = rank;
    this.exitCode = detail.exitCode;
    this.signal = detail.signal;
    this.indices = detail.indices ?? [];
  }
}

/** The job was cancelled (interrupt, timeout, explicit cancel). */
export class TaskAbortedError extends Error {
  override name = "TaskAbortedError";
  constructor(reason?: unknown) {
    const why = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
    super(
      `The parallel job was cancelled${why ? ` (${why})` : ""}: queued tasks were dropped and busy ` +
        `workers were terminated and replaced (their state is lost). The pool is ready for the next cell.`,
      { cause: reason },
    );
  }
}

/**
 * Every running worker waits (in comm.recv or a collective, or on a Mutex, Semaphore, Barrier or
 * SharedQueue) and nothing can wake any of them.
 */
export class DeadlockError extends Error {
  override name = "DeadlockError";
  readonly waits: string[];
  constructor(waits: string[], situation: string, advice: string) {
    super(`Deadlock: ${waits.join("; ")}; ${situation}. ${advice}`);
    this.waits = waits;
  }
}

/** Ranks called different collectives at the same step, or with bad arguments. */
export class CommError extends Error {
  override name = "CommError";
}

/** Shared memory was passed to process workers, which have separate address spaces. */
export class SharedMemoryError extends Error {
  override name = "SharedMemoryError";
  readonly variable: string;
  constructor(variable: string, what: string) {
    super(
      `\`${variable}\` is ${what} and cannot be shared with --processes workers (separate processes ` +
        `have no shared memory). Use worker threads (drop --processes), or pass a plain copy (e.g. Array.from(${variable})).`,
    );
    this.variable = variable;
  }
}

/** The pool was closed; no more jobs can run on it. */
export class PoolClosedError extends Error {
  override name = "PoolClosedError";
  constructor(
    message = "The worker pool is closed. Restart the kernel (or create a new Pool) to run parallel cells again.",
  ) {
    super(message);
  }
}

function fmtIndices(indices: number[]): string {
  if (indices.length <= 6) return indices.join(", ");
  return `${indices.slice(0, 3).join(", ")}, ..., ${indices[indices.length - 1]} (${indices.length} items)`;
}

/** A variable or map item cannot be structured-cloned to a worker (functions, sockets, ...). */
export class CloneError extends Error {
  override name = "CloneError";
  readonly variable: string;
  constructor(variable: string, why: string, options?: ErrorOptions) {
    super(
      `\`${variable}\` cannot be cloned to a worker (${why}). Create it inside the cell, or pass plain data ` +
        `(numbers, strings, arrays, plain objects, typed arrays, Maps, Sets).`,
      options,
    );
    this.variable = variable;
  }
}

// %%gpu and gpu.kernel

/** A `%%gpu` plan that cannot run as given (bad output size, bad arguments). Base of the other GPU errors. */
export class GpuError extends Error {
  override name = "GpuError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The requested mode cannot run on this machine; `reason` is the probe's real failure. */
export class GpuUnavailableError extends GpuError {
  override name = "GpuUnavailableError";
  constructor(
    message: string,
    readonly mode: string,
    readonly reason: string | undefined,
    readonly workingModes: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where in the cell a kernel error points, when it can be found. */
export interface KernelErrorLocation {
  /** line in the cell, 1-based (body line + lineOffset) */
  cellLine: number;
  /** column in that line, 1-based */
  column: number;
}

/** gpu.js rejected or failed to run the kernel body (unsupported syntax, unknown name, runtime failure). */
export class GpuKernelError extends GpuError {
  override name = "GpuKernelError";
  constructor(
    message: string,
    readonly mode: string,
    readonly location: KernelErrorLocation | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Clusters (SPEC §3.3.2): `paralab worker`s on a BullMQ queue in Redis

/** A cluster URL that paralab cannot use (wrong scheme, no host, bad port or queue name). */
export class ClusterUrlError extends Error {
  override name = "ClusterUrlError";
}

/** The key that signs tasks is missing or unusable (PARALAB_CLUSTER_KEY, --key-file). */
export class ClusterKeyError extends Error {
  override name = "ClusterKeyError";
}

/** Redis cannot be reached at the cluster's URL (refused, unknown host, TLS or password problem). */
export class ClusterUnreachableError extends Error {
  override name = "ClusterUnreachableError";
}

/** The connection to Redis broke while a run was on the cluster; says what was done and what was lost. */
export class ClusterConnectionLostError extends Error {
  override name = "ClusterConnectionLostError";
}

/** No `paralab worker` serves the queue (none started, or all of them stopped during the run). */
export class ClusterNoWorkersError extends Error {
  override name = "ClusterNoWorkersError";
}

/** Every worker that saw the tasks refused them: the kernel's key does not match the workers'. */
export class ClusterSignatureError extends Error {
  override name = "ClusterSignatureError";
}

/** A task was lost in the queue: its workers kept dying while they held it (BullMQ failed the job). */
export class ClusterTaskLostError extends Error {
  override name = "ClusterTaskLostError";
}
