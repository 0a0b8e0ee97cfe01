/**
 * Kernel side: one task graph on the cluster (README, Clusters: task graphs), driven by the same
 * scheduler as the local pool (graph/scheduler.ts, behind run/graphs.ts). The scheduler's ranks
 * are the run's slots: each slot has at most one batch in the queue or running, and whichever
 * runtime takes it runs it. A runtime cannot be picked, so no result stays "on a worker": the
 * results later tasks read wait in Redis (signed, see sealed.ts) and every input not made in the
 * same batch is read from there; the bytes of each such edge are what Redis held. Only what
 * compute returns comes back to the kernel.
 */
import { ClusterConnectionLostError, TaskAbortedError, WorkerExitError } from "../errors";
import type {
  Assignment,
  GraphEdgeRun,
  GraphHooks,
  GraphJob,
  GraphResult,
  GraphScheduler,
  GraphTaskSpec,
  HeldResult,
  KeptResult,
} from "../run/graphs";
import { epochMs } from "../run/clock";
import { batchesByRank, unsendableArguments } from "../run/graph-runs";
import { GraphTally } from "../run/graph-tally";
import { estimateBytes, estimateVarsBytes } from "../transfer/bytes";
import type { WorkerInfo } from "./registry";
import { coalesced } from "./coalesced";
import { cloneError, taskLost } from "./run-errors";
import { RunLink, type RunLinkDeps, type RunOwner } from "./run-link";
import { unseal } from "./sealed";
import {
  encode,
  type ClusterEvent,
  type GraphBody,
  type GraphBodyItem,
  type GraphShared,
  type StoredRef,
  type TaskData,
} from "./wire";

/** A kept result on a cluster is in Redis, not on a worker: every kept result names this "worker". */
export const IN_REDIS = 0;

interface Batch {
  task: number;
  /** The scheduler's rank (a slot of this run), not a runtime. */
  rank: number;
  ids: string[];
  sentMs: number;
  done: boolean;
}

type GraphEvent = Exclude<ClusterEvent, { type: "stream" | "refused" | "uncaught" }>;

export class ClusterGraphRun implements RunOwner {
  readonly done: Promise<GraphResult>;
  private resolve!: (r: GraphResult) => void;
  private settled = false;
  private readonly link: RunLink;
  private readonly tasks = new Map<string, GraphTaskSpec>();
  private readonly outputs: Set<string>;
  private readonly batches = new Map<number, Batch>();
  /** Ranks with a batch out. */
  private readonly busy = new Set<number>();
  private readonly tally: GraphTally;
  /** Results in Redis, this run's and kept ones: node id → bytes there. */
  private readonly inRedis = new Map<string, number>();
  private shared: StoredRef | undefined;
  private taskSeq = 0;
  private bytesMoved = 0;
  private readonly onAbort = (): void => this.abort(this.hooks.signal?.reason);

  constructor(
    d: RunLinkDeps,
    private readonly job: GraphJob,
    private readonly scheduler: GraphScheduler,
    private readonly hooks: GraphHooks,
    workers: WorkerInfo[],
    /** Where this kernel's results live in Redis (clusterKeys().result). */
    private readonly results: string,
  ) {
    this.link = new RunLink(d, this, hooks.onStream, workers);
    this.done = new Promise((res) => (this.resolve = res));
    for (const t of job.tasks) this.tasks.set(t.id, t);
    this.outputs = new Set(job.outputs);
    this.tally = new GraphTally(scheduler, this.outputs, hooks);
  }

  async start(): Promise<void> {
    const signal = this.hooks.signal;
    if (signal?.aborted) return this.abort(signal.reason);
    signal?.addEventListener("abort", this.onAbort, { once: true });
    this.tally.started();
    try {
      await this.storeShared();
      await this.link.open();
      if (this.settled) return;
      const comingBack = this.scheduler.start(await this.keptInRedis());
      await this.fetchBack([...comingBack.keys()]);
      await this.pump();
    } catch (e) {
      this.fail(this.link.asConnectionError(e));
    }
  }

  onEvent(e: GraphEvent): void {
    if (this.settled) return;
    if (e.type === "graph-result") this.onResult(e);
    else if (e.type === "lost") this.onLost(e);
    else if (e.type === "retry") this.onRetry(e);
  }

