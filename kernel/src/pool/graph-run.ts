/**
 * One running task graph on the pool: the mechanics only. The scheduler (graph/scheduler.ts,
 * behind run/graphs.ts) decides what runs where; this class sends the tasks, moves inputs worker
 * to worker (MessagePort between threads, relayed through the pool between processes), tells
 * workers when to drop results, and reports what happened. Like JobRun, it never changes a
 * worker's state itself: the pool does, through the JobHost.
 */
import { MessageChannel } from "node:worker_threads";
import { TaskAbortedError, WorkerExitError } from "../errors";
import { estimateBytes } from "../transfer/bytes";
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
import type {
  GraphRelayMessage,
  GraphResultMessage,
  GraphTaskItem,
  ResultMessage,
  GraphTaskMessage,
  WorkerKind,
} from "../run/messages";
import type { JobHost } from "./job";
import type { InFlight, TaskOwner, WorkerSlot } from "./slot";

export interface GraphHost extends JobHost {
  /** The live worker with this key (any rank), or undefined when it is gone. */
  slotByKey(key: number): WorkerSlot | undefined;
}

export interface GraphSpec {
  id: number;
  job: GraphJob;
  scheduler: GraphScheduler;
  hooks: GraphHooks;
  /** Estimated bytes of job.vars, copied to each worker that runs a task. */
  varsBytes: number;
  kind: WorkerKind;
}

/** A batch of tasks on one worker. */
interface Running {
  rank: number;
  sentMs: number;
  items: {
    id: string;
    /** Inputs on their way from other workers: node id → sender rank. */
    incoming: Map<string, number>;
  }[];
}

export class GraphRun implements TaskOwner {
  readonly done: Promise<GraphResult>;
  private resolve!: (r: GraphResult) => void;
  private settled = false;
  private readonly tasks = new Map<string, GraphTaskSpec>();
  private readonly outputs: Set<string>;
  private readonly running = new Map<number, Running>();
  /** Outputs already on a worker that only need to come back: id → holder rank. */
  private readonly comingBack = new Map<string, number>();
  private readonly tally: GraphTally;
  private readonly ports = new Set<string>();
  private readonly touched = new Set<WorkerSlot>();
  private taskSeq = 0;
  private readonly bytesMoved = { port: 0, relay: 0 };
  private readonly onAbort = (): void => this.abort(this.spec.hooks.signal?.reason);

  constructor(
    private readonly spec: GraphSpec,
    private readonly host: GraphHost,
  ) {
    this.done = new Promise((res) => (this.resolve = res));
    for (const t of spec.job.tasks) this.tasks.set(t.id, t);
    this.outputs = new Set(spec.job.outputs);
    this.tally = new GraphTally(spec.scheduler, this.outputs, spec.hooks);
  }

  get id(): number {
    return this.spec.id;
  }

  start(): void {
    const signal = this.spec.hooks.signal;
    if (signal?.aborted) return this.abort(signal.reason);
    signal?.addEventListener("abort", this.onAbort, { once: true });
    this.tally.started();
    const alive = new Map<string, HeldResult>();
    for (const [id, kept] of Object.entries(this.spec.job.kept) as [string, KeptResult][]) {
      const slot = this.host.slotByKey(kept.worker);
      if (slot) alive.set(id, { rank: slot.rank, bytes: kept.bytes });
    }
    for (const [id, rank] of this.spec.scheduler.start(alive)) {
      this.comingBack.set(id, rank);
      this.sendTo(rank, { type: "graph-send", jobId: this.id, nodeId: id, to: -1, via: "relay" });
    }
    this.pump();
  }

