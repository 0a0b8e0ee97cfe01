/**
 * Deadlocks on shared-memory primitives (Mutex, Semaphore, Barrier, SharedQueue) in a thread
 * pool job: every busy worker is blocked in an untimed wait (read from the wait board, see
 * sync/wait-board.ts) and the board has not moved for a while, so only another blocked worker
 * could wake any of them. Then the job fails naming who waits for what and who holds it.
 */
import { DeadlockError } from "../errors";
import { Barrier } from "../sync/barrier";
import { Mutex } from "../sync/mutex";
import { SharedQueue } from "../sync/queue";
import { reviveShared } from "../sync/revive";
import { Semaphore } from "../sync/semaphore";
import { BoardWait, readWaits } from "../sync/wait-board";

export const POLL_MS = 100;
/** The board must stand still this long before a deadlock is declared. */
export const STILL_MS = 300;

type SharedObject = Mutex | Semaphore | Barrier | SharedQueue;

export interface SyncWatchJob {
  /** Ranks of this job whose worker holds a task now. */
  busyRanks(): number[];
  /** True while one of the job's workers still runs another job's task: this job is not all there yet. */
  othersRunning(): boolean;
  fail(error: Error): void;
}

export class SyncDeadlockWatch {
  readonly #timer: NodeJS.Timeout;
  readonly #objects: Map<number, { name: string; object: SharedObject }>;
  #signature = "";
  #sinceMs = 0;

  constructor(
    private readonly board: Int32Array,
    private readonly job: SyncWatchJob,
    vars: Record<string, unknown>,
    private readonly now: () => number = Date.now,
  ) {
    this.#objects = namedObjects(vars);
    this.#timer = setInterval(() => this.check(), POLL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  check(): void {
    const busy = this.job.busyRanks();
    const waits = readWaits(this.board, busy);
    if (busy.length === 0 || this.job.othersRunning() || waits.some((w) => !w || w.timed)) {
      this.#signature = "";
      return;
    }
    const signature = JSON.stringify(waits);
    const now = this.now();
    if (signature !== this.#signature) {
      this.#signature = signature;
      this.#sinceMs = now;
      return;
    }
    if (now - this.#sinceMs < STILL_MS) return;
    this.stop();
    this.job.fail(this.deadlock(waits as BoardWait[]));
  }

  private deadlock(waits: BoardWait[]): DeadlockError {
    const lines = waits.map((w) => `w${w.rank} ${this.describeWait(w)}`);
    return new DeadlockError(
      lines,
      waits.length === 1
        ? "the cell's only worker is blocked, and the kernel, which could wake it, waits for the cell to end"
        : "every worker of this cell is blocked and only another blocked worker could wake one (the kernel waits for the cell to end)",
      advice(waits),
    );
  }

  private describeWait(w: BoardWait): string {
    const known = this.#objects.get(w.objectId);
    const name = known ? `\`${known.name}\`` : `a ${className(w.kind)}`;
    const o = known?.object;
    switch (w.kind) {
      case "lock":
        return `waits to lock ${name}${o instanceof Mutex ? ` (${holder(o)})` : ""}`;
      case "acquire":
        return `waits to acquire ${name}${o instanceof Semaphore ? ` (${o.value} permits free)` : ""}`;
      case "barrier":
        return `waits at ${name}${o instanceof Barrier ? ` (${o.arrived} of ${o.parties} arrived)` : ""}`;
      case "push":
        return `waits to push to ${name}${o instanceof SharedQueue ? `, full (${o.size} of ${o.capacity})` : ", full"}`;
      case "pop":
        return `waits to pop from ${name}, empty`;
    }
  }
}

function holder(m: Mutex): string {
  const owner = m.state.length > 1 ? Atomics.load(m.state, 1) : 0;
  if (owner === 0) return "free, being handed over";
  return owner === 1 ? "held by the kernel" : `held by w${owner - 2}`;
}

function className(kind: BoardWait["kind"]): string {
  return { lock: "Mutex", acquire: "Semaphore", barrier: "Barrier", push: "SharedQueue", pop: "SharedQueue" }[kind];
}

function advice(waits: BoardWait[]): string {
  const kinds = new Set(waits.map((w) => w.kind));
  const tips: string[] = [];
  if (kinds.has("lock"))
    tips.push("Take locks in one global order (e.g. always the lower-numbered first), or use tryLock and back off");
  if (kinds.has("push") || kinds.has("pop"))
    tips.push(
      "A producer waits on a full queue that nobody drains: consume before waiting for the producers, or make the queue larger",
    );
  if (kinds.has("barrier"))
    tips.push("Every party must reach the barrier: check that all ranks call wait() the same number of times");
  if (kinds.has("acquire")) tips.push("Every permit is held by a waiting worker: release before waiting for others");
  // The stopped workers cannot unlock what they held; nobody else may, safely.
  tips.push(
    "The blocked workers were stopped and replaced; what they held stays held (a locked Mutex stays locked, taken permits stay taken), so create fresh ones before running the cell again",
  );
  return tips.join(". ") + ".";
}

/** Shared objects among the job's variables (and one level into arrays and objects), by id. */
function namedObjects(vars: Record<string, unknown>): Map<number, { name: string; object: SharedObject }> {
  const out = new Map<number, { name: string; object: SharedObject }>();
  const add = (name: string, value: unknown) => {
    const object = reviveShared(value);
    if (
      object instanceof Mutex ||
      object instanceof Semaphore ||
      object instanceof Barrier ||
      object instanceof SharedQueue
    ) {
      if (object.id) out.set(object.id, { name, object });
    }
  };
  for (const [name, value] of Object.entries(vars)) {
    add(name, value);
    if (Array.isArray(value)) value.forEach((v, i) => add(`${name}[${i}]`, v));
    else if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)
      for (const [k, v] of Object.entries(value)) add(`${name}.${k}`, v);
  }
  return out;
}