  onTaskFailed(task: number, reason: string | undefined): void {
    const batch = this.batches.get(task);
    if (this.settled || !batch || batch.done) return;
    const error = taskLost(task, this.describe(batch), reason, this.doneText());
    this.settleBatch(batch, (id) => this.tally.failed(id, -1, batch.sentMs, error));
  }

  openTasks(): number[] {
    return [...this.batches.values()].filter((b) => !b.done).map((b) => b.task);
  }

  doneText(): string {
    return `${this.tally.done} of ${this.scheduler.total} tasks were done`;
  }

  /** The run cannot go on (no worker left, Redis gone, every worker refusing): it stops as an interrupt would. */
  fail(error: Error): void {
    this.stop(error);
  }

  /** Interrupt or timeout: queued batches are removed, running ones stopped, nothing more runs. */
  abort(reason?: unknown): void {
    this.stop(new TaskAbortedError(reason));
  }

  private async storeShared(): Promise<void> {
    const shared: GraphShared = { vars: this.job.vars, codes: this.job.codes };
    let bytes: Buffer;
    try {
      bytes = encode(shared);
    } catch (e) {
      throw cloneError(this.job.vars, e);
    }
    const { bytes: _stored, ...ref } = await this.link.storeShared(bytes);
    this.shared = ref;
    // Counted as the pool counts them, so that the same graph gives the same record on either.
    this.tally.sentShared(estimateVarsBytes(this.job.vars));
  }

  /** The kept results of earlier runs that are still in Redis. */
  private async keptInRedis(): Promise<Map<string, HeldResult>> {
    const kept = Object.entries(this.job.kept) as [string, KeptResult][];
    const alive = new Map<string, HeldResult>();
    if (!kept.length) return alive;
    const there = await Promise.all(kept.map(([id]) => this.link.d.redis.exists(this.resultKey(id))));
    kept.forEach(([id, k], i) => {
      if (!there[i]) return;
      alive.set(id, { rank: 0, bytes: k.bytes });
      this.inRedis.set(id, k.bytes);
    });
    return alive;
  }

  /** Outputs that an earlier run left in Redis: the kernel reads them itself. */
  private async fetchBack(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const bytes = await this.link.d.redis.mgetBuffer(...ids.map((id) => this.resultKey(id)));
    ids.forEach((id, i) => {
      const b = bytes[i];
      try {
        if (!b) throw new Error(`the result of ${id} is no longer in Redis (it expired or was deleted)`);
        this.tally.valueBack(id, unseal(this.link.d.key, this.resultKey(id), b), b.length);
      } catch (e) {
        this.tally.valueLost(id, -1, e as Error);
      }
    });
  }

  /** Gives batches to the slots that have none; finishes when nothing runs or can run. */
  private readonly pump = coalesced(async () => {
    if (this.settled) return;
    const idle: number[] = [];
    for (let r = 0; r < this.job.workers; r++) if (!this.busy.has(r)) idle.push(r);
    const batches = idle.length ? batchesByRank(this.scheduler.assign(idle)) : new Map<number, Assignment[]>();
    await this.link.add([...batches.values()].flatMap((batch) => this.prepare(batch) ?? []));
    if (this.scheduler.finished && this.busy.size === 0) this.finish();
  });

  /** One BullMQ task for a batch of assignments on one rank, or undefined when its arguments cannot travel. */
  private prepare(batch: Assignment[]) {
    const items: GraphBodyItem[] = [];
    const edges: GraphEdgeRun[] = [];
    const madeHere = new Set<string>();
    let bytesIn = 0;
    let moved = 0;
    for (const a of batch) {
      const spec = this.tasks.get(a.id)!;
      const fetch: string[] = [];
      for (const input of a.inputs) {
        if (madeHere.has(input.id)) {
          edges.push({ from: input.id, to: a.id, bytes: 0, path: "local" });
          continue;
        }
        const bytes = this.inRedis.get(input.id) ?? 0;
        fetch.push(input.id);
        edges.push({ from: input.id, to: a.id, bytes, path: "redis" });
        moved += bytes;
      }
      items.push({
        nodeId: a.id,
        code: spec.code,
        args: spec.args,
        refs: spec.refs,
        fetch,
        store: a.keep,
        ret: this.outputs.has(a.id),
      });
      madeHere.add(a.id);
      bytesIn += estimateBytes(spec.args);
    }
    const task = ++this.taskSeq;
    const body: GraphBody = { kind: "graph", shared: this.shared!, results: this.results, items };
    let data: TaskData;
    try {
      data = this.link.taskData(task, body);
    } catch (e) {
      const error = unsendableArguments(
        items.map((i) => i.nodeId),
        e,
      );
      for (const item of items) this.tally.failed(item.nodeId, -1, epochMs(), error);
      return undefined;
    }
    const rank = batch[0].rank;
    this.batches.set(task, { task, rank, ids: items.map((i) => i.nodeId), sentMs: epochMs(), done: false });
    this.busy.add(rank);
    this.tally.sent(bytesIn, edges);
    this.bytesMoved += moved;
    return { task, data };
  }

