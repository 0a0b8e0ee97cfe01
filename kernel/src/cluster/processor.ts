/**
 * Worker side: what a `paralab worker` does with one BullMQ job. It checks the signature before
 * it decodes anything, fetches the run's shared data (variables, a graph's functions) once per
 * process, runs the map chunk (here) or the graph batch (graph-batch.ts) on a free runtime and
 * appends the result to the run's event stream. User errors are results, not BullMQ failures:
 * BullMQ retries only what a dead worker left behind.
 */
import type { Job } from "bullmq";
import { WaitingError } from "bullmq";
import type { RemoteError, TaskMessage } from "../run/messages";
import type { Redis } from "./connect";
import type { EventWriter } from "./event-writer";
import { digest, verify } from "./key";
import { clusterKeys, RUN_ID, RUN_TTL_S } from "./keys";
import { preferredRuntime, runGraphBatch, type GraphBatchDeps } from "./graph-batch";
import { HELD_TTL_MS, HeldResults } from "./held-results";
import { runSpmdRank, type SpmdRankDeps } from "./spmd-rank";
import type { RuntimeThread, TaskOutcome } from "./runtime-thread";
import type { Runtimes } from "./runtimes";
import {
  decode,
  type ClusterEvent,
  type GraphShared,
  type MapBody,
  type SpmdBody,
  type StoredRef,
  type TaskBody,
  type TaskData,
} from "./wire";

type MapVars = Record<string, unknown>;

/** Runs cancelled lately (from the control channel), so that their queued tasks are skipped. */
const REMEMBER_CANCELLED = 256;
const SHARED_CACHE_RUNS = 8;

export interface ProcessorDeps {
  queue: string;
  key: Buffer;
  redis: Redis;
  events: EventWriter;
  runtimes: Runtimes;
  /** host:pid */
  id: string;
  /** Bytes of graph results one runtime may hold for later tasks (HeldResults). */
  heldBytesPerRuntime: number;
  log(text: string): void;
  /** A refused task: the worker backs off so that correctly keyed workers take the queue's tasks. */
  refused(): void;
  accepted(): void;
}

export class TaskProcessor {
  private readonly keys: ReturnType<typeof clusterKeys>;
  private readonly cancelled = new Set<string>();
  private readonly shared = new Map<string, Promise<unknown>>();
  /** Runtime job ids are numbers; one per run seen by this process. */
  private readonly jobIds = new Map<string, number>();
  private taskSeq = 0;
  /** Tasks run to an outcome (the registry shows it). */
  tasksDone = 0;

  private readonly graphDeps: GraphBatchDeps;
  /** Graph results this process keeps in its runtimes for later tasks. */
  readonly held: HeldResults;
  private readonly spmdDeps: SpmdRankDeps;
  /** SPMD ranks waiting for their `go`, by run: a cancel releases them. */
  private readonly stops = new Map<string, AbortController>();

  constructor(private readonly d: ProcessorDeps) {
    this.keys = clusterKeys(d.queue);
    this.held = new HeldResults(d.heldBytesPerRuntime);
    this.graphDeps = {
      key: d.key,
      redis: d.redis,
      events: d.events,
      keys: this.keys,
      shared: (run, body) => this.fetchShared<GraphShared>(run, body.shared, body.sharedInline),
      jobIdOf: (run) => this.jobIdOf(run),
      held: this.held,
      serving: (t) => d.runtimes.serving(t),
      id: d.id,
    };
    this.spmdDeps = {
      key: d.key,
      redis: d.redis,
      events: d.events,
      keys: this.keys,
      vars: async (run, ref, thread) => {
        const vars = ref && thread.varsRun !== run ? await this.fetchShared<MapVars>(run, ref) : undefined;
        if (ref) thread.varsRun = run;
        return vars;
      },
      jobIdOf: (run) => this.jobIdOf(run),
      nextTaskId: () => ++this.taskSeq,
      log: d.log,
    };
  }

  /** The BullMQ processor. */
  process = (job: Job, token?: string): Promise<string> =>
    // stalledCounter: BullMQ moved the job back after its worker stopped renewing the lock (a refused
    // task also comes back, but through moveToWait, which leaves the counter alone)
    this.handle(job.data as Partial<TaskData>, job.stalledCounter > 0, (run, data) =>
      this.refuse(job, token, run, data),
    );

  /**
   * A task from this process's own list (keys.home): a graph batch sent here because this process
   * holds its inputs. Not retried by BullMQ: the kernel sends it elsewhere if this process dies.
   */
  processOwn(text: string): Promise<string> {
    let data: Partial<TaskData>;
    try {
      data = JSON.parse(text) as Partial<TaskData>;
    } catch {
      data = {};
    }
    return this.handle(data, false, async (run, d) => {
      this.refusedEvent(`from this worker's own list`, run, d);
      return "refused";
    });
  }

