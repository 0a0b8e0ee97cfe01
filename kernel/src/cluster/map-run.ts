/**
 * Kernel side: one map on the cluster. Cuts the items into tasks, keeps a window of them in the
 * BullMQ queue (so that chunk sizes can adapt and an interrupt has little to remove), reads the
 * run's event stream (output, results, refusals), counts each task's result once (a task retried
 * after its worker died may report twice), and watches for what would otherwise hang: no worker
 * left, every worker refusing, a task BullMQ gave up on, Redis gone.
 */
import type { Queue } from "bullmq";
import { randomBytes } from "node:crypto";
import { ClusterConnectionLostError, TaskAbortedError, TaskFailedError, WorkerExitError } from "../errors";
import type { JobHooks, JobResult, MapJob, TaskError, TaskRecord } from "../run/jobs";
import type { ClusterAddress } from "./address";
import { ClusterChunker } from "./chunks";
import { isGone, RECONNECT_FOR_MS, type Redis } from "./connect";
import { digest, sign } from "./key";
import { clusterKeys, JOB_NAME, jobId, RUN_TTL_S } from "./keys";
import {
  cloneError,
  connectionLost,
  describeItems,
  everyWorkerRefused,
  isConnectionLoss,
  noWorkerLeft,
  taskLost,
} from "./run-errors";
import type { WorkerInfo } from "./registry";
import { decode, encode, type ClusterEvent, type TaskBody, type TaskData } from "./wire";

/** How often the run checks that workers are alive and that BullMQ has not failed one of its tasks. */
const WATCH_MS = 1000;
const READ_BLOCK_MS = 500;

export interface MapRunDeps {
  address: ClusterAddress;
  key: Buffer;
  redis: Redis;
  queue: Queue;
  /** A connection of its own for the blocking reads of the event stream. */
  newReader(): Promise<Redis>;
  listWorkers(): Promise<WorkerInfo[]>;
  /** What to tell a user who has no worker: how to start one. */
  startHint: string;
}

interface Task {
  id: number;
  start: number;
  count: number;
  bytesIn: number;
  done: boolean;
}

export class ClusterMapRun {
  readonly done: Promise<JobResult>;
  private resolve!: (r: JobResult) => void;
  private reject!: (e: Error) => void;
  private settled = false;
  private readonly run = randomBytes(8).toString("hex");
  private readonly keys: ReturnType<typeof clusterKeys>;
  private readonly chunker: ClusterChunker;
  private readonly tasks = new Map<number, Task>();
  private readonly values: unknown[];
  private readonly errors: TaskError[] = [];
  private readonly records: TaskRecord[] = [];
  private readonly lanes: string[] = [];
  private readonly refusedBy = new Set<string>();
  private taskSeq = 0;
  private outstanding = 0;
  private finished = 0;
  private cpuMs = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private filling = false;
  private refill = false;
  private varsRef: TaskBody["vars"];
  private reader: Redis | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private lastWorkers: WorkerInfo[];
  private readonly t0 = performance.now();
  private readonly onAbort = () => this.abort(this.hooks.signal?.reason);

