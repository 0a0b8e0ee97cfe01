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

/**
 * A task ran, but its value cannot be sent back to the kernel (a function, a Symbol, a WeakMap):
 * the worker keeps running and its state; the message names the rank or item, what the value
 * is, and what to return instead.
 */
export class ResultCloneError extends TaskFailedError {
  override name = "ResultCloneError";
  constructor(rank: number, index: number | undefined, what: { path: string; what: string; fix: string }) {
    super(rank, index, { name: "DataCloneError", message: `${what.what} cannot be cloned` });
    const who = index === undefined ? `rank ${rank}` : `item ${index} (on w${rank})`;
    const value = what.path ? `a value whose ${what.path} is ${what.what}` : what.what;
    this.message =
      `[w${rank}] ${who} returned ${value}, which cannot be sent back to the kernel ` +
      `(results travel by structured clone, which copies data only); ${what.fix}. The worker kept its state.`;
  }
}

/** Why a worker was stopped on purpose, as the user who did it would say it. */
export type WorkerStopReason = "restart" | "memory" | "resize" | "interrupt" | "memory-check" | "close";

const STOP_REASONS: Record<WorkerStopReason, string> = {
  restart: "the pool was restarted (%workers restart)",
  memory: "the pool was restarted to take a new heap limit (%workers --memory)",
  resize: "the pool was made smaller (%workers N)",
  interrupt: "the cell was interrupted while the worker started",
  "memory-check": "the pool would not fit in memory",
  close: "the pool was closed (the kernel is shutting down)",
};

interface HeldTasks {
  indices?: number[];
  spmd?: boolean;
  /** The worker's name where `w${rank}` says too little (a cluster's host:pid/w0). */
  worker?: string;
}

/**
 * A worker died (crash, process.exit, out of memory) while it held tasks, or was stopped on
 * purpose (WorkerExitError.stopped) or never started (WorkerExitError.notStarted).
 */
export class WorkerExitError extends Error {
  override name = "WorkerExitError";
  readonly rank: number;
  /** null when the worker did not exit by itself (stopped on purpose, never started) or a signal ended it. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly indices: number[];
  /** Why it was stopped on purpose; undefined when it died. */
  readonly stopReason: WorkerStopReason | undefined;
  constructor(
    rank: number,
    detail: HeldTasks & {
      exitCode: number | null;
      signal: string | null;
      cause: string;
    },
    options?: ErrorOptions,
  ) {
    const how = detail.signal
      ? ` (signal ${detail.signal})`
      : detail.exitCode === null
        ? ""
        : ` (exit code ${detail.exitCode})`;
    super(
      `[${workerName(rank, detail)}] worker exited${how}${heldText(detail)}. Probable cause: ${clause(detail.cause)}. ` +
        `The worker was replaced (its state is lost); fix the cause and run the cell again.`,
      options,
    );
    this.rank = rank;
    this.exitCode = detail.exitCode;
    this.signal = detail.signal;
    this.indices = detail.indices ?? [];
    this.stopReason = undefined;
  }

  /**
   * The one error for a worker stopped on purpose (piscina's Errors.ThreadTermination()): it did
   * not exit by itself, so there is no exit code to show, only what stopped it.
   */
  static stopped(rank: number, reason: WorkerStopReason, held: HeldTasks = {}): WorkerExitError {
    return WorkerExitError.#worded(
      rank,
      held,
      reason,
      `[${workerName(rank, held)}] was stopped${heldText(held)}: ${STOP_REASONS[reason]}. ` +
        `Its state is lost; run the cell again.`,
    );
  }

  /** The workers a run needs died each time they started (MAX_START_FAILURES in a row). */
  static notStarted(rank: number, all: boolean): WorkerExitError {
    return WorkerExitError.#worded(
      rank,
      {},
      undefined,
      `${all ? "no worker could be started: each" : `[w${rank}] the worker could not be started: it`} died 3 times while starting. ` +
        `Check that the machine has memory to spare (%workers shows the heap limit) and run the cell again.`,
    );
  }

  static #worded(
    rank: number,
    held: HeldTasks,
    reason: WorkerStopReason | undefined,
    message: string,
  ): WorkerExitError {
    const e = new WorkerExitError(rank, { ...held, exitCode: null, signal: null, cause: "" });
    e.message = message;
    (e as { stopReason: WorkerStopReason | undefined }).stopReason = reason;
    return e;
  }
}

