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
  /** An ordered map's values, laid into one plain array when every task is out (or at the end). */
  private readonly ordered: OrderedValues | undefined;
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
    if (run.mode === "map" && run.ordered) this.ordered = new OrderedValues(run.total);
  }

  /**
   * Every task has been sent: build the result array now, while the workers finish the last
   * tasks, rather than after them (the transport calls this when it waits anyway).
   */
  allSent(): void {
    this.ordered?.allocate();
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
    else if (this.ordered) this.ordered.add(task.start, e.values);
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
      values: this.ordered ? this.ordered.finish() : this.values,
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
 * An ordered map's values: the tasks' pieces as they arrive (no per-item work then), laid into
 * one plain array of `total` once it exists, with undefined where no value came back (a lost task,
 * a failed item). Pieces are laid in arrival order, so a later result for the same items wins.
 *
 * The array costs time of its own (a large one is fresh memory: ~0.6 ms for 100,000 elements), so
 * it is built when every task is out, while the workers finish, or else at the end. When the
 * pieces so far are all numbers it starts as an array of doubles, which takes numbers without
 * boxing each one; a later non-number turns it into a general array, as any JS array would.
 */
export class OrderedValues {
  private pieces: Piece[] = [];
  /** Every piece's range, to find what no piece covered. */
  private readonly ranges: { start: number; end: number }[] = [];
  private allNumbers = true;
  private out: unknown[] | undefined;
  /** The value `out` was filled with: 0.5 (doubles), to be replaced where nothing came back; or undefined. */
  private filler: number | undefined;

  constructor(private readonly total: number) {}

  add(start: number, values: ArrayLike<unknown>): void {
    this.ranges.push({ start, end: start + values.length });
    if (this.out) lay(this.out, start, values);
    else {
      if (!(values instanceof Float64Array)) this.allNumbers = false;
      this.pieces.push({ start, values });
    }
  }

  allocate(): void {
    if (this.out) return;
    this.filler = this.allNumbers ? 0.5 : undefined;
    const out = new Array<unknown>(this.total).fill(this.filler);
    for (const p of this.pieces) lay(out, p.start, p.values);
    this.pieces = [];
    this.out = out;
  }

  finish(): unknown[] {
    if (!this.out) {
      // everything is here: start as doubles only when the numbers cover every item
      if (!this.allNumbers || !covers(this.ranges, this.total)) this.allNumbers = false;
      this.allocate();
    }
    const out = this.out!;
    if (this.filler !== undefined)
      for (const gap of gaps(this.ranges, this.total)) out.fill(undefined, gap.start, gap.end);
    return out;
  }
}

function lay(out: unknown[], start: number, values: ArrayLike<unknown>): void {
  if (values instanceof Float64Array) copyNumbers(out, start, values);
  else for (let i = 0; i < values.length; i++) out[start + i] = values[i];
}

function copyNumbers(out: unknown[], start: number, values: Float64Array): void {
  for (let i = 0; i < values.length; i++) out[start + i] = values[i];
}

/** The stretches of [0, total) that no range covers. */
function gaps(ranges: readonly { start: number; end: number }[], total: number): { start: number; end: number }[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  let at = 0;
  for (const r of sorted) {
    if (r.start > at) out.push({ start: at, end: r.start });
    at = Math.max(at, r.end);
  }
  if (at < total) out.push({ start: at, end: total });
  return out;
}

function covers(ranges: readonly { start: number; end: number }[], total: number): boolean {
  return gaps(ranges, total).length === 0;
}

/** The ordered values of these pieces (see OrderedValues). */
export function assemble(pieces: readonly Piece[], total: number): unknown[] {
  const values = new OrderedValues(total);
  for (const p of pieces) values.add(p.start, p.values);
  return values.finish();
}
