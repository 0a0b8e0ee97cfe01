/**
 * The cluster as a Runner (run/runner.ts): parallel/ dispatches a plan here exactly as it does to
 * the local pool. One per cluster address and kernel; it connects on first use, and again after
 * Redis went away, so that a lost cluster never leaves the kernel stuck.
 */
import { Queue } from "bullmq";
import { randomBytes } from "node:crypto";
import { ClusterNoWorkersError, PoolClosedError, type BackgroundError } from "../errors";
import type { GraphHooks, GraphJob, GraphResult, GraphScheduler } from "../run/graphs";
import type { JobHooks, JobResult, MapJob, SpmdJob, WorkerStatus } from "../run/jobs";
import type { Runner } from "../run/runner";
import type { ClusterAddress } from "./address";
import { connectRedis, isGone, unreachable, type Redis } from "./connect";
import { BULLMQ_PREFIX, clusterKeys } from "./keys";
import { ClusterGraphRun } from "./graph-run";
import { ClusterMapRun } from "./map-run";
import { Readers } from "./readers";
import { HEARTBEAT_MS, listWorkers, type WorkerInfo } from "./registry";
import { isConnectionLoss, isUnanswered, unanswered } from "./run-errors";
import type { RunLinkDeps } from "./run-link";
import { ClusterSpmdRun } from "./spmd-run";

/** A map, an SPMD run or a graph on the cluster, as the runner starts and stops it. */
interface ClusterRun<R> {
  start(): Promise<void>;
  readonly done: Promise<R>;
  abort(reason?: unknown): void;
}

const LOCAL_POOL_HINT = "The local pool still works (%cluster off).";