  /** Gives tasks to idle workers; finishes when nothing runs or can run. */
  pump(): void {
    if (this.settled) return;
    const idle: number[] = [];
    let alive = 0;
    for (let r = 0; r < this.spec.job.workers; r++) {
      const slot = this.host.slot(r);
      if (slot && slot.state !== "dead") alive++;
      if (slot && slot.state === "idle" && !slot.task) idle.push(r);
    }
    if (alive === 0 && !this.spec.scheduler.finished) {
      return this.abort(undefined, WorkerExitError.notStarted(0, true));
    }
    if (idle.length > 0) {
      for (const [rank, batch] of batchesByRank(this.spec.scheduler.assign(idle))) this.dispatch(rank, batch);
    }
    if (this.spec.scheduler.finished && this.running.size === 0 && this.comingBack.size === 0) this.finish();
  }

  onResult(slot: WorkerSlot, m: ResultMessage | GraphResultMessage): void {
    if (this.settled || m.type !== "graph-result" || m.jobId !== this.id) return;
    const r = this.running.get(m.taskId);
    if (!r) return this.pump();
    this.running.delete(m.taskId);
    for (const o of m.outcomes) {
      for (const release of this.tally.reported(o, slot.rank, slot.rank))
        this.sendTo(release.rank, { type: "graph-release", nodeIds: release.ids });
    }
    this.tally.progress(m.outcomes.length);
    this.pump();
  }

  /** A value on its way from one process worker to another, or back to the kernel. */
  onRelay(m: GraphRelayMessage): void {
    if (this.settled || m.jobId !== this.id) return;
    if (m.to === -1) {
      this.comingBack.delete(m.nodeId);
      if (m.missing === undefined) this.tally.valueBack(m.nodeId, m.value, m.bytes);
      else this.tally.valueLost(m.nodeId, -1, new Error(m.missing));
      return this.pump();
    }
    this.bytesMoved.relay += m.bytes;
    this.sendTo(m.to, { type: "graph-value", jobId: this.id, nodeId: m.nodeId, value: m.value, missing: m.missing });
  }

  /** The worker holding `task` died or was stopped: the task fails, and the results it held are gone. */
  onWorkerLost(slot: WorkerSlot, task: InFlight, error: WorkerExitError): void {
    if (this.settled || task.jobId !== this.id) return;
    const r = this.running.get(task.taskId);
    if (r) {
      this.running.delete(task.taskId);
      for (const item of r.items) this.tally.failed(item.id, slot.rank, r.sentMs, error);
    }
    this.workerGone(slot.rank);
    this.pump();
  }

  onStream(rank: number, name: "stdout" | "stderr", text: string): void {
    this.spec.hooks.onStream?.(rank, name, text);
  }

  /** Interrupt, timeout or close: cancel what runs (replacing those workers), run nothing more. */
  abort(reason?: unknown, error: Error = new TaskAbortedError(reason)): void {
    if (this.settled) return;
    this.spec.scheduler.abort();
    for (const [taskId, r] of this.running) {
      this.running.delete(taskId);
      for (const item of r.items) this.tally.cancelled(item.id, r.rank, r.sentMs);
      const slot = this.host.slot(r.rank);
      if (slot?.task?.jobId === this.id) this.host.replace(slot);
      this.spec.scheduler.lost(r.rank);
    }
    this.comingBack.clear();
    this.finish(error);
  }

