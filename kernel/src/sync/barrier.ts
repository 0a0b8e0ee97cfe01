import { newInt32, waitAsync } from "./atomics-wait";
import { SHARED_TAG } from "./tag";
import { blockedOn, newObjectId } from "./wait-board";

const COUNT = 0;
const GEN = 1;
const PARTIES = 2;
const ID = 3;

/**
 * A reusable barrier for `parties` threads: `wait()` blocks until all have arrived. It returns
 * true in exactly one thread per round (the last to arrive), like Python's Barrier index 0.
 */
export class Barrier {
  readonly [SHARED_TAG] = "Barrier" as const;
  readonly state: Int32Array;

  constructor(parties: number | Int32Array) {
    if (typeof parties === "number") {
      if (!Number.isInteger(parties) || parties < 1) {
        throw new RangeError(
          `new Barrier(parties): parties must be a positive integer, got ${parties}. Try: new Barrier(size)`,
        );
      }
      this.state = newInt32(4);
      this.state[PARTIES] = parties;
      this.state[ID] = newObjectId();
    } else {
      this.state = parties;
    }
  }

  get parties(): number {
    return this.state[PARTIES];
  }

  get id(): number {
    return this.state.length > ID ? this.state[ID] : 0;
  }

  /** Threads waiting in the current round. */
  get arrived(): number {
    return Atomics.load(this.state, COUNT);
  }

  wait(): boolean {
    const gen = Atomics.load(this.state, GEN);
    if (this.arrive()) return true;
    while (Atomics.load(this.state, GEN) === gen)
      blockedOn("barrier", this.id, false, () => Atomics.wait(this.state, GEN, gen));
    return false;
  }

  async waitAsync(): Promise<boolean> {
    const gen = Atomics.load(this.state, GEN);
    if (this.arrive()) return true;
    while (Atomics.load(this.state, GEN) === gen) await waitAsync(this.state, GEN, gen);
    return false;
  }

  private arrive(): boolean {
    if (Atomics.add(this.state, COUNT, 1) + 1 < this.parties) return false;
    Atomics.store(this.state, COUNT, 0);
    Atomics.add(this.state, GEN, 1);
    Atomics.notify(this.state, GEN);
    return true;
  }

  encode(): { [SHARED_TAG]: "Barrier"; state: Int32Array } {
    return { [SHARED_TAG]: "Barrier", state: this.state };
  }
}
