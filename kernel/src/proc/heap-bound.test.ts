import assert from "node:assert/strict";
import { test } from "node:test";
import { HeapBound } from "./heap-bound";

const MB = 1024 * 1024;

function fakeHeap(start: number) {
  const state = {
    used: start,
    collections: 0,
    deferred: [] as (() => void)[],
    nowMs: 0,
    fullGcSeen: (ms?: number): void => void ms,
  };
  const bound = new HeapBound({
    onFullGc: (fn) => void (state.fullGcSeen = (ms?: number) => fn(ms ?? 0)),
    nowMs: () => state.nowMs,
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

test("before a run, a heap grown by a quarter of its live size since the last full GC is collected at once", () => {
  const { state, bound } = fakeHeap(30 * MB);
  state.fullGcSeen(); // V8's own, at start-up: 30 MB live
  state.used = 44 * MB; // +14 MB: under RUN_SLACK (16 MB)
  bound.beforeTimedWork();
  assert.equal(state.collections, 0);
  state.used = 100 * MB; // the type checker was built: V8 would collect at up to 4x 30 MB, concurrently
  bound.beforeTimedWork();
  assert.equal(state.collections, 1, "synchronously, before the run is timed");
  state.used = 150 * MB; // live is now 120 MB: the bar is 150 MB
  bound.beforeTimedWork();
  assert.equal(state.collections, 1);
  state.used = 151 * MB;
  bound.beforeTimedWork();
  assert.equal(state.collections, 2);
});

test("V8's own full GCs move the baseline, so that a heap it just collected is not collected again", () => {
  const { state, bound } = fakeHeap(30 * MB);
  state.fullGcSeen();
  state.used = 110 * MB;
  state.fullGcSeen(); // V8 collected (or the cell's garbage was little): 110 MB is what is live
  state.used = 130 * MB;
  bound.beforeTimedWork();
  bound.afterCell();
  assert.equal(state.collections, 0);
});

test("a collection still pending when the next cell starts runs before that cell's code, and not again on the timer", () => {
  const { state, bound, runDeferred } = fakeHeap(100 * MB);
  bound.afterCell();
  state.used = 201 * MB;
  bound.afterCell();
  bound.beforeCell();
  assert.equal(state.collections, 1, "at the cell's start");
  runDeferred();
  assert.equal(state.collections, 1, "the timer finds nothing pending");
  bound.beforeCell();
  assert.equal(state.collections, 1);
});

test("before a run, no full GC sooner after the last than ten times its length", () => {
  const { state, bound } = fakeHeap(100 * MB);
  state.fullGcSeen(70); // 100 MB live, a 70 ms collection, at 0 ms
  state.used = 130 * MB;
  state.nowMs = 500;
  bound.beforeTimedWork();
  assert.equal(state.collections, 0, "within 700 ms of a 70 ms GC");
  state.nowMs = 701;
  bound.beforeTimedWork();
  assert.equal(state.collections, 1);
});