export class ClusterRunner implements Runner {
  readonly kind = "cluster";
  #redis: Redis | undefined;
  #queue: Queue | undefined;
  #connecting: Promise<void> | undefined;
  #workers: WorkerInfo[] = [];
  /** When #workers was read: a run starts on a list this recent without asking Redis again. */
  #workersAtMs = 0;
  #reading: Promise<WorkerInfo[]> | undefined;
  readonly #readers = new Readers(
    () => connectRedis(this.address, { name: "paralab-kernel events", hint: LOCAL_POOL_HINT }),
    () => this.#redis,
  );
  #runs = new Set<ClusterRun<unknown>>();
  /** Where this kernel's graph results wait in Redis, for the tasks (and later computes) that read them. */
  readonly #results = randomBytes(8).toString("hex");
  #closed = false;

  constructor(
    readonly address: ClusterAddress,
    /** Read at each run (throws ClusterKeyError naming what to set). */
    private readonly key: () => Buffer,
    /** A runtime caught an error outside its task (as the local pool's onBackgroundError). */
    private readonly onBackgroundError?: (error: BackgroundError) => void,
  ) {}

  /** Slots (runtimes) of the workers seen last. */
  get size(): number {
    return this.#workers.reduce((n, w) => n + w.slots, 0);
  }

  /** How to start a worker for this cluster, for messages. */
  get startHint(): string {
    const { address } = this;
    const url = address.display.replace(/\/[^/]*$/, "");
    return (
      `Start one on any machine: paralab worker --redis ${url}` +
      `${address.queue === "paralab" ? "" : ` --queue ${address.queue}`} (with the kernel's PARALAB_CLUSTER_KEY or --key-file).`
    );
  }

  /** Connects (again, if the last connection broke); throws ClusterUnreachableError. */
  async connect(): Promise<void> {
    if (this.#closed) throw new PoolClosedError("This cluster connection is closed; %cluster URL opens a new one.");
    const current = this.#redis;
    if (current?.status === "ready") return;
    // A connection trying to come back is left to the run that uses it; otherwise start afresh,
    // so that a Redis that went away is reported as unreachable, not as a half-open socket.
    if (current && !isGone(current) && this.#runs.size > 0) return;
    this.#connecting ??= (async () => {
      const old = this.#queue;
      this.#queue = undefined;
      await old?.close().catch(() => undefined);
      this.#redis?.disconnect();
      const redis = await connectRedis(this.address, { name: "paralab-kernel", hint: LOCAL_POOL_HINT });
      this.#redis = redis;
      this.#queue = new Queue(this.address.queue, { connection: redis, prefix: BULLMQ_PREFIX });
      this.#queue.on("error", () => undefined); // reported by the run that meets it
    })().finally(() => (this.#connecting = undefined));
    await this.#connecting;
  }

  /** The workers serving the queue now. */
  async workers(): Promise<WorkerInfo[]> {
    await this.connect();
    try {
      this.#workers = await listWorkers(this.#redis!, this.address.queue);
      this.#workersAtMs = Date.now();
    } catch (e) {
      if (isUnanswered(e)) throw unanswered(this.address, LOCAL_POOL_HINT);
      throw isConnectionLoss(e, this.#redis!) ? unreachable(this.address, e as Error, LOCAL_POOL_HINT) : e;
    }
    return this.#workers;
  }

  /**
   * The workers as last read, read again once that is a heartbeat old (the registry changes no
   * faster): the Parallel panel asks every tick, and panels and runs share the one read.
   */
  recentWorkers(): Promise<WorkerInfo[]> {
    const redis = this.#redis;
    if (redis && !isGone(redis) && Date.now() - this.#workersAtMs < HEARTBEAT_MS) return Promise.resolve(this.#workers);
    return (this.#reading ??= this.workers().finally(() => (this.#reading = undefined)));
  }

  /** Workers cannot be started from here: checks that some are there, and says how to start one if not. */
  async ensureWorkers(): Promise<{ started: number; ms: number }> {
    const workers = await this.workers();
    if (!workers.length)
      throw new ClusterNoWorkersError(
        `no paralab worker serves queue ${this.address.queue} on ${this.address.display}. ${this.startHint}`,
      );
    return { started: 0, ms: 0 };
  }

  runMap(job: MapJob, hooks: JobHooks = {}): Promise<JobResult> {
    return this.#run((link, workers) => new ClusterMapRun(link, job, hooks, workers));
  }

  runGraph(job: GraphJob, scheduler: GraphScheduler, hooks: GraphHooks = {}): Promise<GraphResult> {
    return this.#run((link, workers) => new ClusterGraphRun(link, job, scheduler, hooks, workers, this.#results));
  }

  runSpmd(job: SpmdJob, hooks: JobHooks = {}): Promise<JobResult> {
    return this.#run((link, workers) => new ClusterSpmdRun(link, job, hooks, workers));
  }

  /** One row per runtime of the workers seen last (the kernel sees their slots, not their threads). */
  status(): WorkerStatus[] {
    let rank = 0;
    return this.#workers.flatMap((w) =>
      Array.from({ length: w.slots }, (_, i) => ({
        rank: rank++,
        kind: "thread" as const,
        state: i < w.busy ? ("busy" as const) : ("idle" as const),
        tasksDone: 0,
        cpuTimeMs: 0,
        memoryBytes: 0,
        pid: w.pid,
      })),
    );
  }

  /** Starts a run on the workers there are now (there must be some), and waits for it. */
  async #run<R>(make: (link: RunLinkDeps, workers: WorkerInfo[]) => ClusterRun<R>): Promise<R> {
    const key = this.key();
    // The registry changes once a heartbeat (a second): a list read within it is as good as a new one.
    const fresh = this.#workers.length && Date.now() - this.#workersAtMs < HEARTBEAT_MS && !isGone(this.#redis!);
    const workers = fresh ? this.#workers : await this.workers();
    if (!workers.length)
      throw new ClusterNoWorkersError(
        `no paralab worker serves queue ${this.address.queue} on ${this.address.display}. ${this.startHint}`,
      );
    const run = make(
      {
        address: this.address,
        key,
        redis: this.#redis!,
        queue: this.#queue!,
        readers: this.#readers,
        listWorkers: () => listWorkers(this.#redis!, this.address.queue),
        startHint: this.startHint,
        onBackgroundError: this.onBackgroundError,
      },
      workers,
    );
    this.#runs.add(run);
    try {
      await run.start();
      return await run.done;
    } finally {
      this.#runs.delete(run);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const run of this.#runs) run.abort(new Error("the cluster connection was closed"));
    await this.#dropResults().catch(() => undefined);
    await this.#queue?.close().catch(() => undefined);
    this.#readers.close();
    this.#redis?.disconnect();
  }

  /** Graph results kept in Redis for later computes: no later compute will read them through this runner. */
  async #dropResults(): Promise<void> {
    const redis = this.#redis;
    if (!redis || isGone(redis)) return;
    const match = clusterKeys(this.address.queue).result(this.#results, "*");
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
}