  constructor(
    private readonly d: MapRunDeps,
    private readonly job: MapJob,
    private readonly hooks: JobHooks,
    workers: WorkerInfo[],
  ) {
    this.keys = clusterKeys(d.address.queue);
    this.lastWorkers = workers;
    this.chunker = new ClusterChunker(job.items.length, job.workers, job.schedule, job.chunksize);
    this.values = job.ordered ? new Array<unknown>(job.items.length).fill(undefined) : [];
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  /** Tasks in the queue or running: enough to keep every slot busy, but no more than --workers asks. */
  private get window(): number {
    const slots = this.lastWorkers.reduce((n, w) => n + w.slots, 0);
    return this.job.workers >= slots ? 2 * this.job.workers : this.job.workers;
  }

  async start(): Promise<void> {
    const signal = this.hooks.signal;
    if (signal?.aborted) return this.abort(signal.reason);
    signal?.addEventListener("abort", this.onAbort, { once: true });
    try {
      await this.storeVars();
      this.reader = await this.d.newReader();
      if (this.settled) return this.reader.disconnect(); // interrupted while connecting
      void this.readEvents(this.reader);
      this.watchTimer = setInterval(() => void this.watch(), WATCH_MS);
      if (this.job.items.length === 0) return this.finish();
      await this.pump();
    } catch (e) {
      this.fail(this.asConnectionError(e));
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
    const key = this.keys.vars(this.run);
    await this.d.redis.set(key, bytes, "EX", RUN_TTL_S);
    this.varsRef = { key, digest: digest(bytes) };
    this.bytesIn += bytes.length;
  }

  /** Adds tasks until the window is full (one addBulk per round trip). */
  private async pump(): Promise<void> {
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.refill = false;
        const batch: { name: string; data: TaskData; opts: object }[] = [];
        while (!this.settled && this.outstanding < this.window) {
          const chunk = this.chunker.next();
          if (!chunk) break;
          const task: Task = { id: ++this.taskSeq, ...chunk, bytesIn: 0, done: false };
          const data = this.taskData(task);
          task.bytesIn = data.payload.length * 0.75;
          this.bytesIn += task.bytesIn;
          this.tasks.set(task.id, task);
          this.outstanding++;
          batch.push({
            name: JOB_NAME,
            data,
            opts: { jobId: jobId(this.run, task.id), removeOnComplete: true, removeOnFail: { age: 3600 } },
          });
        }
        if (batch.length && !this.settled) await this.d.queue.addBulk(batch);
      } while (this.refill && !this.settled);
    } finally {
      this.filling = false;
    }
  }

  private taskData(task: Task): TaskData {
    const body: TaskBody = {
      code: this.job.code,
      start: task.start,
      items: this.job.items.slice(task.start, task.start + task.count),
      size: this.job.workers,
      continueOnError: this.job.continueOnError,
      vars: this.varsRef,
    };
    let payload: string;
    try {
      payload = encode(body).toString("base64");
    } catch (e) {
      throw cloneError(Object.fromEntries(body.items.map((item, i) => [`item ${task.start + i}`, item])), e);
    }
    const queue = this.d.address.queue;
    return { v: 1, run: this.run, task: task.id, payload, sig: sign(this.d.key, [queue, this.run, task.id, payload]) };
  }