  private async handle(
    data: Partial<TaskData>,
    retried: boolean,
    refuse: (run: string | undefined, data: Partial<TaskData>) => Promise<string>,
  ): Promise<string> {
    const run = typeof data.run === "string" && RUN_ID.test(data.run) ? data.run : undefined;
    const signed =
      run !== undefined &&
      typeof data.payload === "string" &&
      typeof data.task === "number" &&
      verify(this.d.key, [this.d.queue, run, data.task, data.payload], data.sig);
    if (!signed) return refuse(run, data);
    this.d.accepted();
    const task = data.task!;
    if (this.cancelled.has(run) || (retried && (await this.d.redis.exists(this.keys.cancelled(run)))))
      return "cancelled";
    const body = decode<TaskBody>(Buffer.from(data.payload!, "base64"));
    // A rank cannot start again alone: the others have moved on (the kernel failed the run when it was lost).
    if (body.kind === "spmd" && retried) return "cancelled";
    // A graph batch runs on the runtime that holds its inputs, when one does.
    const thread = await this.d.runtimes.acquire(
      body.kind === "graph" ? preferredRuntime(this.graphDeps, body) : undefined,
    );
    const startMs = Date.now();
    try {
      if (retried)
        this.d.events.push(run, { type: "retry", worker: thread.name, task, previous: await this.holder(run, task) });
      // not awaited: only a later retry reads it
      void this.d.redis
        .multi()
        .hset(this.keys.holders(run), String(task), `${startMs} ${thread.name}`)
        .expire(this.keys.holders(run), RUN_TTL_S)
        .exec()
        .catch(() => undefined);
      const outcome =
        body.kind === "graph"
          ? await runGraphBatch(this.graphDeps, run, task, ++this.taskSeq, body, thread)
          : body.kind === "spmd"
            ? await this.runSpmd(run, task, body, thread)
            : await this.runMap(run, task, body, thread);
      if (outcome.kind === "exit") {
        this.d.log(`${thread.name} died running task ${task} of run ${run}: ${outcome.cause}; replaced`);
        await this.d.events.send(run, {
          type: "lost",
          worker: thread.name,
          task,
          exitCode: outcome.exitCode,
          cause: outcome.cause,
          startMs,
        });
      }
      this.tasksDone++;
      return outcome.kind;
    } catch (e) {
      // the run's shared data could not be fetched, or Redis went away: report what we can
      const error = { name: "ClusterError", message: (e as Error).message };
      await this.d.events.send(run, failureEvent(body, thread.name, task, error)).catch(() => undefined);
      throw e;
    } finally {
      this.d.runtimes.release(thread);
    }
  }

  /** One chunk of map items on `thread`, its result sent to the kernel. */
  private async runMap(run: string, task: number, body: MapBody, thread: RuntimeThread): Promise<TaskOutcome> {
    const vars = body.vars && thread.varsRun !== run ? await this.fetchShared<MapVars>(run, body.vars) : undefined;
    const msg: TaskMessage = {
      type: "task",
      jobId: this.jobIdOf(run),
      taskId: ++this.taskSeq,
      mode: "map",
      code: body.code,
      rank: thread.index,
      size: body.size,
      start: body.start,
      items: body.items,
      vars: vars && { ...vars },
      continueOnError: body.continueOnError,
    };
    if (body.vars) thread.varsRun = run;
    return this.report(run, task, thread, await thread.runTask(msg, run));
  }

  /** One rank of an SPMD run on `thread`, once every rank holds a runtime; its result sent to the kernel. */
  private async runSpmd(run: string, task: number, body: SpmdBody, thread: RuntimeThread): Promise<TaskOutcome> {
    let stop = this.stops.get(run);
    if (!stop) {
      this.stops.set(run, (stop = new AbortController()));
      if (this.stops.size > REMEMBER_CANCELLED) this.stops.delete(this.stops.keys().next().value!);
    }
    if (this.cancelled.has(run)) stop.abort();
    return this.report(run, task, thread, await runSpmdRank(this.spmdDeps, run, task, body, thread, stop.signal));
  }

  /** Sends a task's result to the kernel (other outcomes are reported by process()). */
  private async report(run: string, task: number, thread: RuntimeThread, outcome: TaskOutcome): Promise<TaskOutcome> {
    if (outcome.kind === "result") {
      const { values, errors, cancelled, startMs, endMs, cpuMs, waitMs, execMs, bytesOut } = outcome.msg;
      await this.d.events.send(run, {
        type: "result",
        worker: thread.name,
        task,
        values,
        errors,
        cancelled,
        startMs,
        endMs,
        cpuMs,
        ...(waitMs !== undefined ? { waitMs } : {}),
        execMs,
        bytesOut,
      });
    }
    return outcome;
  }

