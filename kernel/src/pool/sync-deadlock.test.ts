import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Barrier, Mutex, Semaphore, SharedQueue } from "../sync/index";
import { spmd } from "./fixtures/jobs";
import { Pool } from "./pool";

describe("deadlocks on shared-memory primitives are reported, not hung on", () => {
  let pool: Pool;
  before(() => {
    pool = new Pool({ size: 2, kind: "thread" });
  });
  after(() => pool.close());

  it("two locks taken in opposite orders: names both locks and who holds them", async () => {
    const lockA = new Mutex();
    const lockB = new Mutex();
    const job = spmd(
      async ({ rank, vars, comm }) => {
        await comm.barrier(); // both start together
        const [first, second] = rank === 0 ? [vars.lockA, vars.lockB] : [vars.lockB, vars.lockA];
        first.lock();
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        second.lock();
      },
      2,
      { lockA, lockB },
    );
    await assert.rejects(pool.runSpmd(job), {
      name: "DeadlockError",
      message:
        /^Deadlock: w0 waits to lock `lockB` \(held by w1\); w1 waits to lock `lockA` \(held by w0\); every worker of this cell is blocked .*Take locks in one global order/,
    });
    // The pool recovers: the deadlocked workers were replaced.
    const r = await pool.runSpmd(spmd(async ({ rank }) => rank, 2));
    assert.deepEqual(r.values, [0, 1]);
    // ...and their waits are gone from the board: w1 holding a lock while it sleeps (not on the
    // board) and w0 waiting for it is contention, not the old deadlock come back.
    const m = new Mutex();
    const contention = await pool.runSpmd(
      spmd(
        async ({ rank, vars }) => {
          const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
          if (rank === 1) {
            vars.m.lock();
            pause(600);
            vars.m.unlock();
          } else {
            while (Atomics.load(vars.m.state as Int32Array, 0) === 0) pause(5); // until w1 holds it
            vars.m.lock();
            vars.m.unlock();
          }
          return "done";
        },
        2,
        { m },
      ),
    );
    assert.deepEqual(contention.values, ["done", "done"]);
  });

  it("a producer on a full queue that nobody drains, the consumer waiting at a barrier", async () => {
    const queue = new SharedQueue<number>(2);
    const done = new Barrier(2);
    const job = spmd(
      async ({ rank, vars }) => {
        if (rank === 0) for (let i = 0; i < 5; i++) vars.queue.push(i);
        vars.done.wait(); // the consumer "joins" the producer before draining
        if (rank === 1) while (vars.queue.tryPop() !== undefined);
      },
      2,
      { queue, done },
    );
    await assert.rejects(pool.runSpmd(job), {
      name: "DeadlockError",
      message:
        /w0 waits to push to `queue`, full \(2 of 2\); w1 waits at `done` \(1 of 2 arrived\).*consume before waiting/,
    });
  });

  it("every permit held by a waiting worker", async () => {
    const permits = new Semaphore(1);
    const gate = new Barrier(2);
    const job = spmd(
      async ({ vars }) => {
        vars.gate.wait();
        vars.permits.acquire();
        vars.permits.acquire(); // a second permit that the other worker holds
      },
      2,
      { permits, gate },
    );
    await assert.rejects(pool.runSpmd(job), {
      name: "DeadlockError",
      message: /waits to acquire `permits` \(0 permits free\)/,
    });
  });

  it("contention is not a deadlock, and neither is a wait with a timeout", async () => {
    const m = new Mutex();
    const busy = await pool.runSpmd(
      spmd(
        async ({ vars }) => {
          for (let i = 0; i < 5; i++) {
            vars.m.lock();
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // hold it a while
            vars.m.unlock();
          }
          return "done";
        },
        2,
        { m },
      ),
    );
    assert.deepEqual(busy.values, ["done", "done"]);
    const s = new Semaphore(0);
    const timed = await pool.runSpmd(spmd(async ({ vars }) => vars.s.acquire(800), 2, { s }));
    assert.deepEqual(timed.values, [false, false], "both waited out their timeout");
  });
});
