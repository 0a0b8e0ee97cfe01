/**
 * Kernel side: one map on the cluster. Cuts the items into tasks, keeps a window of them in the
 * BullMQ queue (so that chunk sizes can adapt and an interrupt has little to remove), and counts
 * each task's result once (a task retried after its worker died may report twice). The queue, the
 * event stream and the watch for what would otherwise hang are the RunLink's (run-link.ts).
 */
import { ClusterConnectionLostError, TaskAbortedError, TaskFailedError, WorkerExitError } from "../errors";
import type { JobHooks, JobResult, MapJob, TaskError, TaskRecord } from "../run/jobs";
import { ClusterChunker } from "./chunks";
import { coalesced } from "./coalesced";
import type { WorkerInfo } from "./registry";
import { cloneError, describeItems, taskLost } from "./run-errors";
import { RunLink, type RunLinkDeps, type RunOwner } from "./run-link";
import { encode, type ClusterEvent, type MapBody, type StoredRef, type TaskData } from "./wire";

interface Task {
  id: number;
  start: number;
  count: number;
  bytesIn: number;
  done: boolean;
}

export class ClusterMapRun implements RunOwner {
  readonly done: Promise<JobResult>;
  private resolve!: (r: JobResult) => void;
  private reject!: (e: Error) => void;
  private settled = false;
  private readonly link: RunLink;
  private readonly chunker: ClusterChunker;
  private readonly tasks = new Map<number, Task>();
  private readonly values: unknown[];
  private readonly errors: TaskError[] = [];
  private readonly records: TaskRecord[] = [];
  private taskSeq = 0;
  private outstanding = 0;
  private finished = 0;
  private cpuMs = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private varsRef: StoredRef | undefined;
  private readonly t0 = performance.now();
  private readonly onAbort = () => this.abort(this.hooks.signal?.reason);

