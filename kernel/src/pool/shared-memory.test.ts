import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Pool } from "./pool";
import { spmd } from "./fixtures/jobs";
import { Mutex, SharedQueue, shared } from "../sync/index";

describe("shared memory across worker threads", () => {
  let pool: Pool;
  before(() => {
    pool = new Pool({ size: 2, kind: "thread" });
  });
  after(() => pool.close());

  const N = 200_000;

  it("counter[0]++ may lose updates; with a Mutex it is exact", async () => {
    const counter = shared.int32(1);
    await pool.runSpmd(
      spmd(
        async ({ vars, comm }) => {
          await comm.barrier(); // start together, so that the loops overlap
          for (let i = 0; i < vars.n; i++) vars.counter[0]++;
        },
        2,
        { counter, n: N },
      ),
    );
    assert.ok(counter[0] <= 2 * N && counter[0] > 0, `racy counter ${counter[0]}`);

    const fixed = shared.int32(1);
    const m = new Mutex();
    await pool.runSpmd(
      spmd(
        async ({ vars }) => {
          for (let i = 0; i < vars.n; i++) {
            vars.m.lock();
            vars.counter[0]++;
            vars.m.unlock();
          }
        },
        2,
        { counter: fixed, m, n: N },
      ),
    );
    assert.equal(fixed[0], 2 * N);
  });

  it("Atomics.add is exact too, and the kernel sees the writes", async () => {
    const c = shared.int32(1);
    await pool.runSpmd(
      spmd(
        async ({ vars }) => {
          for (let i = 0; i < 1000; i++) Atomics.add(vars.c, 0, 1);
        },
        2,
        { c },
      ),
    );
    assert.equal(c[0], 2000);
  });

  it("SharedQueue: a producer rank and a consumer rank, with a sentinel", async () => {
    const q = new SharedQueue<number>(4);
    const r = await pool.runSpmd(
      spmd(
        async ({ rank, vars }) => {
          const { q, n } = vars;
          if (rank === 0) {
            for (let i = 1; i <= n; i++) q.push(i);
            q.push(-1);
            return "produced";
          }
          let sum = 0;
          for (let v = q.pop(); v !== -1; v = q.pop()) sum += v;
          return sum;
        },
        2,
        { q, n: 1000 },
      ),
    );
    assert.deepEqual(r.values, ["produced", 500500]);
  });

  it("the kernel can consume what workers produce (popAsync)", async () => {
    const q = new SharedQueue<{ rank: number }>(2, { slotBytes: 32 });
    const job = pool.runSpmd(spmd(async ({ rank, vars }) => vars.q.push({ rank }), 2, { q }));
    const got = [await q.popAsync(), await q.popAsync()].map((v) => v!.rank).sort();
    await job;
    assert.deepEqual(got, [0, 1]);
  });
});

describe("shared memory and process workers", () => {
  it("refuses with SharedMemoryError naming the variable", async () => {
    const pool = new Pool({ size: 1, kind: "process" });
    try {
      await assert.rejects(pool.runSpmd(spmd(async () => 1, 1, { counter: shared.int32(1) })), {
        name: "SharedMemoryError",
        message:
          /^`counter` is an Int32Array on a SharedArrayBuffer and cannot be shared with --processes workers .*Use worker threads/,
      });
      await assert.rejects(pool.runSpmd(spmd(async () => 1, 1, { locks: [new Mutex()] })), {
        name: "SharedMemoryError",
        message: /^`locks` is a shared Mutex/,
      });
      const r = await pool.runSpmd(spmd(async ({ vars }) => vars.plain.length, 1, { plain: [1, 2, 3] }));
      assert.deepEqual(r.values, [3]);
    } finally {
      await pool.close();
    }
  });
});
