import assert from "node:assert/strict";
import { test } from "node:test";
import { HeapBound } from "./heap-bound";

const MB = 1024 * 1024;

function fakeHeap(start: number) {
  const state = { used: start, collections: 0, deferred: [] as (() => void)[] };
  const bound = new HeapBound({
    usedBytes: () => state.used,
    collect: () => {
      state.collections++;
      state.used = 120 * MB; // what stays live
    },
    defer: (fn) => void state.deferred.push(fn),
  });
  const runDeferred = () => state.deferred.splice(0).forEach((fn) => fn());
  return { state, bound, runDeferred };
}

test("cells that leave less garbage than the slack never trigger a collection", () => {
  const { state, bound, runDeferred } = fakeHeap(100 * MB);
  for (let used = 100; used <= 196; used += 8) {
    state.used = used * MB;
    bound.afterCell();
  }
  runDeferred();
  assert.equal(state.collections, 0);
});

test("past twice the live size (and the slack), one full GC runs after the cell, and the new live size is the baseline", () => {
  const { state, bound, runDeferred } = fakeHeap(100 * MB);
  bound.afterCell(); // baseline 100 MB: the bound is 200 MB
  state.used = 201 * MB;
  bound.afterCell();
  bound.afterCell(); // already scheduled: not twice
  assert.equal(state.collections, 0, "not during the cell: deferred");
  runDeferred();
  assert.equal(state.collections, 1);
  state.used = 230 * MB; // under 120 + max(120, 96) = 240
  bound.afterCell();
  runDeferred();
  assert.equal(state.collections, 1);
  state.used = 241 * MB;
  bound.afterCell();
  runDeferred();
  assert.equal(state.collections, 2);
});
