import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TaskAbortedError, TaskFailedError, WorkerExitError } from "../errors";
import { Pool } from "./pool";
import { KINDS, map, spmd } from "./fixtures/jobs";

for (const kind of KINDS) {
  describe(`task errors and crashes (${kind})`, () => {
    let pool: Pool;
    const background: Error[] = [];
    before(() => {
      pool = new Pool({ size: 2, kind, onBackgroundError: (e) => background.push(e) });
    });
    after(() => pool.close());

    it("names the worker rank and map index, and carries the worker stack", async () => {
      const items = Array.from({ length: 20 }, (_, i) => i);
      const err = await pool
        .runMap(
          map(
            async ({ item }) => {
              if (item === 13) throw new RangeError("bad item");
              return item;
            },
            items,
            { chunksize: 1 },
          ),
        )
        .then(
          () => assert.fail("should reject"),
          (e: unknown) => e,
        );
      assert.ok(err instanceof TaskFailedError);
      assert.equal(err.name, "TaskFailedError");
      assert.match(err.message, /^\[w[01]\] task 13 failed: RangeError: bad item/);
      assert.equal(err.index, 13);
      assert.match(err.workerStack ?? "", /at .*cell:\d+/);
    });

    it("names the rank for SPMD failures", async () => {
      await assert.rejects(
        pool.runSpmd(
          spmd(async ({ rank }) => {
            if (rank === 1) throw new Error("rank one broke");
          }, 2),
        ),
        { name: "TaskFailedError", message: /^\[w1\] failed: Error: rank one broke/ },
      );
    });

    it("SPMD continueOnError collects the failing rank's error", async () => {
      const r = await pool.runSpmd({
        ...spmd(async ({ rank }) => {
          if (rank === 0) throw new Error("only rank 0");
          return rank;
        }, 2),
        continueOnError: true,
      });
      assert.deepEqual(r.values, [undefined, 1]);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0].rank, 0);
      assert.match(r.errors[0].message, /^\[w0\] failed: Error: only rank 0/);
    });

    it("require works inside workers", async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the body runs in the worker
      const r = await pool.runSpmd(spmd(async () => typeof require("node:os").cpus, 1));
      assert.deepEqual(r.values, ["function"]);
    });

    it("collects errors with continueOnError and leaves undefined in their place", async () => {
      const items = [0, 1, 2, 3, 4, 5];
      const r = await pool.runMap(
        map(
          async ({ item }) => {
            if (item % 2) throw new Error(`odd ${item}`);
            return item;
          },
          items,
          { continueOnError: true, chunksize: 2 },
        ),
      );
      assert.deepEqual(r.values, [0, undefined, 2, undefined, 4, undefined]);
      assert.deepEqual(r.errors.map((e) => e.index).sort(), [1, 3, 5]);
      assert.ok(r.errors.every((e) => e instanceof TaskFailedError && /odd/.test(e.message)));
      assert.ok(r.tasks.some((t) => t.status === "error"));
    });

    it("a worker that calls process.exit fails its tasks with WorkerExitError and is replaced", async () => {
      await assert.rejects(
        pool.runMap(
          map(
            async ({ item }) => {
              if (item === 3) process.exit(7);
              return item;
            },
            [0, 1, 2, 3, 4, 5],
            { chunksize: 1 },
          ),
        ),
        (e: unknown) => {
          assert.ok(e instanceof WorkerExitError);
          assert.match(
            e.message,
            /^\[w[01]\] worker exited \(exit code 7\) while running task\(s\) 3\. Probable cause: the cell called process\.exit\(7\)/,
          );
          return true;
        },
      );
      const r = await pool.runSpmd(spmd(async ({ rank }) => rank, 2));
      assert.deepEqual(r.values, [0, 1]);
    });

    it("an error thrown outside a task, or a rejection nobody awaits, is reported and the worker keeps its state", async () => {
      const r = await pool.runSpmd(
        spmd(async ({ rank }) => {
          (globalThis as Record<string, unknown>).kept = rank + 40;
          if (rank === 0) {
            setTimeout(() => {
              throw new Error("boom in timer");
            }, 0);
            void Promise.reject(new RangeError("nobody awaits this"));
          }
          return rank;
        }, 2),
      );
      assert.deepEqual(r.values, [0, 1]);
      const again = await pool.runSpmd(spmd(async () => (globalThis as Record<string, unknown>).kept, 2));
      assert.deepEqual(again.values, [40, 41]);
      for (let i = 0; i < 100 && background.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      const messages = background.map((e) => e.message).join("\n");
      assert.match(
        messages,
        /^worker w0: a promise was rejected and nothing awaited it \(RangeError: nobody awaits this\)/m,
      );
      assert.match(messages, /^worker w0: an error was thrown outside the running code.*\(Error: boom in timer\)/m);
    });

    it("continueOnError turns a crash into per-item errors and the job completes", async () => {
      const r = await pool.runMap(
        map(
          async ({ item }) => {
            if (item === 2 && !(globalThis as Record<string, unknown>).crashedOnce) {
              (globalThis as Record<string, unknown>).crashedOnce = true;
              process.exit(3);
            }
            return item;
          },
          [0, 1, 2, 3, 4],
          { chunksize: 1, continueOnError: true, workers: 1 },
        ),
      );
      assert.deepEqual(r.values, [0, 1, undefined, 3, 4]);
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0].message, /task 2 failed: WorkerExitError/);
    });

    it("abort stops `while (true) {}` within 1 s and the pool stays usable", async () => {
      const ac = new AbortController();
      let spinning!: () => void;
      const started = new Promise<void>((res) => (spinning = res));
      const job = pool.runSpmd(
        spmd(async () => {
          console.log("spinning");
          for (;;);
        }, 2),
        { signal: ac.signal, onStream: () => spinning() },
      );
      await started;
      await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      ac.abort(new Error("interrupted by the user"));
      await assert.rejects(job, (e: unknown) => {
        assert.ok(e instanceof TaskAbortedError);
        assert.match(e.message, /cancelled \(interrupted by the user\)/);
        return true;
      });
      assert.ok(Date.now() - t0 < 1000, `abort took ${Date.now() - t0} ms`);
      const r = await pool.runSpmd(spmd(async ({ rank }) => rank, 2));
      assert.deepEqual(r.values, [0, 1]);
    });

    it("an already-aborted signal rejects at once", async () => {
      await assert.rejects(
        pool.runSpmd(
          spmd(async () => 1, 2),
          { signal: AbortSignal.abort("too late") },
        ),
        {
          name: "TaskAbortedError",
        },
      );
    });
  });
}

for (const kind of KINDS) {
  describe(`memory limit (${kind})`, () => {
    it("a worker that runs out of memory fails with WorkerExitError naming the cause, and is replaced", async () => {
      const pool = new Pool({ size: 1, kind, memoryLimitMb: 48 });
      try {
        await assert.rejects(
          pool.runSpmd(
            spmd(async () => {
              const keep: number[][] = [];
              for (;;) keep.push(new Array(1e5).fill(1.5));
            }, 1),
          ),
          {
            name: "WorkerExitError",
            message:
              /^\[w0\] worker exited .*out of memory \(its heap limit of 48 MB\).*raise the limit: %workers --memory 96/,
          },
        );
        const r = await pool.runSpmd(spmd(async () => "alive", 1));
        assert.deepEqual(r.values, ["alive"]);
      } finally {
        await pool.close();
      }
    });
  });
}
