import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Barrier, Mutex, Semaphore, SharedQueue, reviveShared, shared } from "./index";

describe("shared arrays", () => {
  it("are typed arrays on SharedArrayBuffer", () => {
    for (const a of [shared.float64(4), shared.int32(4), shared.uint8(4), shared.float32(4)]) {
      assert.ok(a.buffer instanceof SharedArrayBuffer);
      assert.equal(a.length, 4);
    }
    assert.throws(() => shared.int32(-1), /shared\.int32\(n\): n must be a non-negative integer, got -1/);
  });
});

describe("Mutex", () => {
  it("locks, unlocks, and tryLock fails while held", async () => {
    const m = new Mutex();
    m.lock();
    assert.equal(m.tryLock(), false);
    let entered = false;
    const p = m.withLock(() => (entered = true));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(entered, false);
    m.unlock();
    await p;
    assert.equal(entered, true);
    assert.equal(m.tryLock(), true);
    m.unlock();
  });
});

describe("Semaphore", () => {
  it("counts permits", async () => {
    const s = new Semaphore(2);
    assert.ok(s.tryAcquire() && s.tryAcquire());
    assert.equal(s.tryAcquire(), false);
    assert.equal(s.acquire(10), false);
    const later = s.acquireAsync();
    s.release();
    assert.equal(await later, true);
    assert.equal(s.value, 0);
  });
});

describe("Barrier", () => {
  it("releases when all parties arrive; one of them is the last", async () => {
    const b = new Barrier(2);
    const first = b.waitAsync();
    const second = b.waitAsync();
    assert.deepEqual((await Promise.all([first, second])).sort(), [false, true]);
  });
});

describe("SharedQueue", () => {
  it("is FIFO for numbers and JSON values, bounded by capacity", () => {
    const q = new SharedQueue(3, { slotBytes: 64 });
    assert.ok(q.tryPush(1) && q.tryPush({ a: [1, "x"] }) && q.tryPush("s"));
    assert.equal(q.tryPush(4), false);
    assert.equal(q.push(4, 5), false);
    assert.equal(q.size, 3);
    assert.deepEqual(
      [q.tryPop(), q.tryPop(), q.pop(), q.tryPop(), q.pop(5)],
      [1, { a: [1, "x"] }, "s", undefined, undefined],
    );
    assert.throws(
      () => q.push("x".repeat(100)),
      /needs 102 bytes as JSON but slots hold 64\. Create the queue with new SharedQueue\(capacity, \{ slotBytes: 104 \}\)/,
    );
  });

  it("popAsync waits for a push without blocking the event loop", async () => {
    const q = new SharedQueue<number>(1);
    const got = q.popAsync();
    setTimeout(() => q.tryPush(9), 5);
    assert.equal(await got, 9);
  });
});

describe("reviveShared", () => {
  it("rebuilds classes from their structured clones (top level and one level down)", () => {
    const m = new Mutex();
    const q = new SharedQueue(2);
    const cloned = structuredClone({ m, list: [new Semaphore(1), new Barrier(2)], q }) as Record<string, unknown>;
    assert.ok(!(cloned.m instanceof Mutex));
    const rev = reviveShared(cloned) as Record<string, unknown>;
    assert.ok(rev.m instanceof Mutex && rev.q instanceof SharedQueue);
    const list = reviveShared(structuredClone([new Semaphore(1), new Barrier(2)])) as unknown[];
    assert.ok(list[0] instanceof Semaphore && list[1] instanceof Barrier);
    (rev.m as Mutex).lock();
    assert.equal(m.tryLock(), false, "the revived mutex shares memory with the original");
    (rev.m as Mutex).unlock();
    assert.deepEqual(reviveShared(m.encode()), m);
  });
});