function workerName(rank: number, held: HeldTasks): string {
  return held.worker ?? `w${rank}`;
}

function heldText(held: HeldTasks): string {
  return held.indices?.length
    ? ` while running task(s) ${fmtIndices(held.indices)}`
    : held.spmd
      ? " while running its part of the SPMD cell"
      : "";
}

/**
 * An error that no task or cell caught, caught instead by the worker (or the kernel) so that it
 * lives on with its state: a rejected promise nobody awaited, or an error thrown in a callback.
 * Shown as a warning on the cell that is running, or else on the next one.
 */
export class BackgroundError extends Error {
  override name = "BackgroundError";
  constructor(
    /** "worker w1" or "the kernel". */
    readonly where: string,
    readonly kind: "rejection" | "exception",
    remote: RemoteError,
  ) {
    const what = `${remote.name}: ${remote.message}`;
    super(
      kind === "rejection"
        ? `${where}: a promise was rejected and nothing awaited it (${what}). ` +
            `${where === "the kernel" ? "The kernel" : "The worker"} caught it and kept its state; await the promise, or add .catch(...) where it is made.`
        : `${where}: an error was thrown outside the running code, in a callback such as setTimeout (${what}). ` +
            `${where === "the kernel" ? "The kernel" : "The worker"} caught it and kept its state; catch errors inside the callback.`,
    );
  }
}

