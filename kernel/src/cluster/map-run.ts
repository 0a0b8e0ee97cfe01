/**
 * Kernel side: one map on the cluster. Cuts the items into tasks, keeps a window of them in the
 * BullMQ queue (so that chunk sizes can adapt and an interrupt has little to remove), and counts
 * each task's result once (a task retried after its worker died may report twice). The queue, the
 * event stream and the watch for what would otherwise hang are the RunLink's (run-link.ts).
 */
import { ClusterConnectionLostError, TaskAbortedError, WorkerExitError } from "../errors";
import type { JobHooks, JobResult, MapJob } from "../run/jobs";
import { MapTally } from "../run/map-tally";
import { estimateBytes, estimateVarsBytes } from "../transfer/bytes";
import { ClusterChunker } from "./chunks";
import { coalesced } from "./coalesced";
import type { WorkerInfo } from "./registry";
import { cloneError, describeItems, taskLost } from "./run-errors";
import { RunLink, type RunLinkDeps, type RunOwner } from "./run-link";
import { type ClusterEvent, type MapBody, type StoredRef, type TaskData } from "./wire";

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
  private readonly tally: MapTally;
  private taskSeq = 0;
  private outstanding = 0;
  private varsRef: StoredRef | undefined;
  private readonly onAbort = () => this.abort(this.hooks.signal?.reason);

  constructor(
    d: RunLinkDeps,
    private readonly job: MapJob,
    private readonly hooks: JobHooks,
    workers: WorkerInfo[],
  ) {
    this.link = new RunLink(d, this, hooks.onStream, workers);
    this.chunker = new ClusterChunker(job.items.length, job.workers, job.schedule, job.chunksize);
    this.tally = new MapTally({
      mode: "map",
      total: job.items.length,
      ordered: job.ordered,
      continueOnError: job.continueOnError,
      hooks,
    });
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
    this.varsRef = await this.link.storeVars(this.job.vars);
    // Counted as the pool counts them, so that the same work gives the same record on either.
    if (this.varsRef) this.tally.sentShared(estimateVarsBytes(this.job.vars));
  }

  /** Adds tasks until the window is full (one addBulk per round trip). */
  private readonly pump = coalesced(async () => {
    const batch: { task: number; data: TaskData }[] = [];
    while (!this.settled && this.outstanding < this.window) {
      const chunk = this.chunker.next();
      if (!chunk) break;
      const task: Task = { id: ++this.taskSeq, ...chunk, bytesIn: 0, done: false };
      const data = this.taskData(task);
      task.bytesIn = estimateBytes(this.job.items.slice(task.start, task.start + task.count));
      this.tally.sent(task);
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
          // the dead worker's lane shows what it held until BullMQ gave it away; its items count once, with the retry
          this.tally.add({
            type: "cancelled",
            lane: this.link.lane(held.worker),
            worker: held.worker,
            task: t,
            startMs: held.startMs,
            count: 0,
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
    const failure = this.tally.add({ ...e, lane: this.link.lane(e.worker), task });
    if (failure) return this.fail(failure, false);
    this.progress(task, e.execMs);
  }

  private onLost(e: Extract<ClusterEvent, { type: "lost" }>): void {
    const task = this.tasks.get(e.task);
    if (!task || task.done) return;
    task.done = true;
    this.outstanding--;
    const lane = this.link.lane(e.worker);
    const indices = Array.from({ length: task.count }, (_, i) => task.start + i);
    const error = new WorkerExitError(lane, {
      exitCode: e.exitCode,
      signal: null,
      cause: e.cause,
      indices,
      worker: e.worker,
    });
    const failure = this.tally.add({ type: "lost", lane, worker: e.worker, task, startMs: e.startMs, error });
    if (failure) return this.fail(failure, false);
    this.progress(task, undefined);
  }

  private progress(task: Task, execMs: number | undefined): void {
    if (execMs !== undefined) this.chunker.observe(task.count, execMs);
    if (this.tally.complete) return this.finish();
    void this.pump().catch((err) => this.fail(this.link.asConnectionError(err)));
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
    const lanes = this.link.laneNames;
    this.resolve(
      this.tally.outcome({
        workers: Math.max(1, Math.min(this.job.workers, lanes.length || this.job.workers)),
        chunksize: this.job.chunksize,
        lanes,
        cores: this.link.cores || undefined,
      }),
    );
  }

  private settle(): void {
    this.settled = true;
    this.chunker.clear();
    this.link.close();
    this.hooks.signal?.removeEventListener("abort", this.onAbort);
  }

  doneText(): string {
    return `${this.tally.finished} of ${this.job.items.length} items were done`;
  }
}
