/**
 * One running job: hands chunks to idle workers, collects results, and fails, cancels or
 * aborts as a unit. The pool routes worker events here; the job never spawns workers itself.
 */
import { CloneError, SharedMemoryError, TaskAbortedError, WorkerExitError } from "../errors";
import { findSharedMemory } from "../sync/revive";
import { estimateBytes, isShared } from "../transfer/bytes";
import { isTypedArray } from "../transfer/pack-numbers";
import { CommBroker } from "../run/comm-broker";
import { SyncDeadlockWatch } from "./sync-deadlock";
import { clearWait } from "../sync/wait-board";
import type {
  CommMessage,
  GraphResultMessage,
  GraphTaskMessage,
  ResultMessage,
  TaskMessage,
  WireCode,
} from "../run/messages";
import type { WorkerSlot, InFlight, TaskOwner } from "./slot";
import type { Chunk, TaskQueue } from "./task-queue";
import type { JobHooks, JobResult } from "../run/jobs";
import { epochMs } from "../run/clock";
import { MapTally, type SentTask } from "../run/map-tally";
import { Probes } from "../run/probes";
import { findUncloneable } from "./vars";

/** After a failure, a worker that has not finished its task by then is terminated and replaced. */
export const CANCEL_GRACE_MS = 1000;

/** What a job needs from its pool; the pool alone changes a worker's state. */
export interface JobHost {
  slot(rank: number): WorkerSlot | undefined;
  /** Send `msg` to the idle worker and mark it busy with `task`; throws when msg cannot be cloned. */
  assign(slot: WorkerSlot, msg: TaskMessage | GraphTaskMessage, task: InFlight, transfer?: ArrayBuffer[]): void;
  /** Terminate the worker now and start a fresh one at the same rank. */
  replace(slot: WorkerSlot): void;
  /** Thread pools: the shared board where blocked workers show what they wait on. */
  readonly waitBoard?: Int32Array;
}

export interface JobSpec {
  id: number;
  mode: "spmd" | "map";
  code: WireCode;
  items: unknown[];
  vars: Record<string, unknown>;
  varsBytes: number;
  workers: number;
  ordered: boolean;
  continueOnError: boolean;
  chunksize?: number;
  /** Thread pools, map: shared room for the numeric results, one per item (pool/number-buffers.ts). */
  results?: Float64Array;
  queue: TaskQueue;
  hooks: JobHooks;
}

export class JobRun implements TaskOwner {
  readonly done: Promise<JobResult>;
  settled = false;
  private resolve!: (r: JobResult) => void;
  private reject!: (e: Error) => void;
  private readonly broker: CommBroker | undefined;
  private readonly tally: MapTally;
  private taskSeq = 0;
  private readonly probes = new Probes();
  private readonly onAbort = (): void => this.abort(this.spec.hooks.signal?.reason);
  private syncWatch: SyncDeadlockWatch | undefined;

  constructor(
    private readonly spec: JobSpec,
    private readonly host: JobHost,
  ) {
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.tally = new MapTally({
      mode: spec.mode,
      total: spec.mode === "spmd" ? spec.workers : spec.items.length,
      ordered: spec.ordered,
      continueOnError: spec.continueOnError,
      hooks: spec.hooks,
    });
    if (spec.mode === "spmd") {
      this.broker = new CommBroker(spec.workers, {
        reply: (rank, reqId, value) => this.sendTo(rank, { type: "comm-reply", jobId: spec.id, reqId, value }),
        fail: (e) => this.fail(e),
        probe: (ranks) => this.probes.probe(ranks, (r, probeId) => this.sendTo(r, { type: "probe", probeId })),
      });
    }
  }

  get id(): number {
    return this.spec.id;
  }

  start(): void {
    const signal = this.spec.hooks.signal;
    if (signal?.aborted) return this.abort(signal.reason);
    signal?.addEventListener("abort", this.onAbort, { once: true });
    if (this.host.waitBoard && !this.spec.hooks.outsideMayWake) {
      this.syncWatch = new SyncDeadlockWatch(
        this.host.waitBoard,
        {
          busyRanks: () => this.busySlots().map((s) => s.rank),
          othersRunning: () => this.slotsHeldByOtherJobs(),
          // Blocked workers never finish on their own: replace them now, not after a grace period.
          fail: (e) => this.abort(undefined, e),
        },
        this.spec.vars,
      );
    }
    this.pump();
  }

