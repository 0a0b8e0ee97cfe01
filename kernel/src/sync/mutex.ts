import { lockAsync, lockSync, newInt32, tryLock, unlock } from "./atomics-wait";
import { SHARED_TAG } from "./tag";
import { blockedOn, currentRank, newObjectId } from "./wait-board";

// state layout (Int32Array)
const LOCK = 0;
/** Who holds it: 0 nobody, 1 the kernel, rank + 2 a worker (for deadlock reports). */
const OWNER = 1;
const ID = 2;
const STATE_LEN = 3;

/** The OWNER value of the calling thread. */
export function ownerCode(): number {
  return currentRank() + 2;
}

/**
 * A mutual-exclusion lock on shared memory. `lock()` blocks the calling thread (use it in
 * workers); `withLock(fn)` and `lockAsync()` wait without blocking the event loop (use them in
 * the kernel, or around async code).
 */
export class Mutex {
  readonly [SHARED_TAG] = "Mutex" as const;
  readonly state: Int32Array;

  constructor(state?: Int32Array) {
    this.state = state ?? newInt32(STATE_LEN);
    if (!state) this.state[ID] = newObjectId();
  }

  /** Same in every thread that received this mutex (0 for mutexes made before ids existed). */
  get id(): number {
    return this.state.length > ID ? this.state[ID] : 0;
  }

  lock(): void {
    if (!tryLock(this.state, LOCK)) blockedOn("lock", this.id, false, () => lockSync(this.state, LOCK));
    this.held();
  }

  async lockAsync(): Promise<void> {
    await lockAsync(this.state, LOCK);
    this.held();
  }

  tryLock(): boolean {
    if (!tryLock(this.state, LOCK)) return false;
    this.held();
    return true;
  }

  unlock(): void {
    if (this.state.length > OWNER) Atomics.store(this.state, OWNER, 0);
    unlock(this.state, LOCK);
  }

  private held(): void {
    if (this.state.length > OWNER) Atomics.store(this.state, OWNER, ownerCode());
  }

  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.lockAsync();
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  /** Plain, cloneable form; `reviveShared` turns it back into a Mutex. */
  encode(): { [SHARED_TAG]: "Mutex"; state: Int32Array } {
    return { [SHARED_TAG]: "Mutex", state: this.state };
  }
}
