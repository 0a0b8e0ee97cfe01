import { newInt32, waitAsync } from "./atomics-wait";
import { SHARED_TAG } from "./tag";

const COUNT = 0;
const GEN = 1;
const PARTIES = 2;

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
      this.state = newInt32(3);
      this.state[PARTIES] = parties;
    } else {
      this.state = parties;
    }
  }

  get parties(): number {
    return this.state[PARTIES];
  }

  wait(): boolean {
    const gen = Atomics.load(this.state, GEN);
    if (this.arrive()) return true;
    while (Atomics.load(this.state, GEN) === gen) Atomics.wait(this.state, GEN, gen);
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