  /** Give work to every idle worker of this job; finish when all is done. */
  pump(): void {
    if (this.settled) return;
    for (let r = 0; r < this.spec.workers; r++) {
      const slot = this.host.slot(r);
      if (!slot) continue;
      if (slot.state === "dead" && this.spec.queue.pending > 0) {
        return this.fail(WorkerExitError.notStarted(r, false));
      }
      if (slot.state !== "idle" || slot.task) continue;
      const chunk = this.spec.queue.next(r);
      if (chunk) this.dispatch(slot, chunk);
      if (this.settled) return;
    }
    if (this.spec.queue.pending > 0) return;
    if (this.tally.complete && !this.anyInFlight()) this.finish();
    else this.tally.allSent();
  }

  onResult(slot: WorkerSlot, msg: ResultMessage | GraphResultMessage, task: InFlight): void {
    if (this.settled || msg.type !== "result" || msg.jobId !== this.id) return;
    if (this.spec.mode === "spmd") this.broker?.rankDone(slot.rank);
    const values =
      msg.sharedCount !== undefined && this.spec.results
        ? this.spec.results.subarray(task.start, task.start + msg.sharedCount)
        : msg.values;
    const failure = this.tally.add({ ...msg, values: values as unknown[], lane: slot.rank, task: sentTask(task) });
    if (failure) return this.fail(failure);
    this.spec.queue.observe(task.count, msg.execMs);
    this.pump();
  }

  /** The worker holding `task` died (crash, OOM, process.exit) or was stopped by the pool. */
  onWorkerLost(slot: WorkerSlot, task: InFlight, error: WorkerExitError): void {
    if (this.settled || task.jobId !== this.id) return;
    if (this.spec.mode === "spmd") this.broker?.rankDone(slot.rank);
    const failure = this.tally.add({
      type: "lost",
      lane: slot.rank,
      task: sentTask(task),
      startMs: task.sentMs,
      error,
    });
    if (failure) return this.fail(failure);
    this.pump();
  }

  onComm(slot: WorkerSlot, msg: CommMessage): void {
    if (this.settled || msg.jobId !== this.id) return;
    this.broker?.handle(slot.rank, msg.reqId, msg.req);
  }

  onProbeAck(slot: WorkerSlot, probeId: number): void {
    this.probes.answered(slot.rank, probeId);
  }

  onStream(rank: number, name: "stdout" | "stderr", text: string): void {
    this.spec.hooks.onStream?.(rank, name, text);
  }

  /** Interrupt/timeout/close: drop the queue, kill busy workers now, reject. */
  abort(reason?: unknown, error: Error = new TaskAbortedError(reason)): void {
    if (this.settled) return;
    this.settle();
    for (const slot of this.busySlots()) {
      const t = slot.task!;
      this.tally.add({ type: "cancelled", lane: slot.rank, task: sentTask(t), startMs: t.sentMs });
      this.host.replace(slot);
    }
    this.reject(error);
  }

  /** A task failed (or deadlock): cancel the rest, give busy workers a grace period, reject. */
  fail(error: Error): void {
    if (this.settled) return;
    this.settle();
    for (const slot of this.busySlots()) {
      slot.worker.send({ type: "cancel", jobId: this.id });
      setTimeout(() => {
        if (this.host.slot(slot.rank) === slot && slot.task?.jobId === this.id) this.host.replace(slot);
      }, CANCEL_GRACE_MS).unref();
    }
    this.reject(error);
  }

  private finish(): void {
    this.settle();
    this.resolve(this.tally.outcome({ workers: this.spec.workers, chunksize: this.spec.chunksize }));
  }

  private settle(): void {
    this.settled = true;
    this.syncWatch?.stop();
    this.spec.queue.clear();
    this.broker?.dispose();
    this.spec.hooks.signal?.removeEventListener("abort", this.onAbort);
  }

