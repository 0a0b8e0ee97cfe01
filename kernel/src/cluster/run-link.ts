/**
 * Kernel side: what every cluster run (a map, a task graph) needs from Redis and BullMQ, whatever
 * its tasks are: a run id, signed tasks in the queue, the run's event stream read until the run
 * settles, a watch for what would otherwise hang (no worker left, every worker refusing, a task
 * BullMQ gave up on, Redis gone), one lane per runtime, and cancelling and cleaning up.
 */
import type { Queue } from "bullmq";
import { randomBytes } from "node:crypto";
import { BackgroundError, ClusterSignatureError } from "../errors";
import type { JobHooks } from "../run/jobs";
import type { ClusterAddress } from "./address";
import { ANSWER_WITHIN_MS, isGone, RECONNECT_FOR_MS, type Redis } from "./connect";
import { digest, keyId, sign } from "./key";
import { clusterKeys, JOB_NAME, jobId, RUN_TTL_S } from "./keys";
import type { Reader, Readers } from "./readers";
import type { WorkerInfo } from "./registry";
import {
  cloneError,
  connectionLost,
  everyWorkerRefused,
  isConnectionLoss,
  isUnanswered,
  noWorkerLeft,
  noWorkerWithTheKey,
  redisSilent,
} from "./run-errors";
import { SEAL_BYTES, unseal } from "./sealed";
import { decode, encode, type ClusterEvent, type StoredRef, type TaskBody, type TaskData } from "./wire";

/** How often the run checks that workers are alive and that BullMQ has not failed one of its tasks. */
const WATCH_MS = 1000;
const READ_BLOCK_MS = 500;

export interface RunLinkDeps {
  address: ClusterAddress;
  key: Buffer;
  redis: Redis;
  queue: Queue;
  /** Connections for the blocking reads of the event stream, one per run at a time. */
  readers: Readers;
  listWorkers(): Promise<WorkerInfo[]>;
  /** What to tell a user who has no worker: how to start one. */
  startHint: string;
  /** A runtime caught an error outside its task: shown as a warning on the running cell, as the local pool's are. */
  onBackgroundError?: (error: BackgroundError) => void;
}

/** The run that uses the link: it hears the events of its tasks and decides what they mean. */
export interface RunOwner {
  /** A task's result, loss or retry (output, uncaught errors and refusals are handled by the link). */
  onEvent(e: Exclude<ClusterEvent, { type: "stream" | "refused" | "uncaught" }>): void;
  /** BullMQ gave up on a task: the workers that held it stopped while they ran it, more than once. */
  onTaskFailed(task: number, reason: string | undefined): void;
  /** The run cannot go on. */
  fail(error: Error): void;
  /** Tasks added and not yet reported. */
  openTasks(): number[];
  /** What was done so far, for messages: "3 of 10 items were done". */
  doneText(): string;
  /** The live workers, read once a second while the run lasts (a graph run sends a dead one's tasks elsewhere). */
  onWorkers?(live: WorkerInfo[]): void;
}

export class RunLink {
  readonly run = randomBytes(8).toString("hex");
  readonly keys: ReturnType<typeof clusterKeys>;
  /** The workers seen last. */
  workers: WorkerInfo[];
  private readonly lanes: string[] = [];
  private readonly refusedBy = new Set<string>();
  private sharedKey: string | undefined;
  private reader: Reader | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** When Redis last answered the run's reads (the event stream's or the watch's). */
  private answeredMs = Date.now();
  private watching = false;
  /** Tasks added to a worker process's own list (keys.home) instead of the shared queue. */
  private readonly homed = new Set<number>();

  constructor(
    readonly d: RunLinkDeps,
    private readonly owner: RunOwner,
    private readonly onStream: JobHooks["onStream"],
    workers: WorkerInfo[],
  ) {
    this.keys = clusterKeys(d.address.queue);
    this.workers = workers;
  }

  /** Slots of the workers seen last. */
  get slots(): number {
    return this.workers.reduce((n, w) => n + w.slots, 0);
  }

  /** Cores of the workers seen last (their slots when a worker did not say). */
  get cores(): number {
    return this.workers.reduce((n, w) => n + (w.cores || w.slots), 0);
  }

  /** The runtimes that took tasks, in the order they first did: a run's chart lanes. */
  get laneNames(): string[] {
    return [...this.lanes];
  }

  /** The chart lane of a runtime (host:pid/w0). */
  lane(worker: string): number {
    let rank = this.lanes.indexOf(worker);
    if (rank < 0) rank = this.lanes.push(worker) - 1;
    return rank;
  }

  /** Stores what every task of the run needs once, for the tasks to name by digest. Returns its size too. */
  async storeShared(bytes: Buffer): Promise<StoredRef & { bytes: number }> {
    const key = this.keys.vars(this.run);
    await this.d.redis.set(key, bytes, "EX", RUN_TTL_S);
    this.sharedKey = key;
    return { key, digest: digest(bytes), bytes: bytes.length };
  }

