/**
 * What a map (or SPMD) run adds up, whichever transport ran its tasks: the local pool and the
 * cluster both turn what comes back from a runtime into the run events below, and one tally turns
 * the events into values in order, errors (continue-on-error or the first one ends the run), task
 * records, bytes and progress. So the same work gives the same record on either.
 */
import { ResultCloneError, TaskFailedError, WorkerExitError } from "../errors";
import type { JobHooks, JobResult, TaskError, TaskRecord } from "./jobs";
import { epochMs } from "./clock";
import type { TaskReport } from "./messages";

/** A task as the kernel sent it: items [start, start + count), or rank `start` of an SPMD run. */
export interface SentTask {
  start: number;
  count: number;
  bytesIn: number;
}

/** Where an event happened: the lane (rank) of the chart, and the worker's name where `w${lane}` says too little. */
interface At {
  lane: number;
  worker?: string;
  task: SentTask;
}

/**
 * A runtime finished a task: its values, the items that failed, and its clocks, as the runtime
 * reports them (execMs, the time in the user's function alone, is what chunk sizing learns from).
 */
export interface TaskResultEvent extends At, TaskReport {
  type: "result";
}

/** The runtime that held a task died (crash, out of memory, process.exit) or was stopped. */
export interface TaskLostEvent extends At {
  type: "lost";
  startMs: number;
  error: WorkerExitError;
}

/**
 * A task ended without a result that counts: an interrupt ended it, or (with `count: 0`) a worker
 * stopped while it ran it and another runs it again. Its lane shows what it held meanwhile.
 */
export interface TaskCancelledEvent extends At {
  type: "cancelled";
  startMs: number;
  /** Items it accounts for: 0 when the task runs again elsewhere. */
  count?: number;
}

export type TaskEvent = TaskResultEvent | TaskLostEvent | TaskCancelledEvent;

/** The values of one task, placed at `start` of an ordered map when the run ends. */
interface Piece {
  start: number;
  values: ArrayLike<unknown>;
}

export class MapTally {
  /** SPMD by rank, or an unordered map's values in completion order. */
  private readonly values: unknown[];
  /**
   * An ordered map's values as the tasks returned them, copied into one array once at the end:
   * no per-item work while results arrive, and no array of a million holes built up front.
   */
  private readonly pieces: Piece[] = [];
  private readonly errors: TaskError[] = [];
  private readonly records: TaskRecord[] = [];
  private readonly t0 = performance.now();
  private cpuMs = 0;
  private bytesInTotal = 0;
  private bytesOut = 0;
  private sentTasks = 0;
  /** Items (SPMD: ranks) done, failed ones included. */
  finished = 0;

  constructor(
    private readonly run: {
      mode: "map" | "spmd";
      /** Items (map) or ranks (SPMD). */
      total: number;
      ordered: boolean;
      continueOnError: boolean;
      hooks: JobHooks;
    },
  ) {
    this.values = run.mode === "spmd" ? new Array<unknown>(run.total).fill(undefined) : [];
  }

  get complete(): boolean {
    return this.finished >= this.run.total;
  }

  /** A task left the kernel, carrying `task.bytesIn`. */
  sent(task: SentTask): void {
    this.sentTasks++;
    this.bytesInTotal += task.bytesIn;
  }

  /** Bytes sent once for the whole run (a cluster's variables, stored once in Redis). */
  sentShared(bytes: number): void {
    this.bytesInTotal += bytes;
  }

  /**
   * Counts one event. Returns the error that ends the run (a failure without continue-on-error);
   * the caller cancels the rest.
   */
  add(e: TaskEvent): Error | undefined {
    switch (e.type) {
      case "result":
        return this.counted(e);
      case "lost":
        return this.lost(e);
      case "cancelled":
        this.record(e, { startMs: e.startMs, endMs: epochMs(), cpuMs: 0, status: "cancelled", bytesOut: 0 }, e.count);
        return undefined;
    }
  }

