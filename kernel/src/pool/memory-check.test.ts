import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultMemoryLimitMb, Pool } from "./pool";
import { KINDS } from "./fixtures/jobs";

const GB = 1024 ** 3;

describe("default heap limit per worker", () => {
  it("gives one worker per core three quarters of the memory, between 256 MB and 4 GB", () => {
    const cases: [number, number, number][] = [
      [24 * GB, 2, 4096],
      [8 * GB, 8, 768],
      [2 * GB, 16, 256],
      [64 * GB, 12, 4096],
    ];
    for (const [total, cores, mb] of cases) assert.equal(defaultMemoryLimitMb(total, cores), mb, `${total} ${cores}`);
  });
});

for (const kind of KINDS) {
  describe(`memory check (${kind})`, () => {
    it("measures what a worker takes as workers start, and refuses a pool that will not fit before starting it", async () => {
      const pool = new Pool({ size: 0, kind });
      try {
        await pool.ensureWorkers(1);
        assert.ok(pool.startBytes! > 1e6 && pool.startBytes! < 500e6, `one worker takes ${pool.startBytes} bytes`);
        const check = { caller: "%%parallel", override: "%%parallel --workers 1000000 --no-memory-check" };
        await assert.rejects(pool.ensureWorkers(1_000_000, undefined, { memoryCheck: check }), {
          name: "PoolMemoryError",
          message:
            /^%%parallel: 1000000 \w+ workers will not fit in memory: the \d+ to start would need about [\d.]+ [GM]B .*Nothing was started\. .*if you mean it: %%parallel --workers 1000000 --no-memory-check$/,
        });
        assert.equal(pool.size, 1, "nothing was started");
        await pool.ensureWorkers(2, undefined, { memoryCheck: check });
        assert.equal(pool.size, 2);
      } finally {
        await pool.close();
      }
    });
  });
}

describe("memory check on a pool that never measured", () => {
  it("starts two workers to measure, refuses, and stops them again", async () => {
    const pool = new Pool({ size: 0, kind: "thread" });
    try {
      const check = { caller: "%workers", override: "%workers 1000000 --no-memory-check" };
      await assert.rejects(pool.ensureWorkers(1_000_000, undefined, { memoryCheck: check }), {
        name: "PoolMemoryError",
      });
      assert.equal(pool.size, 0);
      assert.ok(pool.startBytes! > 1e6, "measured on the first two");
    } finally {
      await pool.close();
    }
  });
});
