/**
 * Kernel side: one task graph on the cluster (README, Clusters: task graphs), driven by the same
 * scheduler as the local pool (graph/scheduler.ts, behind run/graphs.ts). The scheduler's ranks
 * are the run's slots: each slot has at most one batch in the queue or running.
 *
 * Data stays where it was made when it is big: a worker process keeps such a result in the
 * runtime that made it (held-results.ts) and tells only its size; a batch that reads results held
 * by one process goes to that process's own list of tasks (keys.home) and reads them with no copy.
 * Small results wait in Redis (signed, see sealed.ts), where any runtime reads them, and a batch
 * that reads none that are held goes to the shared queue, to whichever runtime is free. A batch
 * reading results held by several processes has the others copy theirs to Redis first (a spill).
 * A result lost with its process (killed, its runtime replaced) is made again from its inputs,
 * in the batch that needs it (its lineage: the graph knows each task's inputs). Only what compute
 * returns comes back to the kernel.
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
import { HOLD_FROM_BYTES } from "./held-results";
import { lineage, type Located } from "./lineage";
import type { WorkerInfo } from "./registry";
import { coalesced } from "./coalesced";
import { cloneError, taskLost } from "./run-errors";
import { RunLink, type RunLinkDeps, type RunOwner } from "./run-link";
import { digest } from "./key";
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

/** Shared data (functions, variables) up to this size travels in every task instead of once through Redis. */
const SHARED_INLINE_BYTES = 16 * 1024;

interface Batch {
  task: number;
  /** The scheduler's rank (a slot of this run), not a runtime. */
  rank: number;
  ids: string[];
  sentMs: number;
  done: boolean;
  /** What the batch runs: `extra` results lost with a worker, made again first, then the tasks of `ids`. */
  items: GraphBodyItem[];
  extra: number;
  /** The process whose own queue it went to (none: the shared queue). */
  process?: string;
  /** Held inputs that other processes are copying to Redis (spills) before the batch can go. */
  spilling: Set<string>;
}