  private counted(e: TaskResultEvent): Error | undefined {
    const { task } = e;
    const status = e.errors.length ? "error" : e.cancelled ? "cancelled" : "ok";
    this.record(e, {
      startMs: e.startMs,
      endMs: e.endMs,
      cpuMs: e.cpuMs,
      ...(e.waitMs !== undefined ? { waitMs: e.waitMs } : {}),
      status,
      bytesOut: e.bytesOut,
    });
    this.bytesOut += e.bytesOut;
    for (const err of e.errors) {
      const index = this.indexOf(task, err.offset);
      const failure = err.unsendable
        ? new ResultCloneError(e.lane, index, err.unsendable)
        : new TaskFailedError(e.lane, index, err.error, e.worker);
      if (!this.run.continueOnError) return failure;
      this.errors.push(failure);
    }
    if (this.run.mode === "spmd") this.values[task.start] = e.values[0];
    else if (this.run.ordered) this.pieces.push({ start: task.start, values: e.values });
    else for (let i = 0; i < e.values.length; i++) this.values.push(e.values[i]);
    this.progress(task.count);
    return undefined;
  }

  private lost(e: TaskLostEvent): Error | undefined {
    const { task, error } = e;
    this.record(e, { startMs: e.startMs, endMs: epochMs(), cpuMs: 0, status: "error", bytesOut: 0 });
    if (!this.run.continueOnError) return error;
    for (let i = 0; i < task.count; i++) {
      const remote = { name: error.name, message: error.message, stack: error.stack };
      this.errors.push(new TaskFailedError(e.lane, this.indexOf(task, i), remote, e.worker));
      if (this.run.mode === "map" && !this.run.ordered) this.values.push(undefined);
    }
    this.progress(task.count);
    return undefined;
  }

  private indexOf(task: SentTask, offset: number): number | undefined {
    return this.run.mode === "spmd" ? undefined : task.start + offset;
  }

  private progress(count: number): void {
    this.finished += count;
    this.run.hooks.onProgress?.(this.finished, this.run.total);
  }

  private record(
    at: At,
    r: Pick<TaskRecord, "startMs" | "endMs" | "cpuMs" | "waitMs" | "status" | "bytesOut">,
    count = at.task.count,
  ): void {
    const record: TaskRecord = { rank: at.lane, index: at.task.start, count, ...r, bytesIn: at.task.bytesIn };
    this.records.push(record);
    this.cpuMs += record.cpuMs;
    this.run.hooks.onTask?.(record);
  }

  /** The run's result once every task is counted; the transport adds what only it knows. */
  outcome(more: { workers: number; chunksize?: number; lanes?: string[]; cores?: number }): JobResult {
    const { chunksize, ...rest } = more;
    const chunks = this.sentTasks;
    return {
      values: this.run.mode === "map" && this.run.ordered ? assemble(this.pieces, this.run.total) : this.values,
      errors: this.errors,
      tasks: this.records,
      wallMs: performance.now() - this.t0,
      cpuMs: this.cpuMs,
      bytesIn: this.bytesInTotal,
      bytesOut: this.bytesOut,
      chunksize:
        this.run.mode === "spmd"
          ? undefined
          : (chunksize ?? (chunks ? Math.round(this.run.total / chunks) : undefined)),
      chunks,
      ...rest,
    };
  }
}

/**
 * The ordered values from the tasks' pieces, as a plain array of `total` (undefined where no value
 * came back: a lost task, a failed item). Pieces are laid in arrival order, so a later result for
 * the same items wins. When Float64Array pieces cover everything, the array starts as an array of
 * doubles, which takes numbers without boxing each one.
 */
export function assemble(pieces: readonly Piece[], total: number): unknown[] {
  let covered = 0;
  let allNumbers = true;
  for (const p of pieces) {
    covered += p.values.length;
    if (!(p.values instanceof Float64Array)) allNumbers = false;
  }
  // (a piece that repeats items would make `covered` too high: then undefined stays possible)
  const numbersOnly = allNumbers && covered === total && disjoint(pieces);
  const out = new Array<unknown>(total).fill(numbersOnly ? 0.5 : undefined);
  for (const p of pieces) {
    const { start, values } = p;
    if (values instanceof Float64Array) copyNumbers(out, start, values);
    else for (let i = 0; i < values.length; i++) out[start + i] = values[i];
  }
  return out;
}

function copyNumbers(out: unknown[], start: number, values: Float64Array): void {
  for (let i = 0; i < values.length; i++) out[start + i] = values[i];
}

function disjoint(pieces: readonly Piece[]): boolean {
  const sorted = [...pieces].sort((a, b) => a.start - b.start);
  for (let k = 1; k < sorted.length; k++)
    if (sorted[k].start < sorted[k - 1].start + sorted[k - 1].values.length) return false;
  return true;
}
