import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Pool } from "./pool";
import { KINDS, spmd } from "./fixtures/jobs";

for (const kind of KINDS) {
  describe(`comm collectives (${kind})`, () => {
    let pool: Pool;
    before(() => {
      pool = new Pool({ size: 3, kind });
    });
    after(() => pool.close());

    it("send/recv (ring), with and without source", async () => {
      const r = await pool.runSpmd(
        spmd(async ({ rank, size, comm }) => {
          comm.send((rank + 1) % size, `from ${rank}`);
          const a = await comm.recv((rank + size - 1) % size);
          comm.send(0, rank * 10);
          if (rank !== 0) return a;
          const got: unknown[] = [];
          for (let i = 0; i < size; i++) got.push(await comm.recv());
          return [a, (got as number[]).sort((x, y) => x - y)];
        }, 3),
      );
      assert.deepEqual(r.values, [["from 2", [0, 10, 20]], "from 0", "from 1"]);
    });

    it("bcast", async () => {
      const r = await pool.runSpmd(
        spmd(async ({ rank, comm }) => comm.bcast(rank === 1 ? { k: "v" } : undefined, 1), 3),
      );
      assert.deepEqual(r.values, [{ k: "v" }, { k: "v" }, { k: "v" }]);
    });

    it("scatter", async () => {
      const r = await pool.runSpmd(
        spmd(async ({ rank, comm }) => comm.scatter(rank === 0 ? ["a", "b", "c"] : undefined, 0), 3),
      );
      assert.deepEqual(r.values, ["a", "b", "c"]);
    });

    it("gather (array at root, undefined elsewhere)", async () => {
      const r = await pool.runSpmd(spmd(async ({ rank, comm }) => comm.gather(rank * rank, 2), 3));
      assert.deepEqual(r.values, [undefined, undefined, [0, 1, 4]]);
    });

    it("reduce with built-in ops and a function op", async () => {
      const r = await pool.runSpmd(
        spmd(
          async ({ rank, comm }) => [
            await comm.reduce(rank + 1, "sum", 0),
            await comm.reduce(rank + 1, "prod", 0),
            await comm.reduce(rank + 1, "min", 0),
            await comm.reduce(rank + 1, "max", 0),
            await comm.reduce([rank, 1], "sum", 0),
            await comm.reduce(String(rank), (a: string, b: string) => a + b, 0),
          ],
          3,
        ),
      );
      assert.deepEqual(r.values[0], [6, 6, 1, 3, [3, 3], "012"]);
      assert.deepEqual(r.values[1], [undefined, undefined, undefined, undefined, undefined, undefined]);
    });

    it("allreduce", async () => {
      const r = await pool.runSpmd(spmd(async ({ rank, comm }) => comm.allreduce(rank + 1, "sum"), 3));
      assert.deepEqual(r.values, [6, 6, 6]);
    });

    it("allgather: every rank gets all values, in rank order", async () => {
      const r = await pool.runSpmd(spmd(async ({ rank, comm }) => comm.allgather({ r: rank }), 3));
      assert.deepEqual(
        r.values,
        [0, 1, 2].map(() => [{ r: 0 }, { r: 1 }, { r: 2 }]),
      );
    });

    it("alltoall: values[d] goes to rank d; typed arrays work too", async () => {
      const r = await pool.runSpmd(
        spmd(async ({ rank, size, comm }) => {
          const got = await comm.alltoall(Array.from({ length: size }, (_, d) => 10 * rank + d));
          const typed = await comm.alltoall(Float64Array.from({ length: size }, (_, d) => rank - d));
          return [got, typed];
        }, 3),
      );
      assert.deepEqual(r.values, [
        [
          [0, 10, 20],
          [0, 1, 2],
        ],
        [
          [1, 11, 21],
          [-1, 0, 1],
        ],
        [
          [2, 12, 22],
          [-2, -1, 0],
        ],
      ]);
    });

    it("alltoall with the wrong length fails on that rank, naming both numbers", async () => {
      await assert.rejects(
        pool.runSpmd(spmd(async ({ rank, comm }) => comm.alltoall(rank === 1 ? [1, 2] : [1, 2, 3]), 3)),
        {
          name: "TaskFailedError",
          message:
            /^\[w1\] failed[\s\S]*comm\.alltoall\(values\): on w1 values must be an array with one element per rank \(length 3, the size\), got length 2/,
        },
      );
      const r = await pool.runSpmd(spmd(async ({ rank }) => rank, 3));
      assert.deepEqual(r.values, [0, 1, 2]);
    });

    it("barrier orders phases", async () => {
      const r = await pool.runSpmd(
        spmd(async ({ rank, comm }) => {
          await new Promise((res) => setTimeout(res, rank * 30));
          const before = Date.now();
          await comm.barrier();
          return before;
        }, 3),
      );
      assert.equal(r.values.length, 3);
    });

    it("detects a deadlock and names what each rank waits on", async () => {
      await assert.rejects(pool.runSpmd(spmd(async ({ rank, comm }) => comm.recv(1 - rank), 2)), {
        name: "DeadlockError",
        message: /^Deadlock: w0 waits in recv\(from w1\); w1 waits in recv\(from w0\); no message in flight\. /,
      });
      const r = await pool.runSpmd(spmd(async ({ rank }) => rank, 3));
      assert.deepEqual(r.values, [0, 1, 2]);
    });

    it("no false deadlock while a rank computes with a recv not yet awaited", async () => {
      const r = await pool.runSpmd(
        spmd(async ({ rank, comm }) => {
          if (rank === 0) {
            const pending = comm.recv(1);
            const until = Date.now() + 600;
            while (Date.now() < until);
            comm.send(1, "ping");
            return pending;
          }
          const got = await comm.recv(0);
          comm.send(0, `pong after ${got}`);
          return got;
        }, 2),
      );
      assert.deepEqual(r.values, ["pong after ping", "ping"]);
    });

    it("reports a collective a finished rank never reaches", async () => {
      await assert.rejects(
        pool.runSpmd(
          spmd(async ({ rank, comm }) => {
            if (rank !== 2) await comm.barrier();
          }, 3),
        ),
        {
          name: "DeadlockError",
          message: /w0 waits in barrier\(\) for w2; w1 waits in barrier\(\) for w2; w2 has finished/,
        },
      );
    });

    it("a failing rank cancels ranks blocked in recv, and the pool is usable after", async () => {
      await assert.rejects(
        pool.runSpmd(
          spmd(async ({ rank, comm }) => {
            if (rank === 0) throw new Error("rank 0 gave up");
            await comm.recv(0);
          }, 3),
        ),
        { name: "TaskFailedError", message: /^\[w0\] failed/ },
      );
      const r = await pool.runSpmd(spmd(async ({ rank }) => rank, 3));
      assert.deepEqual(r.values, [0, 1, 2]);
    });
  });
}
