import assert from "node:assert/strict";
import { test } from "node:test";
import { ClusterChunker, type Chunk } from "./chunks";

function drain(c: ClusterChunker): Chunk[] {
  const out: Chunk[] = [];
  for (let k = c.next(); k; k = c.next()) out.push(k);
  return out;
}

test("static: one contiguous block per worker, in order", () => {
  assert.deepEqual(drain(new ClusterChunker(10, 3, "static")), [
    { start: 0, count: 3 },
    { start: 3, count: 3 },
    { start: 6, count: 4 },
  ]);
});

test("a fixed chunksize cuts every task the same (the last one shorter)", () => {
  assert.deepEqual(
    drain(new ClusterChunker(7, 2, "dynamic", 3)).map((c) => c.count),
    [3, 3, 1],
  );
});

test("adaptive: one item per task until measured, then tasks of about 50 ms, guided in the tail", () => {
  const c = new ClusterChunker(100_000, 2, "dynamic");
  assert.deepEqual(c.next(), { start: 0, count: 1 });
  c.observe(1, 0.01); // 10 µs per item → 5,000 items per 50 ms
  assert.equal(c.next()!.count, 5000);
  const rest = drain(c);
  assert.equal(
    rest.reduce((n, k) => n + k.count, 0),
    100_000 - 5001,
  );
  assert.ok(rest.every((k) => k.count <= 5000));
});
