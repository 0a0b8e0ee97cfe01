import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Pool } from "./pool";
import { KINDS, map, spmd } from "./fixtures/jobs";

for (const kind of KINDS) {
  describe(`pool (${kind})`, () => {
    let pool: Pool;
    before(() => {
      pool = new Pool({ size: 2, kind });
    });
    after(() => pool.close());

    it("runs SPMD and returns values in rank order", async () => {
      const r = await pool.runSpmd(spmd(async ({ rank, size }) => ({ rank, size }), 2));
      assert.deepEqual(r.values, [
        { rank: 0, size: 2 },
        { rank: 1, size: 2 },
      ]);
      assert.equal(r.tasks.length, 2);
      assert.equal(r.workers, 2);
    });

    it("grows the pool when a job asks for more workers, and uses ranks 0..n-1 when fewer", async () => {
      const r = await pool.runSpmd(spmd(async ({ rank }) => rank, 3));
      assert.deepEqual(r.values, [0, 1, 2]);
      assert.equal(pool.size, 3);
      const one = await pool.runSpmd(spmd(async ({ rank, size }) => [rank, size], 1));
      assert.deepEqual(one.values, [[0, 1]]);
      await pool.resize(2);
      assert.equal(pool.size, 2);
    });

    it("sends vars (decoded) and keeps worker state between jobs", async () => {
      await pool.runSpmd(
        spmd(async ({ rank, vars }) => ((globalThis as Record<string, unknown>).kept = vars.base + rank), 2, {
          base: 100,
        }),
      );
      const r = await pool.runSpmd(spmd(async () => (globalThis as Record<string, unknown>).kept, 2));
      assert.deepEqual(r.values, [100, 101]);
    });

    it("a body that reads its item and index after an await gets its own (the context is one object per task)", async () => {
      const items = Array.from({ length: 300 }, (_, i) => i);
      const r = await pool.runMap(
        map(
          async (ctx) => {
            await new Promise((resolve) => setImmediate(resolve));
            return ctx.item * 2 + ctx.index;
          },
          items,
          { chunksize: 100 },
        ),
      );
      assert.deepEqual(
        r.values,
        items.map((i) => i * 3),
      );
    });

    it("maps in input order with index and item", async () => {
      const items = Array.from({ length: 50 }, (_, i) => i);
      const r = await pool.runMap(map(async ({ item, index }) => item * 2 + index, items));
      assert.deepEqual(
        r.values,
        items.map((i) => i * 3),
      );
    });

    it("maps unordered (completion order) with every value once", async () => {
      const items = Array.from({ length: 40 }, (_, i) => i);
      const r = await pool.runMap(
        map(
          async ({ item }) => {
            await new Promise((res) => setTimeout(res, item % 3));
            return item;
          },
          items,
          { ordered: false, chunksize: 1 },
        ),
      );
      assert.deepEqual(
        [...(r.values as number[])].sort((a, b) => a - b),
        items,
      );
    });

    it("static schedule gives each worker one contiguous block", async () => {
      const items = Array.from({ length: 10 }, (_, i) => i);
      const r = await pool.runMap(map(async ({ rank }) => rank, items, { schedule: "static" }));
      assert.deepEqual(r.values, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
      assert.deepEqual(r.tasks.map((t) => [t.rank, t.index, t.count]).sort(), [
        [0, 0, 5],
        [1, 5, 5],
      ]);
    });

    it("honours a fixed chunksize", async () => {
      const items = Array.from({ length: 25 }, (_, i) => i);
      const r = await pool.runMap(map(async ({ item }) => item, items, { chunksize: 10 }));
      assert.deepEqual(r.values, items);
      assert.deepEqual(
        r.tasks.map((t) => t.count ?? 1).sort((a, b) => a - b),
        [5, 10, 10],
      );
      assert.equal(r.chunksize, 10);
    });

    it("batches tiny tasks automatically (100,000 items in few messages)", async () => {
      const items = Array.from({ length: 100_000 }, (_, i) => i);
      const progress: number[] = [];
      const r = await pool.runMap(
        map(async ({ item }) => item + 1, items),
        { onProgress: (d) => progress.push(d) },
      );
      assert.equal(r.values.length, 100_000);
      assert.equal(r.values[99_999], 100_000);
      assert.ok(r.chunks < 200, `expected batching, got ${r.chunks} chunks`);
      assert.equal(progress[progress.length - 1], 100_000);
    });

    it("maps an empty list", async () => {
      const r = await pool.runMap(map(async () => 1, []));
      assert.deepEqual(r.values, []);
    });

    it("streams worker output live, with the rank", async () => {
      const seen: string[] = [];
      let liveBeforeEnd = false;
      await pool.runSpmd(
        spmd(async ({ rank }) => {
          console.log(`hello ${rank}`);
          process.stderr.write(`err ${rank}\n`);
          await new Promise((r) => setTimeout(r, 200));
        }, 2),
        {
          onStream: (rank, name, text) => seen.push(`${rank}:${name}:${text.trim()}`),
          onTask: () => (liveBeforeEnd ||= seen.length >= 4),
        },
      );
      assert.ok(liveBeforeEnd, "output arrived before the tasks ended");
      assert.deepEqual(seen.sort(), ["0:stderr:err 0", "0:stdout:hello 0", "1:stderr:err 1", "1:stdout:hello 1"]);
    });

    it("measures tasks and reports worker status", async () => {
      const r = await pool.runSpmd(
        spmd(async () => {
          let x = 0;
          for (let i = 0; i < 2e6; i++) x += i;
          return x;
        }, 2),
      );
      for (const t of r.tasks) {
        assert.ok(t.endMs >= t.startMs && t.startMs > 1.6e12);
        assert.ok(t.cpuMs >= 0);
        assert.equal(t.status, "ok");
      }
      assert.ok(r.bytesOut > 0);
      const st = pool.status();
      assert.equal(st.length, 2);
      for (const s of st) {
        assert.equal(s.kind, kind);
        assert.equal(s.state, "idle");
        assert.ok(s.tasksDone > 0 && s.cpuTimeMs > 0 && s.memoryBytes > 0 && s.pid > 0);
        if (process.platform === "linux") assert.ok(s.osThreadId! > 0);
      }
      if (kind === "thread") assert.ok(st.every((s) => s.pid === process.pid));
      else assert.ok(st.every((s) => s.pid !== process.pid));
    });

    it("restart loses worker state", async () => {
      await pool.runSpmd(spmd(async () => ((globalThis as Record<string, unknown>).gone = 1), 2));
      await pool.restart();
      const r = await pool.runSpmd(spmd(async () => (globalThis as Record<string, unknown>).gone ?? "lost", 2));
      assert.deepEqual(r.values, ["lost", "lost"]);
    });
  });
}

describe("pool start, close and validation", () => {
  it("starts workers on demand and rejects jobs after close", async () => {
    const pool = new Pool({ size: 0, kind: "process" });
    assert.deepEqual(await pool.ensureWorkers(1).then((r) => r.started), 1);
    const r = await pool.runSpmd(spmd(async () => process.pid, 1));
    assert.notEqual(r.values[0], process.pid);
    await pool.close();
    await assert.rejects(pool.runSpmd(spmd(async () => 1, 1)), { name: "PoolClosedError" });
  });

  it("validates options with messages naming the field", () => {
    assert.throws(
      () => new Pool({ size: -1, kind: "thread" }),
      /options\.size must be a whole number of workers, got -1/,
    );
    assert.throws(() => new Pool({ size: 1, kind: "fiber" as never }), /options\.kind must be "thread" or "process"/);
  });
});
