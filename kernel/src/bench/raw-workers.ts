/**
 * Two bare worker_threads Workers that sum their half of a Float64Array sent by postMessage:
 * the floor for what copying data to 2 threads costs, without any pool.
 */
import { Worker } from "node:worker_threads";

const SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", ({ a, rank, size }) => {
  const lo = Math.floor((a.length * rank) / size), hi = Math.floor((a.length * (rank + 1)) / size);
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += a[i];
  parentPort.postMessage(sum);
});`;

export class RawWorkerPair {
  readonly #workers = [0, 1].map(() => new Worker(SOURCE, { eval: true }));

  /** Posts `a` to both workers (a structured clone each, unless it is shared) and adds the halves. */
  async sum(a: Float64Array): Promise<number> {
    const halves = await Promise.all(
      this.#workers.map((w, rank) => {
        const reply = new Promise<number>((resolve, reject) => {
          w.once("message", resolve);
          w.once("error", reject);
        });
        w.postMessage({ a, rank, size: 2 });
        return reply;
      }),
    );
    return halves[0] + halves[1];
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