/** Held results a process copies to Redis, for the batches that wait on them. */
interface Spill {
  process: string;
  ids: string[];
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
  /** Where each result later tasks read is: in Redis, or held by a worker process; and its bytes. */
  private readonly where = new Map<string, Located>();
  private readonly spills = new Map<number, Spill>();
  /** Functions (code index) whose results were all small so far in this run: false once one was big. */
  private readonly smallResults = new Map<number, boolean>();
  /** Ids a spill is moving to Redis now (a second batch that reads one waits for the same spill). */
  private readonly spillingNow = new Set<string>();
  /** Processes seen gone from the registry: what they held is lost. */
  private readonly gone = new Set<string>();
  private shared: StoredRef | undefined;
  private sharedInline: Uint8Array | undefined;
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
      await Promise.all([this.storeShared(), this.link.open()]);
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
    if (e.type === "graph-result" && this.spills.has(e.task)) this.onSpilled(e);
    else if (e.type === "graph-result") this.onResult(e);
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
    if (bytes.length <= SHARED_INLINE_BYTES) {
      this.shared = { key: this.link.keys.vars(this.link.run), digest: digest(bytes) };
      this.sharedInline = bytes;
    } else {
      const { bytes: _stored, ...ref } = await this.link.storeShared(bytes);
      this.shared = ref;
    }
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
      this.where.set(id, { bytes: k.bytes });
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
    await this.send([...batches.values()].flatMap((batch) => this.prepare(batch) ?? []));
    if (this.scheduler.finished && this.busy.size === 0) this.finish();
  });

  /** One batch of assignments on one rank, sent (or waiting for spills); undefined when its arguments cannot travel. */
  private prepare(batch: Assignment[]): { task: number; data: TaskData; process?: string } | undefined {
    const items: GraphBodyItem[] = [];
    let bytesIn = 0;
    for (const a of batch) {
      const spec = this.tasks.get(a.id)!;
      items.push({
        nodeId: a.id,
        code: spec.code,
        args: spec.args,
        refs: spec.refs,
        fetch: [],
        store: a.keep,
        ...(a.keep && this.smallResults.get(spec.code) ? { small: true } : {}),
        ret: this.outputs.has(a.id),
      });
      bytesIn += estimateBytes(spec.args);
    }
    const b: Batch = {
      task: ++this.taskSeq,
      rank: batch[0].rank,
      ids: items.map((i) => i.nodeId),
      sentMs: epochMs(),
      done: false,
      items,
      extra: 0,
      spilling: new Set(),
    };
    const out = this.route(b);
    if (!out) {
      for (const id of b.ids) this.tally.failed(id, -1, epochMs(), this.why!);
      return undefined;
    }
    this.busy.add(b.rank);
    // An input read from Redis (small, or spilled by another process) moved; one made earlier in
    // the batch or held where the batch runs is read in place.
    const edges: GraphEdgeRun[] = [];
    batch.forEach((a, j) => {
      const item = b.items[b.extra + j];
      for (const input of a.inputs) {
        const bytes = item.fetch.includes(input.id) ? (this.where.get(input.id)?.bytes ?? 0) : 0;
        edges.push({
          from: input.id,
          to: a.id,
          bytes,
          path: bytes || item.fetch.includes(input.id) ? "redis" : "local",
        });
        this.bytesMoved += bytes;
      }
    });
    this.tally.sent(bytesIn, edges);
    return out === true ? undefined : out;
  }

  /** Why route() could not send a batch (its arguments cannot travel, or a lost input cannot be made again). */
  private why: Error | undefined;

  /**
   * Says where each input of the batch's items is read from, and picks the queue: the process
   * that holds the most bytes of them, once any others held elsewhere are in Redis. Results lost
   * with a process are made again first. Returns the task to add, true when it waits for spills,
   * undefined when its arguments cannot travel.
   */
  private route(b: Batch): { task: number; data: TaskData; process?: string } | true | undefined {
    const redo = lineage(b.items.slice(b.extra), this.tasks, (id) => this.located(id));
    if (redo.missing) {
      this.why = new Error(redo.missing);
      return undefined;
    }
    const items: GraphBodyItem[] = [
      ...redo.items.map((spec) => ({
        nodeId: spec.id,
        code: spec.code,
        args: spec.args,
        refs: spec.refs,
        fetch: [],
        // kept where it is made: other batches that lost the same input read it from there
        store: true,
        ret: false,
      })),
      ...b.items.slice(b.extra),
    ];
    b.items = items;
    b.extra = redo.items.length;
    const madeHere = new Set<string>();
    const heldBy = new Map<string, number>();
    for (const item of items) {
      for (const id of this.tasks.get(item.nodeId)?.deps ?? []) {
        const at = madeHere.has(id) ? undefined : this.where.get(id);
        if (at?.process) heldBy.set(at.process, (heldBy.get(at.process) ?? 0) + at.bytes);
      }
      madeHere.add(item.nodeId);
    }
    const process = [...heldBy.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
    madeHere.clear();
    const spill = new Map<string, string[]>();
    for (const item of items) {
      item.fetch = [];
      item.held = [];
      for (const id of this.tasks.get(item.nodeId)?.deps ?? []) {
        if (madeHere.has(id) || item.fetch.includes(id) || item.held.includes(id)) continue;
        const at = this.where.get(id);
        if (at?.process === process && process) item.held.push(id);
        else if (at?.process) {
          spill.set(at.process, [...(spill.get(at.process) ?? []), id]);
          b.spilling.add(id);
          item.fetch.push(id);
        } else item.fetch.push(id);
      }
      if (!item.held.length) delete item.held;
      madeHere.add(item.nodeId);
    }
    b.process = process;
    this.batches.set(b.task, b);
    if (spill.size) {
      for (const [from, ids] of spill) this.sendSpill(from, ids);
      return true;
    }
    return this.taskOf(b);
  }

  /** The signed task of a batch, ready to add; undefined when its arguments cannot travel. */
  private taskOf(b: Batch): { task: number; data: TaskData; process?: string } | undefined {
    const body: GraphBody = {
      kind: "graph",
      shared: this.shared!,
      ...(this.sharedInline ? { sharedInline: this.sharedInline } : {}),
      results: this.results,
      items: b.items,
    };
    try {
      return { task: b.task, data: this.link.taskData(b.task, body), process: b.process };
    } catch (e) {
      this.batches.delete(b.task);
      this.why = unsendableArguments(b.ids, e);
      return undefined;
    }
  }

  /** Where a result is now, unless it was lost with its process. */
  private located(id: string): Located | undefined {
    const at = this.where.get(id);
    if (at?.process && this.gone.has(at.process)) {
      this.where.delete(id);
      return undefined;
    }
    return at;
  }

  /** Asks `process` to copy held results to Redis (a batch elsewhere reads them). */
  private sendSpill(process: string, all: string[]): void {
    const ids = all.filter((id) => !this.spillingNow.has(id));
    if (!ids.length) return;
    for (const id of ids) this.spillingNow.add(id);
    const task = ++this.taskSeq;
    this.spills.set(task, { process, ids });
    const body: GraphBody = { kind: "graph", shared: this.shared!, results: this.results, items: [], spill: ids };
    void this.link
      .add([{ task, data: this.link.taskData(task, body) }], process)
      .catch((err) => this.fail(this.link.asConnectionError(err)));
  }

  /** Adds tasks to their queues: the shared one, or the own queue of the process that holds their inputs. */
  private async send(tasks: { task: number; data: TaskData; process?: string }[]): Promise<void> {
    const byQueue = new Map<string | undefined, { task: number; data: TaskData }[]>();
    for (const t of tasks) {
      byQueue.set(t.process, [...(byQueue.get(t.process) ?? []), { task: t.task, data: t.data }]);
    }
    await Promise.all([...byQueue].map(([home, list]) => this.link.add(list, home)));
  }

  /** Held results copied to Redis: the batches waiting on them go. */
  private onSpilled(e: Extract<GraphEvent, { type: "graph-result" }>): void {
    const spill = this.spills.get(e.task)!;
    this.spills.delete(e.task);
    for (const id of spill.ids) this.spillingNow.delete(id);
    for (const [id, bytes] of Object.entries(e.stored)) this.where.set(id, { bytes });
    for (const id of e.lost ?? []) if (this.where.get(id)?.process === spill.process) this.where.delete(id);
    const ready: Batch[] = [];
    for (const b of this.batches.values()) {
      if (b.done || !b.spilling.size) continue;
      for (const id of spill.ids) b.spilling.delete(id);
      if (!b.spilling.size) ready.push(b);
    }
    // routed again: where the inputs are has changed (in Redis now, or lost and to be made again)
    this.resend(ready, true);
  }

  /** Sends batches again (after spills, or after their inputs or their process were lost). */
  private resend(batches: Batch[], reroute: boolean): void {
    const tasks: { task: number; data: TaskData; process?: string }[] = [];
    for (const b of batches) {
      if (reroute) {
        this.batches.delete(b.task);
        b.task = ++this.taskSeq;
        b.spilling.clear();
        const out = this.route(b);
        if (out === true) continue;
        if (out) tasks.push(out);
        else this.failBatch(b, this.why!);
      } else {
        const out = this.taskOf(b);
        if (out) tasks.push(out);
        else this.failBatch(b, this.why!);
      }
    }
    void this.send(tasks).catch((err) => this.fail(this.link.asConnectionError(err)));
  }

  private failBatch(b: Batch, error: Error): void {
    this.batches.set(b.task, b);
    this.settleBatch(b, (id) => this.tally.failed(id, -1, b.sentMs, error));
  }

  /**
   * The live workers: what a process gone from the registry held is lost, and its batches (queued
   * on its own list, or running there) are sent again, making the lost inputs again first.
   */
  onWorkers(live: WorkerInfo[]): void {
    if (this.settled) return;
    const alive = new Set(live.map((w) => w.id));
    // one that was only late with its heartbeats (a stalled machine) holds results again from now on
    for (const p of this.gone) if (alive.has(p)) this.gone.delete(p);
    const dead = new Set<string>();
    for (const at of this.where.values()) if (at.process && !alive.has(at.process)) dead.add(at.process);
    for (const b of this.batches.values()) if (!b.done && b.process && !alive.has(b.process)) dead.add(b.process);
    for (const s of this.spills.values()) if (!alive.has(s.process)) dead.add(s.process);
    if (!dead.size) return;
    for (const p of dead) this.gone.add(p);
    for (const [id, at] of this.where) if (at.process && dead.has(at.process)) this.where.delete(id);
    for (const [task, s] of this.spills) {
      if (!dead.has(s.process)) continue;
      this.spills.delete(task);
      for (const id of s.ids) this.spillingNow.delete(id);
    }
    const again = [...this.batches.values()].filter(
      (b) => !b.done && ((b.process && dead.has(b.process)) || [...b.spilling].some((id) => !this.where.has(id))),
    );
    const names = [...dead].join(", ");
    for (const p of dead) void this.link.dropHome(p);
    for (const b of again) {
      this.hooks.onStream?.(
        -1,
        "stderr",
        `task ${b.task} (${this.describe(b)}) is sent again: ${names} stopped (no heartbeat) with results it held; ` +
          `the lost ones are made again from their inputs.\n`,
        "cluster",
      );
    }
    this.resend(again, true);
  }

  private onResult(e: Extract<GraphEvent, { type: "graph-result" }>): void {
    const batch = this.batches.get(e.task);
    if (!batch || batch.done) return; // a second report of a retried task is not counted again
    if (e.lost?.length) {
      // The process no longer has inputs it held (its runtime was replaced): make them again.
      for (const id of e.lost) if (this.where.get(id)?.process === e.process) this.where.delete(id);
      return this.resend([batch], true);
    }
    const lane = this.link.lane(e.worker);
    for (const [id, bytes] of Object.entries(e.stored)) this.where.set(id, { bytes });
    for (const [id, bytes] of Object.entries(e.held ?? {})) this.where.set(id, { bytes, process: e.process });
    const released: string[] = [];
    for (const [i, o] of e.outcomes.entries()) {
      const code = batch.items[i]?.code;
      if (code !== undefined && !o.error)
        this.smallResults.set(code, o.resultBytes < HOLD_FROM_BYTES && this.smallResults.get(code) !== false);
    }
    this.settleBatch(
      batch,
      (_, i) => {
        const o = e.outcomes[i + batch.extra];
        const there = e.stored[o.nodeId] ?? e.held?.[o.nodeId] ?? o.resultBytes;
        for (const r of this.tally.reported(o, lane, batch.rank, there)) released.push(...r.ids);
      },
      // before the next tasks go: a runtime drops what no task reads before it starts the next one
      // (it would otherwise hold one more big result through that task, and collect garbage more)
      () => released.length && this.dropResults(released),
    );
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
  private settleBatch(batch: Batch, settle: (id: string, i: number) => void, beforeNext?: () => void): void {
    batch.done = true;
    this.busy.delete(batch.rank);
    batch.ids.forEach(settle);
    this.tally.progress(batch.ids.length);
    beforeNext?.();
    void this.pump().catch((err) => this.fail(this.link.asConnectionError(err)));
  }

  /** Results no task will read any more: deleted from Redis, or dropped by the process that holds them. */
  private dropResults(ids: string[]): void {
    const inRedis: string[] = [];
    const held = new Map<string, string[]>();
    for (const id of ids) {
      const at = this.where.get(id);
      this.where.delete(id);
      if (at?.process) held.set(at.process, [...(held.get(at.process) ?? []), id]);
      else inRedis.push(id);
    }
    const redis = this.link.d.redis;
    if (inRedis.length) void redis.del(...inRedis.map((id) => this.resultKey(id))).catch(() => undefined);
    // one message for every process: each drops the ids it holds (ids are unique to this kernel's namespace)
    const all = [...held.values()].flat();
    if (all.length)
      void redis
        .publish(this.link.keys.control, JSON.stringify({ type: "release", results: this.results, ids: all }))
        .catch(() => undefined);
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
      const at = this.where.get(id);
      // Held results go with the run (a later compute makes them again): keeping them would pin a
      // worker's memory for as long as the kernel lives.
      if (at?.process) continue;
      kept[id] = { worker: IN_REDIS, bytes: at?.bytes ?? held.bytes };
      this.where.delete(id);
    }
    const heldIds = [...this.where].filter(([, at]) => at.process).map(([id]) => id);
    this.dropResults(heldIds);
    // What is left in Redis and not kept was stored for tasks that will not run now.
    const drop = [...this.where.keys()].map((id) => this.resultKey(id));
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