  /**
   * Stores a map's or an SPMD run's variables once for all its tasks (none: undefined). Throws a
   * CloneError naming the variable that cannot be serialized.
   */
  async storeVars(vars: Record<string, unknown>): Promise<StoredRef | undefined> {
    if (!Object.keys(vars).length) return undefined;
    let bytes: Buffer;
    try {
      bytes = encode(vars);
    } catch (e) {
      throw cloneError(vars, e);
    }
    const { bytes: _stored, ...ref } = await this.storeShared(bytes);
    return ref;
  }

  /** Starts reading the run's events and watching its workers. */
  async open(): Promise<void> {
    this.checkKeys(this.workers);
    if (this.closed) return;
    const reader = await this.d.readers.take();
    if (this.closed) return this.d.readers.give(reader); // the run ended while connecting
    this.reader = reader;
    void this.readEvents(reader);
    this.answeredMs = Date.now();
    this.watchTimer = setInterval(() => this.tick(), WATCH_MS);
  }

  /** A task as BullMQ stores it: the body serialized and signed with the cluster key. Throws what encode throws. */
  taskData(task: number, body: TaskBody): TaskData {
    const payload = encode(body).toString("base64");
    const queue = this.d.address.queue;
    return { v: 1, run: this.run, task, payload, sig: sign(this.d.key, [queue, this.run, task, payload]) };
  }

  /** Queues tasks in one round trip: on the shared queue, or on the own list of worker process `at` (host:pid). */
  async add(tasks: { task: number; data: TaskData }[], at?: string): Promise<void> {
    if (!tasks.length || this.closed) return;
    if (at) {
      for (const { task } of tasks) this.homed.add(task);
      const key = this.keys.home(at);
      await this.d.redis
        .multi()
        .rpush(key, ...tasks.map(({ data }) => JSON.stringify(data)))
        .expire(key, RUN_TTL_S)
        .exec();
      return;
    }
    await this.d.queue.addBulk(
      tasks.map(({ task, data }) => ({
        name: JOB_NAME,
        data,
        opts: { jobId: jobId(this.run, task), removeOnComplete: true, removeOnFail: { age: 3600 } },
      })),
    );
  }

  /** Deletes what is left on the own list of worker process `at` (it is gone; its tasks are sent elsewhere). */
  async dropHome(at: string): Promise<void> {
    await this.d.redis.del(this.keys.home(at)).catch(() => 0);
  }

  /** Stops reading and watching (the run has settled). */
  close(): void {
    this.closed = true;
    clearInterval(this.watchTimer);
    if (this.reader) this.d.readers.unblock(this.reader);
  }

  /** Tells the workers to stop the run's tasks (at once when `hard`), removes the queued ones, and cleans up (`more` keys too). */
  async cancel(hard: boolean, more: string[] = []): Promise<void> {
    const { redis } = this.d;
    try {
      await redis.set(this.keys.cancelled(this.run), "1", "EX", RUN_TTL_S);
      await redis.publish(this.keys.control, JSON.stringify({ type: "cancel", run: this.run, hard }));
      // a running task's job is locked and cannot be removed; the workers end it and complete it
      // tasks on a worker's own list are skipped by the worker, which heard the cancel
      await Promise.all(
        this.owner
          .openTasks()
          .filter((t) => !this.homed.has(t))
          .map((t) => this.d.queue.remove(jobId(this.run, t)).catch(() => 0)),
      );
    } catch {
      // Redis is gone: nothing to tell
    }
    await this.cleanup(...more);
  }

  /** Deletes the run's keys (they expire anyway). */
  async cleanup(...more: string[]): Promise<void> {
    const keys = [this.keys.events(this.run), this.keys.holders(this.run), ...more];
    if (this.sharedKey) keys.push(this.sharedKey);
    await this.d.redis.del(...keys).catch(() => undefined);
  }

  /** A Redis failure as the user should read it (naming the cluster and what was done), other errors as they are. */
  asConnectionError(e: unknown): Error {
    // A command that timed out (Redis paused) reads as the silence it is, whichever part of the run met it first.
    if (isUnanswered(e)) return redisSilent(this.d.address, ANSWER_WITHIN_MS, this.owner.doneText());
    return isConnectionLoss(e, this.d.redis) ? connectionLost(this.d.address, e, this.owner.doneText()) : (e as Error);
  }

  /** Reads the run's stream until the run settles; a Redis that stays away fails the run. */
  private async readEvents(reader: Reader): Promise<void> {
    try {
      await this.readEventsOn(reader.redis);
    } finally {
      this.d.readers.give(reader);
    }
  }