  private dispatch(slot: WorkerSlot, chunk: Chunk): void {
    const { spec } = this;
    const items = spec.mode === "map" ? chunkOf(spec.items, chunk) : undefined;
    // A typed array's slice owns a fresh buffer: move it to the worker instead of copying it again.
    const transfer = isTypedArray(items) && !isShared(items.buffer) ? [items.buffer as ArrayBuffer] : undefined;
    const withVars = slot.varsJobId !== spec.id;
    // Numbers count their bytes whether they are copied or read from shared memory, as on a cluster.
    const itemBytes = isTypedArray(items) ? items.byteLength : items ? estimateBytes(items) : 0;
    const bytesIn = (withVars ? spec.varsBytes : 0) + itemBytes;
    if (this.host.waitBoard) clearWait(this.host.waitBoard, slot.rank);
    const msg: TaskMessage = {
      type: "task",
      jobId: spec.id,
      taskId: ++this.taskSeq,
      mode: spec.mode,
      code: spec.code,
      rank: slot.rank,
      size: spec.workers,
      start: chunk.start,
      items,
      ...(items && spec.results ? { results: spec.results.subarray(chunk.start, chunk.start + chunk.count) } : {}),
      vars: withVars ? spec.vars : undefined,
      continueOnError: spec.continueOnError,
      waitBoard: this.host.waitBoard,
    };
    const task: InFlight = {
      owner: this,
      jobId: spec.id,
      taskId: msg.taskId,
      start: chunk.start,
      count: chunk.count,
      bytesIn,
      spmd: spec.mode === "spmd",
      sentMs: epochMs(),
    };
    try {
      this.host.assign(slot, msg, task, transfer);
    } catch (e) {
      return this.fail(this.cloneError(e, withVars, chunk));
    }
    this.tally.sent(task);
  }

  private cloneError(e: unknown, withVars: boolean, chunk: Chunk): Error {
    const why = e instanceof Error ? e.message : String(e);
    const bad = withVars ? findUncloneable(this.spec.vars) : undefined;
    if (bad) return new CloneError(bad.name, bad.why, { cause: e });
    if (this.spec.mode === "map") {
      for (let i = chunk.start; i < chunk.start + chunk.count; i++) {
        const shared = findSharedMemory(this.spec.items[i]);
        if (shared) return new SharedMemoryError(`item ${i}`, shared);
        try {
          structuredClone(this.spec.items[i]);
        } catch (err) {
          return new CloneError(`item ${i}`, err instanceof Error ? err.message : String(err), { cause: e });
        }
      }
    }
    return new CloneError("the task", why, { cause: e });
  }

  private sendTo(rank: number, msg: Parameters<WorkerSlot["worker"]["send"]>[0]): void {
    const slot = this.host.slot(rank);
    try {
      slot?.worker.send(msg);
    } catch (e) {
      this.fail(new CloneError(`a comm message to w${rank}`, e instanceof Error ? e.message : String(e), { cause: e }));
    }
  }

  /** A worker of this job still finishing an earlier job's task (e.g. being cancelled). */
  private slotsHeldByOtherJobs(): boolean {
    for (let r = 0; r < this.spec.workers; r++) {
      const task = this.host.slot(r)?.task;
      if (task && task.jobId !== this.id) return true;
    }
    return false;
  }

  private anyInFlight(): boolean {
    return this.busySlots().length > 0;
  }

  private busySlots(): WorkerSlot[] {
    const out: WorkerSlot[] = [];
    for (let r = 0; r < this.spec.workers; r++) {
      const s = this.host.slot(r);
      if (s?.task?.jobId === this.id) out.push(s);
    }
    return out;
  }
}

/** A chunk's items: a view when they are in shared memory (pool.runMap shares numbers), else a copy. */
function chunkOf(items: unknown[], chunk: Chunk): unknown[] {
  const end = chunk.start + chunk.count;
  if (isTypedArray(items) && isShared(items.buffer))
    return (items as unknown as Float64Array).subarray(chunk.start, end) as unknown as unknown[];
  return items.slice(chunk.start, end);
}

function sentTask(t: InFlight): SentTask {
  return { start: t.start, count: t.count, bytesIn: t.bytesIn };
}
