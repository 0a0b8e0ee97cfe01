import assert from "node:assert/strict";
import { test } from "node:test";
import { assemble, MapTally } from "./map-tally";

test("assemble lays Float64Array pieces into a plain array, exactly", () => {
  const a = Float64Array.from([-0, NaN, Infinity]);
  const b = Float64Array.from([1 / 3, -Infinity]);
  const out = assemble(
    [
      { start: 3, values: b },
      { start: 0, values: a },
    ],
    5,
  );
  assert.ok(Array.isArray(out));
  assert.equal(Object.getPrototypeOf(out), Array.prototype);
  assert.deepEqual(out, [-0, NaN, Infinity, 1 / 3, -Infinity]);
  assert.ok(Object.is(out[0], -0));
});

test("assemble mixes typed and plain pieces, and leaves undefined (not holes) where nothing came back", () => {
  const out = assemble(
    [
      { start: 0, values: Float64Array.from([1, 2]) },
      { start: 4, values: ["x", { y: 1 }] },
    ],
    7,
  );
  assert.deepEqual(out, [1, 2, undefined, undefined, "x", { y: 1 }, undefined]);
  assert.ok(2 in out && 6 in out, "no holes");
  assert.deepEqual(assemble([], 0), []);
  assert.deepEqual(assemble([], 2), [undefined, undefined]);
});

test("assemble: a later piece for the same items wins (a task that ran again)", () => {
  const out = assemble(
    [
      { start: 0, values: Float64Array.from([1, 1]) },
      { start: 0, values: Float64Array.from([2, 2]) },
    ],
    2,
  );
  assert.deepEqual(out, [2, 2]);
});

function result(start: number, values: ArrayLike<unknown>) {
  return {
    type: "result" as const,
    lane: 0,
    task: { start, count: values.length, bytesIn: 0 },
    values: values as unknown[],
    errors: [],
    cancelled: false,
    startMs: 0,
    endMs: 1,
    cpuMs: 1,
    execMs: 1,
    bytesOut: 0,
  };
}

test("MapTally: ordered values by item whatever the arrival order; unordered in arrival order", () => {
  const run = { mode: "map" as const, total: 4, continueOnError: false, hooks: {} };
  const ordered = new MapTally({ ...run, ordered: true });
  ordered.add(result(2, Float64Array.from([3, 4])));
  ordered.add(result(0, [1, -0]));
  assert.ok(ordered.complete);
  const values = ordered.outcome({ workers: 2 }).values;
  assert.deepEqual(values, [1, -0, 3, 4]);
  assert.ok(Object.is(values[1], -0));
  const unordered = new MapTally({ ...run, ordered: false });
  unordered.add(result(2, Float64Array.from([3, 4])));
  unordered.add(result(0, [1, 2]));
  assert.deepEqual(unordered.outcome({ workers: 2 }).values, [3, 4, 1, 2]);
});