  private async readEventsOn(reader: Redis): Promise<void> {
    const key = this.keys.events(this.run);
    let last = "0-0";
    let failingSince: number | undefined;
    while (!this.closed) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await reader.xreadBuffer("COUNT", 1000, "BLOCK", READ_BLOCK_MS, "STREAMS", key, last)) as typeof reply;
        failingSince = undefined;
        this.answeredMs = Date.now();
      } catch (e) {
        if (this.closed || isUnanswered(e)) return; // the watch ends the run
        failingSince ??= Date.now();
        if (isGone(reader) || Date.now() - failingSince > RECONNECT_FOR_MS)
          return this.owner.fail(this.asConnectionError(e));
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          last = id.toString();
          if (this.closed) return;
          try {
            this.dispatch(this.authenticate(key, fields[1]));
          } catch (e) {
            this.owner.fail(e as Error);
          }
        }
      }
    }
  }

  /**
   * An event as its worker wrote it. One not signed with the kernel's key is used only to say that
   * a worker refused a task (a worker with another key signs with that one); any other stops the run.
   */
  private authenticate(key: string, bytes: Buffer): ClusterEvent {
    try {
      return unseal(this.d.key, key, bytes) as ClusterEvent;
    } catch {
      const refused = refusal(bytes);
      if (refused) return refused;
      throw new ClusterSignatureError(
        `an event of this run in Redis at ${this.d.address.display} is not signed with the cluster key: ` +
          `someone who can write to Redis without the key, or a worker with another key, wrote it. ` +
          `The run stopped and uses none of it. Keep Redis private (a password, rediss://) and give every worker the kernel's key.`,
      );
    }
  }

  private dispatch(e: ClusterEvent): void {
    if (e.type === "stream") this.onStream?.(this.lane(e.worker), e.name, e.text, e.worker);
    else if (e.type === "uncaught")
      this.d.onBackgroundError?.(new BackgroundError(`worker ${e.worker}`, e.kind, e.error));
    else if (e.type === "refused") {
      this.refusedBy.add(e.worker);
      void this.checkRefusals();
    } else this.owner.onEvent(e);
  }

  /** Every live worker refused a task: the kernel's key is not theirs. */
  private async checkRefusals(): Promise<void> {
    const live = await this.d.listWorkers().catch(() => this.workers);
    if (this.closed || !live.length || !live.every((w) => this.refusedBy.has(w.id))) return;
    this.owner.fail(everyWorkerRefused(this.d.address, live));
  }

  /**
   * No live worker has the kernel's key: each would refuse every task, and pause after refusing,
   * so the run would wait on refusals that come ever more slowly. Workers that do not show their
   * key (older ones) are given the benefit of the doubt.
   */
  private checkKeys(live: readonly WorkerInfo[]): void {
    const own = keyId(this.d.key);
    if (live.length && live.every((w) => w.keyId !== undefined && w.keyId !== own))
      this.owner.fail(noWorkerWithTheKey(this.d.address, [...live]));
  }

  /** Once a second: is Redis still answering; then the watch, unless the last one still waits for its answer. */
  private tick(): void {
    if (this.closed) return;
    const silentMs = Date.now() - this.answeredMs;
    if (silentMs >= ANSWER_WITHIN_MS)
      return this.owner.fail(redisSilent(this.d.address, silentMs, this.owner.doneText()));
    if (this.watching) return;
    this.watching = true;
    void this.watch().finally(() => (this.watching = false));
  }

  /** Are there still workers (with the kernel's key), and has BullMQ given up on a task? */
  private async watch(): Promise<void> {
    if (this.closed) return;
    try {
      const live = await this.d.listWorkers();
      this.answeredMs = Date.now();
      if (this.closed) return;
      if (!live.length) {
        const gone = this.workers.map((w) => w.id).join(", ") || "none was running";
        return this.owner.fail(noWorkerLeft(this.d.address, gone, this.owner.doneText(), this.d.startHint));
      }
      this.workers = live;
      this.checkKeys(live);
      if (this.closed) return;
      this.owner.onWorkers?.(live);
      if (this.closed) return;
      // only BullMQ gives up on a task (a worker's own list has no locks: the owner watches its worker)
      const open = this.owner.openTasks().filter((t) => !this.homed.has(t));
      const states = await Promise.all(open.map((t) => this.d.queue.getJobState(jobId(this.run, t))));
      for (const [i, task] of open.entries()) {
        if (states[i] !== "failed" || this.closed) continue;
        const job = await this.d.queue.getJob(jobId(this.run, task));
        this.owner.onTaskFailed(task, job?.failedReason);
      }
    } catch (e) {
      if (this.closed) return;
      if (isGone(this.d.redis)) this.owner.fail(this.asConnectionError(e));
    }
  }
}

/** A refusal from a worker with another key: the only event read without the kernel's signature. */
function refusal(sealed: Buffer): Extract<ClusterEvent, { type: "refused" }> | undefined {
  try {
    const e = decode<ClusterEvent>(sealed.subarray(SEAL_BYTES));
    return e.type === "refused" ? e : undefined;
  } catch {
    return undefined;
  }
}
