/**
 * User-facing errors of the worker pool (to be merged into errors.ts by the integrator).
 * Each has a stable `name` and a message that says what went wrong and what to do instead.
 */

/** The error as it was thrown inside the worker (structured clone loses the class). */
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
  constructor(rank: number, index: number | undefined, remote: RemoteError) {
    const where = index === undefined ? `[w${rank}]` : `[w${rank}] task ${index}`;
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
    detail: { exitCode: number | null; signal: string | null; cause: string; indices?: number[]; spmd?: boolean },
    options?: ErrorOptions,
  ) {
    const how = detail.signal ? `signal ${detail.signal}` : `exit code ${detail.exitCode}`;
    const held = detail.indices?.length
      ? ` while running task(s) ${fmtIndices(detail.indices)}`
      : detail.spmd
        ? " while running its part of the SPMD cell"
        : "";
    super(
      `[w${rank}] worker exited (${how})${held}. Probable cause: ${detail.cause}. ` +
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

/** Every running SPMD rank waits in recv/collective and nothing can wake any of them. */
export class DeadlockError extends Error {
  override name = "DeadlockError";
  readonly waits: string[];
  constructor(waits: string[], inFlight: string) {
    super(
      `Deadlock: ${waits.join("; ")}; ${inFlight}. ` +
        `Check that every comm.recv has a matching comm.send and that all ranks reach the same collectives in the same order.`,
    );
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