  /** A kernel cancelled `run`: skip its queued tasks; stop the running ones (at once, or after a grace period). */
  cancel(run: string, hard: boolean, graceMs: number): void {
    this.cancelled.add(run);
    this.stops.get(run)?.abort();
    this.stops.delete(run);
    if (this.cancelled.size > REMEMBER_CANCELLED) this.cancelled.delete(this.cancelled.values().next().value!);
    this.shared.delete(run);
    const jobId = this.jobIds.get(run);
    for (const thread of this.d.runtimes.runningFor(run)) {
      if (hard || jobId === undefined) this.d.runtimes.replace(thread);
      else {
        thread.cancel(jobId);
        setTimeout(() => {
          if (thread.state === "busy" && thread.run === run) this.d.runtimes.replace(thread);
        }, graceMs).unref();
      }
    }
  }

  /**
   * A kernel needs these held results no more (`ids` of its namespace `results`; none: all of
   * them, its run ended): their runtimes drop them.
   */
  release(results: string, ids?: string[]): void {
    if (!RUN_ID.test(results)) return;
    const keys = ids ? ids.map((id) => HeldResults.nodeKey(results, id)) : this.held.keysOf(results);
    this.dropHeld(keys);
  }

  /** Drops held results unused for HELD_TTL_MS (their kernel never released them: it died?). */
  sweep(): void {
    this.dropHeld(this.held.stale(HELD_TTL_MS));
  }

  private dropHeld(keys: string[]): void {
    for (const [thread, nodeIds] of this.held.release(keys))
      if (this.d.runtimes.serving(thread)) thread.post({ type: "graph-release", nodeIds });
  }

  private async refuse(
    job: Job,
    token: string | undefined,
    run: string | undefined,
    data: Partial<TaskData>,
  ): Promise<never> {
    this.refusedEvent(
      `(job ${job.id})`,
      run,
      data,
      "The task goes back to the queue for the other workers; this worker pauses before taking more.",
    );
    this.d.refused();
    await job.moveToWait(token);
    throw new WaitingError();
  }

  /** Logs a refused task and tells its kernel, if the task names a run. */
  private refusedEvent(where: string, run: string | undefined, data: Partial<TaskData>, then = ""): void {
    const what = typeof data.sig === "string" ? "a wrong signature" : "no signature";
    this.d.log(
      `refused task ${String(data.task)} of run ${run ?? "?"} ${where}: ${what}. It was signed with another key ` +
        `than this worker's (PARALAB_CLUSTER_KEY or --key-file), or by someone without the key.${then ? ` ${then}` : ""}`,
    );
    if (run)
      this.d.events.push(run, {
        type: "refused",
        worker: this.d.id,
        task: typeof data.task === "number" ? data.task : -1,
        why: what,
      });
  }

  /** The runtime that held the task before it was retried. */
  private async holder(run: string, task: number): Promise<{ worker: string; startMs: number } | undefined> {
    const held = await this.d.redis.hget(this.keys.holders(run), String(task)).catch(() => null);
    const m = held ? /^(\d+) (.+)$/.exec(held) : null;
    return m ? { startMs: Number(m[1]), worker: m[2] } : undefined;
  }

  private jobIdOf(run: string): number {
    let id = this.jobIds.get(run);
    if (id === undefined) {
      id = this.jobIds.size + 1;
      this.jobIds.set(run, id);
    }
    return id;
  }

  /**
   * The run's shared data (variables, functions), fetched once per process (or taken from the
   * task, `inline`, when it is small) and checked against the digest the task signed.
   */
  private fetchShared<T>(run: string, ref: StoredRef, inline?: Uint8Array): Promise<T> {
    let p = this.shared.get(run) as Promise<T> | undefined;
    if (!p) {
      p = (async () => {
        if (ref.key !== this.keys.vars(run)) throw new Error(`task names variables at an unexpected key ${ref.key}`);
        const bytes = inline
          ? Buffer.from(inline.buffer, inline.byteOffset, inline.byteLength)
          : await this.d.redis.getBuffer(ref.key);
        if (!bytes) throw new Error("the run's variables are no longer in Redis (the run ended or its keys expired)");
        if (digest(bytes) !== ref.digest) throw new Error("the run's variables in Redis do not match the signed task");
        return decode<T>(bytes);
      })();
      p.catch(() => this.shared.delete(run));
      this.shared.set(run, p);
      if (this.shared.size > SHARED_CACHE_RUNS) this.shared.delete(this.shared.keys().next().value!);
    }
    return p;
  }
}

/** What the kernel hears when a task could not run at all: every item (or node) failed with `error`. */
function failureEvent(body: TaskBody, worker: string, task: number, error: RemoteError): ClusterEvent {
  const now = Date.now();
  if (body.kind === "graph") {
    const outcomes = body.items.map((i) => ({
      nodeId: i.nodeId,
      error,
      resultBytes: 0,
      startMs: now,
      endMs: now,
      cpuMs: 0,
      waitMs: 0,
    }));
    return { type: "graph-result", worker, task, outcomes, stored: {} };
  }
  return {
    type: "result",
    worker,
    task,
    values: [],
    errors: [{ offset: 0, error }],
    cancelled: false,
    startMs: now,
    endMs: now,
    cpuMs: 0,
    execMs: 0,
    bytesOut: 0,
  };
}