  private onResult(e: Extract<GraphEvent, { type: "graph-result" }>): void {
    const batch = this.batches.get(e.task);
    if (!batch || batch.done) return; // a second report of a retried task is not counted again
    const lane = this.link.lane(e.worker);
    for (const [id, bytes] of Object.entries(e.stored)) this.inRedis.set(id, bytes);
    const released: string[] = [];
    this.settleBatch(batch, (_, i) => {
      const o = e.outcomes[i];
      for (const r of this.tally.reported(o, lane, batch.rank, e.stored[o.nodeId] ?? o.resultBytes))
        released.push(...r.ids);
    });
    if (released.length) this.dropResults(released);
  }

  private onLost(e: Extract<GraphEvent, { type: "lost" }>): void {
    const batch = this.batches.get(e.task);
    if (!batch || batch.done) return;
    const lane = this.link.lane(e.worker);
    const error = new WorkerExitError(lane, { exitCode: e.exitCode, signal: null, cause: e.cause, worker: e.worker });
    this.settleBatch(batch, (id) => this.tally.failed(id, lane, e.startMs, error));
  }

  private onRetry(e: Extract<GraphEvent, { type: "retry" }>): void {
    const batch = this.batches.get(e.task);
    if (!batch || batch.done) return;
    // A graph record keeps one run per task, the one that counted: the lost attempt is told, not drawn.
    const held = e.previous?.worker ?? "the worker that held it";
    this.hooks.onStream?.(
      this.link.lane(e.worker),
      "stderr",
      `task ${e.task} (${this.describe(batch)}) runs again here: ${held} stopped while it ran it (killed, or its machine lost?).\n`,
      e.worker,
    );
  }

  /** Ends a batch: `settle` counts how each of its tasks went (a failed one skips its dependents), and the next batches go out. */
  private settleBatch(batch: Batch, settle: (id: string, i: number) => void): void {
    batch.done = true;
    this.busy.delete(batch.rank);
    batch.ids.forEach(settle);
    this.tally.progress(batch.ids.length);
    void this.pump().catch((err) => this.fail(this.link.asConnectionError(err)));
  }

  /** Results no task will read any more. */
  private dropResults(ids: string[]): void {
    for (const id of ids) this.inRedis.delete(id);
    void this.link.d.redis.del(...ids.map((id) => this.resultKey(id))).catch(() => undefined);
  }

  private stop(error: Error): void {
    if (this.settled) return;
    this.scheduler.abort();
    for (const b of this.batches.values()) {
      if (b.done) continue;
      b.done = true;
      for (const id of b.ids) this.tally.cancelled(id, -1, b.sentMs);
    }
    this.busy.clear();
    this.finish(error);
  }

  private finish(aborted?: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.link.close();
    this.hooks.signal?.removeEventListener("abort", this.onAbort);
    const kept: Record<string, KeptResult> = {};
    for (const [id, held] of this.scheduler.holdings()) {
      kept[id] = { worker: IN_REDIS, bytes: this.inRedis.get(id) ?? held.bytes };
      this.inRedis.delete(id);
    }
    // What is left in Redis and not kept was stored for tasks that will not run now.
    const drop = [...this.inRedis.keys()].map((id) => this.resultKey(id));
    if (aborted && !(aborted instanceof ClusterConnectionLostError)) void this.link.cancel(true, drop);
    else void this.link.cleanup(...drop);
    this.resolve(
      this.tally.outcome({
        kept,
        bytesMoved: { port: 0, relay: 0, redis: this.bytesMoved },
        workers: this.job.workers,
        lanes: this.link.laneNames,
        aborted,
      }),
    );
  }

  private resultKey(id: string): string {
    return this.link.keys.result(this.results, id);
  }

  private describe(batch: Batch): string {
    return batch.ids.length <= 3
      ? batch.ids.join(", ")
      : `${batch.ids.slice(0, 3).join(", ")}, … ${batch.ids.length} tasks`;
  }
}