  constructor(
    d: RunLinkDeps,
    private readonly job: MapJob,
    private readonly hooks: JobHooks,
    workers: WorkerInfo[],
  ) {
    this.link = new RunLink(d, this, hooks.onStream, workers);
    this.chunker = new ClusterChunker(job.items.length, job.workers, job.schedule, job.chunksize);
    this.values = job.ordered ? new Array<unknown>(job.items.length).fill(undefined) : [];
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  /** Tasks in the queue or running: enough to keep every slot busy, but no more than --workers asks. */
  private get window(): number {
    return this.job.workers >= this.link.slots ? 2 * this.job.workers : this.job.workers;
  }

  async start(): Promise<void> {
    const signal = this.hooks.signal;
    if (signal?.aborted) return this.abort(signal.reason);
    signal?.addEventListener("abort", this.onAbort, { once: true });
    try {
      await this.storeVars();
      await this.link.open();
      if (this.settled) return;
      if (this.job.items.length === 0) return this.finish();
      await this.pump();
    } catch (e) {
      this.fail(this.link.asConnectionError(e));
    }
  }

  private async storeVars(): Promise<void> {
    if (!Object.keys(this.job.vars).length) return;
    let bytes: Buffer;
    try {
      bytes = encode(this.job.vars);
    } catch (e) {
      throw cloneError(this.job.vars, e);
    }
    const { bytes: size, ...ref } = await this.link.storeShared(bytes);
    this.varsRef = ref;
    this.bytesIn += size;
  }

  /** Adds tasks until the window is full (one addBulk per round trip). */
  private readonly pump = coalesced(async () => {
    const batch: { task: number; data: TaskData }[] = [];
    while (!this.settled && this.outstanding < this.window) {
      const chunk = this.chunker.next();
      if (!chunk) break;
      const task: Task = { id: ++this.taskSeq, ...chunk, bytesIn: 0, done: false };
      const data = this.taskData(task);
      task.bytesIn = data.payload.length * 0.75;
      this.bytesIn += task.bytesIn;
      this.tasks.set(task.id, task);
      this.outstanding++;
      batch.push({ task: task.id, data });
    }
    if (!this.settled) await this.link.add(batch);
  });

  private taskData(task: Task): TaskData {
    const body: MapBody = {
      kind: "map",
      code: this.job.code,
      start: task.start,
      items: this.job.items.slice(task.start, task.start + task.count),
      size: this.job.workers,
      continueOnError: this.job.continueOnError,
      vars: this.varsRef,
    };
    try {
      return this.link.taskData(task.id, body);
    } catch (e) {
      throw cloneError(Object.fromEntries(body.items.map((item, i) => [`item ${task.start + i}`, item])), e);
    }
  }

  onEvent(e: Exclude<ClusterEvent, { type: "stream" | "refused" | "uncaught" }>): void {
    switch (e.type) {
      case "retry": {
        const t = this.tasks.get(e.task);
        if (!t || t.done) return;
        const held = e.previous;
        if (held)
          // the dead worker's lane shows what it held until BullMQ gave it away
          this.record({
            rank: this.link.lane(held.worker),
            index: t.start,
            count: 0, // it delivered none of its items: they are counted once, with the retry
            startMs: held.startMs,
            endMs: Date.now(),
            cpuMs: 0,
            status: "cancelled",
            bytesIn: t.bytesIn,
            bytesOut: 0,
          });
        this.hooks.onStream?.(
          this.link.lane(e.worker),
          "stderr",
          `task ${e.task} (${describeItems(t.start, t.count)}) runs again here: ` +
            `${held ? held.worker : "the worker that held it"} stopped while it ran it (killed, or its machine lost?).\n`,
          e.worker,
        );
        return;
      }
      case "result":
        return this.onResult(e);
      case "lost":
        return this.onLost(e);
    }
  }

  private onResult(e: Extract<ClusterEvent, { type: "result" }>): void {
    const task = this.tasks.get(e.task);
    if (!task || task.done) return; // a second report of a retried task is not counted again
    task.done = true;
    this.outstanding--;
    const rank = this.link.lane(e.worker);
    const status = e.errors.length ? "error" : e.cancelled ? "cancelled" : "ok";
    this.record({
      rank,
      index: task.start,
      count: task.count,
      startMs: e.startMs,
      endMs: e.endMs,
      cpuMs: e.cpuMs,
      status,
      bytesIn: task.bytesIn,
      bytesOut: e.bytesOut,
    });
    this.bytesOut += e.bytesOut;
    for (const err of e.errors) {
      const failure = new TaskFailedError(rank, task.start + err.offset, err.error, e.worker);
      if (!this.job.continueOnError) return this.fail(failure, false);
      this.errors.push(failure);
    }
    if (this.job.ordered) for (let i = 0; i < e.values.length; i++) this.values[task.start + i] = e.values[i];
    else for (const v of e.values) this.values.push(v);
    this.progress(task, e.execMs);
  }

  private onLost(e: Extract<ClusterEvent, { type: "lost" }>): void {
    const task = this.tasks.get(e.task);
    if (!task || task.done) return;
    task.done = true;
    this.outstanding--;
    const rank = this.link.lane(e.worker);
    this.record({
      rank,
      index: task.start,
      count: task.count,
      startMs: e.startMs,
      endMs: Date.now(),
      cpuMs: 0,
      status: "error",
      bytesIn: task.bytesIn,
      bytesOut: 0,
    });
    const indices = Array.from({ length: task.count }, (_, i) => task.start + i);
    const error = new WorkerExitError(rank, {
      exitCode: e.exitCode,
      signal: null,
      cause: e.cause,
      indices,
      worker: e.worker,
    });
    if (!this.job.continueOnError) return this.fail(error, false);
    for (const index of indices) {
      this.errors.push(new TaskFailedError(rank, index, { name: error.name, message: error.message }, e.worker));
      if (!this.job.ordered) this.values.push(undefined);
    }
    this.progress(task, undefined);
  }

  private progress(task: Task, execMs: number | undefined): void {
    this.finished += task.count;
    this.hooks.onProgress?.(this.finished, this.job.items.length);
    if (execMs !== undefined) this.chunker.observe(task.count, execMs);
    if (this.finished >= this.job.items.length) return this.finish();
    void this.pump().catch((err) => this.fail(this.link.asConnectionError(err)));
  }

  private record(r: TaskRecord): void {
    this.records.push(r);
    this.cpuMs += r.cpuMs;
    this.hooks.onTask?.(r);
  }

  onTaskFailed(id: number, reason: string | undefined): void {
    const task = this.tasks.get(id);
    if (this.settled || !task || task.done) return;
    this.fail(taskLost(id, describeItems(task.start, task.count), reason, this.doneText()));
  }

  openTasks(): number[] {
    return [...this.tasks.values()].filter((t) => !t.done).map((t) => t.id);
  }

  /** Interrupt, timeout, cancel(): drop queued tasks, end running ones now. */
  abort(reason?: unknown): void {
    if (this.settled) return;
    this.settle();
    void this.link.cancel(true);
    this.reject(new TaskAbortedError(reason));
  }

  /** A task failed (and no --continue-on-error), or the run cannot go on. */
  fail(error: Error, connectionOk = !(error instanceof ClusterConnectionLostError)): void {
    if (this.settled) return;
    this.settle();
    if (connectionOk) void this.link.cancel(false);
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settle();
    void this.link.cleanup();
    const total = this.job.items.length;
    const chunks = this.taskSeq;
    const lanes = this.link.laneNames;
    const cores = this.link.cores;
    this.resolve({
      values: this.values,
      errors: this.errors,
      tasks: this.records,
      wallMs: performance.now() - this.t0,
      cpuMs: this.cpuMs,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      workers: Math.max(1, Math.min(this.job.workers, lanes.length || this.job.workers)),
      chunksize: this.job.chunksize ?? (chunks ? Math.round(total / chunks) : undefined),
      chunks,
      lanes,
      cores: cores || undefined,
    });
  }

  private settle(): void {
    this.settled = true;
    this.chunker.clear();
    this.link.close();
    this.hooks.signal?.removeEventListener("abort", this.onAbort);
  }

  doneText(): string {
    return `${this.finished} of ${this.job.items.length} items were done`;
  }
}
