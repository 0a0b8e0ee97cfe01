import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DynamicQueue, SpmdQueue, StaticQueue, type Chunk, type TaskQueue } from "./task-queue";

function drain(q: TaskQueue, ranks: number): Chunk[] {
  const out: Chunk[] = [];
  for (let guard = 0; q.pending > 0 && guard < 1e6; guard++) {
    const c = q.next(guard % ranks);
    if (c) out.push(c);
  }
  return out;
}

function covers(chunks: Chunk[], n: number): boolean {
  const seen = new Array<number>(n).fill(0);
  for (const c of chunks) for (let i = c.start; i < c.start + c.count; i++) seen[i]++;
  return seen.every((x) => x === 1);
}

describe("task queues", () => {
  it("static: contiguous blocks per rank", () => {
    const q = new StaticQueue(10, 3);
    assert.deepEqual(
      [q.next(0), q.next(1), q.next(2), q.next(0)],
      [{ start: 0, count: 3 }, { start: 3, count: 3 }, { start: 6, count: 4 }, undefined],
    );
  });

  it("static with chunksize: round-robin chunks", () => {
    const q = new StaticQueue(7, 2, 2);
    assert.deepEqual(
      [q.next(0), q.next(0), q.next(1), q.next(1), q.next(1)],
      [{ start: 0, count: 2 }, { start: 4, count: 2 }, { start: 2, count: 2 }, { start: 6, count: 1 }, undefined],
    );
  });

  it("dynamic with chunksize covers every item once", () => {
    const chunks = drain(new DynamicQueue(23, 2, 5), 2);
    assert.deepEqual(
      chunks.map((c) => c.count),
      [5, 5, 5, 5, 3],
    );
    assert.ok(covers(chunks, 23));
  });

  it("adaptive chunks grow for tiny tasks and stay small for slow ones", () => {
    const tiny = new DynamicQueue(100_000, 2);
    // the probe: 1/64 of a worker's share
    assert.equal(tiny.next()!.count, 781);
    tiny.observe(781, 0.5);
    assert.ok(tiny.next()!.count > 10_000);
    const slow = new DynamicQueue(100, 2);
    assert.equal(slow.next()!.count, 1, "few items: a probe of one");
    slow.observe(1, 50);
    assert.equal(slow.next()!.count, 1);
    const all = new DynamicQueue(1000, 4);
    const chunks: Chunk[] = [];
    for (let c = all.next(); c; c = all.next()) {
      chunks.push(c);
      all.observe(c.count, c.count * 0.001);
    }
    assert.ok(covers(chunks, 1000));
  });

  it("a rest of at most 2 ms per worker is split evenly, one chunk per worker", () => {
    const q = new DynamicQueue(100_000, 2);
    const probes = [q.next()!, q.next()!];
    assert.deepEqual(
      probes.map((c) => c.count),
      [781, 781],
    );
    q.observe(781, 781 * 20e-6); // 20 ns an item: the 98,438 left are ~2 ms of work, 1 ms a worker
    const rest = [q.next()!, q.next()!];
    assert.deepEqual(
      rest.map((c) => c.count),
      [49_219, 49_219],
    );
    assert.equal(q.next(), undefined);
    assert.ok(covers([...probes, ...rest], 100_000));
    // heavier work keeps the guided tail: chunks shrink as the rest does
    const heavy = new DynamicQueue(100_000, 2);
    heavy.next();
    heavy.observe(781, 781 * 1e-3); // 1 µs an item: ~100 ms left
    const sizes: number[] = [];
    for (let c = heavy.next(); c; c = heavy.next()) {
      sizes.push(c.count);
      heavy.observe(c.count, c.count * 1e-3);
    }
    assert.ok(sizes.length > 4, `several chunks: ${sizes.join(", ")}`);
    assert.ok(sizes[0] <= 20_000, "at most 20 ms of work a chunk");
  });

  it("spmd: one task per rank", () => {
    const q = new SpmdQueue(2);
    assert.deepEqual(
      [q.next(1), q.next(1), q.next(0), q.pending],
      [{ start: 1, count: 1 }, undefined, { start: 0, count: 1 }, 0],
    );
  });
});
