import { lockAsync, lockSync, newInt32, tryLock, unlock } from "./atomics-wait";
import { SHARED_TAG } from "./tag";

/**
 * A mutual-exclusion lock on shared memory. `lock()` blocks the calling thread (use it in
 * workers); `withLock(fn)` and `lockAsync()` wait without blocking the event loop (use them in
 * the kernel, or around async code).
 */
export class Mutex {
  readonly [SHARED_TAG] = "Mutex" as const;
  readonly state: Int32Array;

  constructor(state?: Int32Array) {
    this.state = state ?? newInt32(1);
  }

  lock(): void {
    lockSync(this.state, 0);
  }

  lockAsync(): Promise<void> {
    return lockAsync(this.state, 0);
  }

  tryLock(): boolean {
    return tryLock(this.state, 0);
  }

  unlock(): void {
    unlock(this.state, 0);
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
