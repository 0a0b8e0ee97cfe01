import { newInt32, remaining, waitAsync } from "./atomics-wait";
import { SHARED_TAG } from "./tag";
import { blockedOn, newObjectId } from "./wait-board";

const PERMITS = 0;
const ID = 1;

/** A counting semaphore on shared memory: at most `n` holders at a time. */
export class Semaphore {
  readonly [SHARED_TAG] = "Semaphore" as const;
  readonly state: Int32Array;

  constructor(n: number | Int32Array = 1) {
    if (typeof n === "number") {
      if (!Number.isInteger(n) || n < 0) {
        throw new RangeError(`new Semaphore(n): n must be a non-negative integer, got ${n}. Try: new Semaphore(2)`);
      }
      this.state = newInt32(2);
      this.state[PERMITS] = n;
      this.state[ID] = newObjectId();
    } else {
      this.state = n;
    }
  }

  get value(): number {
    return Atomics.load(this.state, PERMITS);
  }

  get id(): number {
    return this.state.length > ID ? this.state[ID] : 0;
  }

  /** Blocks the calling thread until a permit is free. Returns false on timeout. */
  acquire(timeoutMs = Infinity): boolean {
    const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      if (this.tryAcquire()) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      blockedOn("acquire", this.id, left !== Infinity, () => Atomics.wait(this.state, PERMITS, 0, left));
    }
  }

  async acquireAsync(timeoutMs = Infinity): Promise<boolean> {
    const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      if (this.tryAcquire()) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      await waitAsync(this.state, 0, 0, left);
    }
  }

  tryAcquire(): boolean {
    for (;;) {
      const c = Atomics.load(this.state, 0);
      if (c <= 0) return false;
      if (Atomics.compareExchange(this.state, 0, c, c - 1) === c) return true;
    }
  }

  release(n = 1): void {
    Atomics.add(this.state, 0, n);
    Atomics.notify(this.state, 0, n);
  }

  encode(): { [SHARED_TAG]: "Semaphore"; state: Int32Array } {
    return { [SHARED_TAG]: "Semaphore", state: this.state };
  }
}