  /** Sends one batch (often of one task) to an idle worker, and starts the copies of its inputs. */
  private dispatch(rank: number, batch: Assignment[]): void {
    const slot = this.host.slot(rank)!;
    const items: GraphTaskItem[] = [];
    const running: Running["items"] = [];
    const edges: GraphEdgeRun[] = [];
    let bytesIn = 0;
    for (const a of batch) {
      const spec = this.tasks.get(a.id)!;
      const incoming = new Map<string, number>();
      for (const input of a.inputs) {
        if (input.from === undefined) {
          edges.push({ from: input.id, to: a.id, bytes: 0, path: "local" });
          continue;
        }
        const bytes = this.spec.scheduler.bytesOf(input.id) ?? 0;
        incoming.set(input.id, input.from);
        const via = this.spec.kind === "thread" ? "port" : "relay";
        if (via === "port") {
          this.connect(input.from, rank);
          this.bytesMoved.port += bytes;
        }
        edges.push({ from: input.id, to: a.id, bytes, path: via });
        this.sendTo(input.from, { type: "graph-send", jobId: this.id, nodeId: input.id, to: rank, via });
      }
      items.push({
        nodeId: a.id,
        code: spec.code,
        args: spec.args,
        refs: spec.refs,
        incoming: [...incoming.keys()],
        keep: a.keep,
        ret: this.outputs.has(a.id),
      });
      running.push({ id: a.id, incoming });
      bytesIn += estimateBytes(spec.args);
    }
    const first = slot.varsJobId !== this.id;
    if (first) bytesIn += this.spec.varsBytes;
    const msg: GraphTaskMessage = {
      type: "graph-task",
      jobId: this.id,
      taskId: ++this.taskSeq,
      // With the first batch on each worker: the job's variables and code (pool.ts marks vars sent).
      vars: first ? this.spec.job.vars : undefined,
      codes: first ? this.spec.job.codes : undefined,
      items,
    };
    const sentMs = epochMs();
    const task: InFlight = {
      owner: this,
      jobId: this.id,
      taskId: msg.taskId,
      start: 0,
      count: items.length,
      bytesIn,
      spmd: false,
      sentMs,
    };
    try {
      this.host.assign(slot, msg, task);
    } catch (e) {
      const error = unsendableArguments(
        items.map((i) => i.nodeId),
        e,
      );
      for (const item of items) this.tally.failed(item.nodeId, rank, epochMs(), error);
      return;
    }
    this.touched.add(slot);
    this.tally.sent(bytesIn, edges);
    this.running.set(msg.taskId, { rank, sentMs, items: running });
  }

  /** A MessageChannel between two thread workers, made once per job and pair. */
  private connect(a: number, b: number): void {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (this.ports.has(key)) return;
    this.ports.add(key);
    const { port1, port2 } = new MessageChannel();
    const sa = this.host.slot(a);
    const sb = this.host.slot(b);
    if (!sa || !sb) return;
    sa.worker.send({ type: "graph-port", jobId: this.id, peer: b, port: port1 }, [port1]);
    sb.worker.send({ type: "graph-port", jobId: this.id, peer: a, port: port2 }, [port2]);
    this.touched.add(sa);
    this.touched.add(sb);
  }

  /** Results on `rank` are gone: tasks waiting for them elsewhere are told, and outputs cannot come back. */
  private workerGone(rank: number): void {
    this.spec.scheduler.lost(rank);
    const why = `worker w${rank} stopped before sending it`;
    for (const r of this.running.values()) {
      for (const item of r.items) {
        for (const [nodeId, from] of item.incoming) {
          if (from === rank)
            this.sendTo(r.rank, { type: "graph-value", jobId: this.id, nodeId, missing: `${nodeId}: ${why}` });
        }
      }
    }
    for (const [id, from] of this.comingBack) {
      if (from !== rank) continue;
      this.comingBack.delete(id);
      this.tally.valueLost(id, rank, new Error(`${id}: ${why}`));
    }
  }

  private sendTo(rank: number, msg: Parameters<WorkerSlot["worker"]["send"]>[0]): void {
    const slot = this.host.slot(rank);
    if (!slot) return;
    this.touched.add(slot);
    try {
      slot.worker.send(msg);
    } catch {
      // a dead worker's channel: its exit is reported separately
    }
  }

  private finish(aborted?: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.spec.hooks.signal?.removeEventListener("abort", this.onAbort);
    for (const slot of this.touched) {
      if (!slot.retired && slot.state !== "dead") slot.worker.send({ type: "graph-end", jobId: this.id });
    }
    const kept: Record<string, KeptResult> = {};
    for (const [id, held] of this.spec.scheduler.holdings()) {
      const slot = this.host.slot(held.rank);
      if (slot && !slot.retired && slot.state !== "dead") kept[id] = { worker: slot.key, bytes: held.bytes };
    }
    this.resolve(this.tally.outcome({ kept, bytesMoved: this.bytesMoved, workers: this.spec.job.workers, aborted }));
  }
}