  /** Reads the run's stream until the run settles; a Redis that stays away fails the run. */
  private async readEvents(reader: Redis): Promise<void> {
    const key = this.keys.events(this.run);
    let last = "0-0";
    let failingSince: number | undefined;
    while (!this.settled) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await reader.xreadBuffer("COUNT", 1000, "BLOCK", READ_BLOCK_MS, "STREAMS", key, last)) as typeof reply;
        failingSince = undefined;
      } catch (e) {
        if (this.settled) return;
        failingSince ??= Date.now();
        if (isGone(reader) || Date.now() - failingSince > RECONNECT_FOR_MS) return this.fail(this.asConnectionError(e));
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          last = id.toString();
          if (this.settled) return;
          try {
            this.onEvent(decode<ClusterEvent>(fields[1]));
          } catch (e) {
            this.fail(e as Error);
          }
        }
      }
    }
  }

  private lane(worker: string): number {
    let rank = this.lanes.indexOf(worker);
    if (rank < 0) rank = this.lanes.push(worker) - 1;
    return rank;
  }

  private onEvent(e: ClusterEvent): void {
    switch (e.type) {
      case "stream":
        this.hooks.onStream?.(this.lane(e.worker), e.name, e.text, e.worker);
        return;
      case "retry": {
        const t = this.tasks.get(e.task);
        if (!t || t.done) return;
        const held = e.previous;
        if (held)
          // the dead worker's lane shows what it held until BullMQ gave it away
          this.record({
            rank: this.lane(held.worker),
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
          this.lane(e.worker),
          "stderr",
          `task ${e.task} (${describeItems(t.start, t.count)}) runs again here: ` +
            `${held ? held.worker : "the worker that held it"} stopped while it ran it (killed, or its machine lost?).\n`,
          e.worker,
        );
        return;
      }
      case "refused":
        this.refusedBy.add(e.worker);
        void this.checkRefusals();
        return;
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
    const rank = this.lane(e.worker);
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
    const rank = this.lane(e.worker);
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
    void this.pump().catch((err) => this.fail(this.asConnectionError(err)));
  }

  private record(r: TaskRecord): void {
    this.records.push(r);
    this.cpuMs += r.cpuMs;
    this.hooks.onTask?.(r);
  }

  /** Every live worker refused a task: the kernel's key is not theirs. */
  private async checkRefusals(): Promise<void> {
    const live = await this.d.listWorkers().catch(() => this.lastWorkers);
    if (this.settled || !live.length || !live.every((w) => this.refusedBy.has(w.id))) return;
    this.fail(everyWorkerRefused(this.d.address, live));
  }

  /** Once a second: are there still workers, and has BullMQ given up on a task? */
  private async watch(): Promise<void> {
    if (this.settled) return;
    try {
      const live = await this.d.listWorkers();
      if (this.settled) return;
      if (!live.length) {
        const gone = this.lastWorkers.map((w) => w.id).join(", ") || "none was running";
        return this.fail(noWorkerLeft(this.d.address, gone, this.doneText(), this.d.startHint));
      }
      this.lastWorkers = live;
      const open = [...this.tasks.values()].filter((t) => !t.done);
      const states = await Promise.all(open.map((t) => this.d.queue.getJobState(jobId(this.run, t.id))));
      const failed = open.find((_, i) => states[i] === "failed");
      if (failed && !this.settled) {
        const job = await this.d.queue.getJob(jobId(this.run, failed.id));
        this.fail(taskLost(failed.id, describeItems(failed.start, failed.count), job?.failedReason, this.doneText()));
      }
    } catch (e) {
      if (this.settled) return;
      if (isGone(this.d.redis)) this.fail(this.asConnectionError(e));
    }
  }

  /** Interrupt, timeout, cancel(): drop queued tasks, end running ones now. */
  abort(reason?: unknown): void {
    if (this.settled) return;
    this.settle();
    void this.cancelRemote(true);
    this.reject(new TaskAbortedError(reason));
  }

  /** A task failed (and no --continue-on-error), or the run cannot go on. */
  private fail(error: Error, connectionOk = !(error instanceof ClusterConnectionLostError)): void {
    if (this.settled) return;
    this.settle();
    if (connectionOk) void this.cancelRemote(false);
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settle();
    void this.cleanup();
    const total = this.job.items.length;
    const chunks = this.taskSeq;
    const cores = this.lastWorkers.reduce((n, w) => n + (w.cores || w.slots), 0);
    this.resolve({
      values: this.values,
      errors: this.errors,
      tasks: this.records,
      wallMs: performance.now() - this.t0,
      cpuMs: this.cpuMs,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      workers: Math.max(1, Math.min(this.job.workers, this.lanes.length || this.job.workers)),
      chunksize: this.job.chunksize ?? (chunks ? Math.round(total / chunks) : undefined),
      chunks,
      lanes: [...this.lanes],
      cores: cores || undefined,
    });
  }

  private settle(): void {
    this.settled = true;
    this.chunker.clear();
    clearInterval(this.watchTimer);
    this.hooks.signal?.removeEventListener("abort", this.onAbort);
    this.reader?.disconnect();
  }

  /** Tells the workers to stop the run's tasks, and removes the ones still queued. */
  private async cancelRemote(hard: boolean): Promise<void> {
    const { redis, queue } = this.d;
    try {
      await redis.set(this.keys.cancelled(this.run), "1", "EX", RUN_TTL_S);
      await redis.publish(this.keys.control, JSON.stringify({ type: "cancel", run: this.run, hard }));
      const open = [...this.tasks.values()].filter((t) => !t.done);
      // a running task's job is locked and cannot be removed; the workers end it and complete it
      await Promise.all(open.map((t) => queue.remove(jobId(this.run, t.id)).catch(() => 0)));
    } catch {
      // Redis is gone: nothing to tell
    }
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    try {
      await this.d.redis.del(this.keys.events(this.run), this.keys.holders(this.run));
      if (this.varsRef) await this.d.redis.del(this.varsRef.key);
    } catch {
      // the keys expire anyway
    }
  }

  private asConnectionError(e: unknown): Error {
    return isConnectionLoss(e, this.d.redis) ? connectionLost(this.d.address, e, this.doneText()) : (e as Error);
  }

  private doneText(): string {
    return `${this.finished} of ${this.job.items.length} items were done`;
  }
}