/** The job was cancelled (interrupt, timeout, explicit cancel). */
export class TaskAbortedError extends Error {
  override name = "TaskAbortedError";
  constructor(reason?: unknown) {
    const why = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
    super(
      `The parallel job was cancelled${why ? ` (${clause(why)})` : ""}: queued tasks were dropped and busy ` +
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

/** Starting the workers asked for would leave them (and the kernel) no memory to work in. Nothing was started. */
export class PoolMemoryError extends Error {
  override name = "PoolMemoryError";
  constructor(d: {
    caller: string;
    workers: number;
    kind: string;
    /** Workers that would be started. */
    more: number;
    startBytes: number;
    roomBytes: number;
    availableBytes: number;
    cores: number;
    override: string;
  }) {
    const need = d.more * (d.startBytes + d.roomBytes);
    super(
      `${d.caller}: ${d.workers} ${d.kind} workers will not fit in memory: the ${d.more} to start would need about ${mb(need)} ` +
        `(${mb(d.startBytes)} each to start, measured on this pool's first workers, plus ${mb(d.roomBytes)} each to work in), ` +
        `and ${mb(d.availableBytes)} is available. Nothing was started. ` +
        `Ask for fewer workers (this machine has ${d.cores} cores: ${d.cores} workers keep them all busy), or, if you mean it: ${d.override}`,
    );
  }
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
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

/**
 * A message (often an Error's, ending in a period) to go inside a sentence of ours that goes on or
 * ends with its own period: without its final period, so that no message says "..". An ellipsis
 * stays.
 */
export function clause(text: string): string {
  const trimmed = text.trimEnd();
  return /[^.]\.$/.test(trimmed) ? trimmed.slice(0, -1) : trimmed;
}

function fmtIndices(indices: number[]): string {
  if (indices.length <= 6) return indices.join(", ");
  return `${indices.slice(0, 3).join(", ")}, …, ${indices[indices.length - 1]} (${indices.length} items)`;
}

/** A variable or map item cannot be structured-cloned to a worker (functions, sockets, ...). */
export class CloneError extends Error {
  override name = "CloneError";
  readonly variable: string;
  constructor(variable: string, why: string, options?: ErrorOptions) {
    super(
      `\`${variable}\` cannot be cloned to a worker (${clause(why)}). Create it inside the cell, or pass plain data ` +
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

/** A cell called process.exit in the kernel, which would end the kernel and everything in it. */
export class ProcessExitError extends Error {
  override name = "ProcessExitError";
  constructor(code: unknown) {
    super(
      `process.exit(${code === undefined ? "" : String(code)}) would end the kernel, and every variable and worker with it; ` +
        `the kernel kept running. To stop it, use Kernel → Restart or Kernel → Shut Down; ` +
        `to end a cell early, throw an error or return from a function.`,
    );
  }
}

// Clusters (README, Clusters): `paralab worker`s on a BullMQ queue in Redis

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

/** A signature does not match: every worker refused the kernel's tasks, or an event in Redis was not signed with its key. */
export class ClusterSignatureError extends Error {
  override name = "ClusterSignatureError";
}

/** A task was lost in the queue: its workers kept dying while they held it (BullMQ failed the job). */
export class ClusterTaskLostError extends Error {
  override name = "ClusterTaskLostError";
}

// Task graphs (delayed / compute)

/** delayed() or compute() was called with something it cannot use; nothing ran. */
export class GraphError extends Error {
  override name = "GraphError";
}

/** What a graph error says about the task that failed. */
export interface GraphTaskInfo {
  /** The node's id, e.g. "load#3". */
  id: string;
  /** The function's name. */
  fn: string;
  /** 1-based cell line of its delayed(...) call, when known. */
  cellLine?: number;
  /** The worker it ran on: w0, or a cluster's host:pid/w0. */
  worker?: string;
}

/**
 * A task of a graph failed. Tasks that read it were skipped; independent tasks finished and their
 * results are kept, so that calling compute again runs only the failed and skipped ones.
 */
export class GraphTaskError extends Error {
  override name = "GraphTaskError";
  readonly task: GraphTaskInfo;
  /** Ids of the tasks skipped because they depend on a failed task. */
  readonly skipped: string[];
  /** Every failed task's id (the first is `task`). */
  readonly failed: string[];
  constructor(
    task: GraphTaskInfo,
    cause: { name: string; message: string; stack?: string },
    detail: { failed: string[]; skipped: string[]; finished: number },
  ) {
    const where = task.cellLine !== undefined ? `, delayed at cell line ${task.cellLine}` : "";
    const on = task.worker !== undefined ? ` on ${task.worker}` : "";
    const others =
      detail.failed.length > 1 ? ` (and ${detail.failed.length - 1} more failed: ${list(detail.failed.slice(1))})` : "";
    const skipped = detail.skipped.length
      ? `${detail.skipped.length === 1 ? "1 task that depends on it was" : `${detail.skipped.length} tasks that depend on it were`} skipped (${list(detail.skipped)}); `
      : "";
    super(
      `compute: task ${task.id} (${task.fn}${where}) failed${on}: ${cause.name}: ${clause(cause.message)}${others}. ` +
        `${skipped}${detail.finished} task${detail.finished === 1 ? "" : "s"} finished and their results are kept. ` +
        `Fix the cause and call compute again: it runs only the failed and skipped tasks.`,
      { cause: Object.assign(new Error(cause.message), { name: cause.name, stack: cause.stack }) },
    );
    this.task = task;
    this.skipped = detail.skipped;
    this.failed = detail.failed;
  }
}

/**
 * The nodes of a graph read each other in a circle, so none of them can start. Nothing ran. A
 * graph made by delayed calls has none (a node reads only nodes made before it); changing a node's
 * inputs afterwards makes one.
 */
export class GraphCycleError extends Error {
  override name = "GraphCycleError";
  /** The nodes of the cycle in order, each reading the next; the last reads the first. */
  readonly cycle: GraphTaskInfo[];
  constructor(what: string, cycle: GraphTaskInfo[]) {
    const shown = cycle.length <= 8 ? cycle : [...cycle.slice(0, 7), cycle[cycle.length - 1]];
    const path = [...shown, cycle[0]].map((t) => t.id).join(" → ");
    const gap = cycle.length > shown.length ? ` (${cycle.length} tasks in all)` : "";
    const named = shown
      .map((t) => `${t.id} is ${t.fn}${t.cellLine !== undefined ? `, delayed at cell line ${t.cellLine}` : ""}`)
      .join("; ");
    super(
      `${what}: the graph has a cycle, so none of its tasks can start: ${path}${gap}, each reading the next (${named}). ` +
        "Nothing ran. A node reads the nodes it was given when it was made; a cycle comes from changing a node's " +
        "arguments or inputs afterwards. Make the nodes again with delayed calls, each given only values and nodes made before it.",
    );
    this.cycle = cycle;
  }
}

function list(ids: string[]): string {
  return ids.length <= 5 ? ids.join(", ") : `${ids.slice(0, 4).join(", ")}, … ${ids.length} in all`;
}
