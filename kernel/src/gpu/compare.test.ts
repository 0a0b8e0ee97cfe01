import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { agreement, compareGpu, RunOnPool, TOLERANCE } from "./compare";
import { clearGpuCache, GpuJob } from "./execute";
import { outputLength, runCpuKernel, shapeOutput } from "./serial";

after(() => clearGpuCache());

const matmul: GpuJob = {
  body: "let sum = 0;\nfor (let i = 0; i < this.constants.n; i++) sum += a[this.thread.y][i] * b[i][this.thread.x];\nreturn sum;",
  params: ["a", "b"],
  output: [32, 32],
  mode: "auto",
  constants: { n: 32 },
  precision: "single",
  lineOffset: 2,
};
const square = (n: number, f: (y: number, x: number) => number) =>
  Array.from({ length: n }, (_, y) => Float32Array.from({ length: n }, (_, x) => f(y, x)));

describe("runCpuKernel", () => {
  it("emulates this.thread, this.output and this.constants", () => {
    const flat = runCpuKernel({
      body: "return this.thread.z * 100 + this.thread.y * 10 + this.thread.x + this.constants.k + this.output.x * 1000;",
      params: [],
      output: [2, 2, 2],
      constants: { k: 0.5 },
      args: [],
    });
    assert.deepEqual(Array.from(flat), [2000.5, 2001.5, 2010.5, 2011.5, 2100.5, 2101.5, 2110.5, 2111.5]);
    const shaped = shapeOutput(flat, [2, 2, 2]) as Float32Array[][];
    assert.equal(shaped[1][0][1], 2101.5);
  });

  it("computes a slice [start, end)", () => {
    const job = {
      body: "return this.thread.x + 10 * this.thread.y;",
      params: [],
      output: [3, 2],
      constants: {},
      args: [],
    };
    assert.deepEqual(Array.from(runCpuKernel(job, 2, 5)), [2, 10, 11]);
    assert.equal(outputLength(job.output), 6);
  });
});

describe("compareGpu", () => {
  it("agrees with the serial run and reports both times", async () => {
    const a = square(32, (y, x) => (y + 1) / (x + 3));
    const b = square(32, (y, x) => Math.sin(x * y));
    const result = await compareGpu(matmul, [a, b]);
    assert.equal(result.serial.agree, true, `max diff ${result.serial.maxAbsDiff}`);
    assert.ok(result.serial.maxRelDiff < 1e-5);
    assert.ok(result.serial.ms > 0 && result.gpu.runMs > 0);
    assert.deepEqual(result.tolerance, TOLERANCE.single);
    assert.equal(result.pool, undefined);
  });

  it("runs the pool hook with plain data and checks its result", async () => {
    const calls: unknown[] = [];
    const fakePool: RunOnPool = async (job) => {
      calls.push(job.params);
      const half = outputLength(job.output) / 2;
      const flat = new Float32Array(outputLength(job.output));
      flat.set(runCpuKernel(job, 0, half), 0);
      flat.set(runCpuKernel(job, half), half);
      return { value: shapeOutput(flat, job.output), workers: 2 };
    };
    const result = await compareGpu(matmul, [square(32, () => 1), square(32, () => 2)], fakePool);
    assert.deepEqual(calls, [["a", "b"]]);
    assert.equal(result.pool?.workers, 2);
    assert.equal(result.pool?.agree, true);
    assert.equal(result.pool?.maxAbsDiff, 0);
  });

  it("reports disagreement", async () => {
    const wrong: RunOnPool = async (job) => ({ value: new Float32Array(outputLength(job.output)), workers: 1 });
    const result = await compareGpu(matmul, [square(32, () => 1), square(32, () => 1)], wrong);
    assert.equal(result.pool?.agree, false);
    assert.equal(result.pool?.firstMismatch, 0);
    assert.equal(result.pool?.maxAbsDiff, 32);
  });
});

describe("agreement", () => {
  const tol = TOLERANCE.single;
  const table: [string, number[], number[], boolean][] = [
    ["equal", [1, 2, 3], [1, 2, 3], true],
    ["within relative tolerance", [1000.01, 2], [1000, 2], true],
    ["outside it", [1000.5, 2], [1000, 2], false],
    ["NaN matches NaN", [NaN, 1], [NaN, 1], true],
    ["NaN vs number", [NaN, 1], [0, 1], false],
    ["equal infinities", [Infinity], [Infinity], true],
    ["length differs", [1], [1, 2], false],
  ];
  for (const [what, actual, reference, agree] of table) {
    it(what, () => assert.equal(agreement(actual, reference, tol).agree, agree));
  }
});
