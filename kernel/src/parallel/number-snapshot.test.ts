import assert from "node:assert/strict";
import { test } from "node:test";
import { releaseSnapshot, snapshotNumbers } from "./number-snapshot";

const numbers = (n: number, plus = 0) => Array.from({ length: n }, (_, i) => i + plus);

test("a snapshot is a copy: changing the array afterwards changes nothing in it", () => {
  const items = numbers(100);
  const copy = snapshotNumbers(items)!;
  items[0] = 99;
  assert.equal(copy[0], 0);
  assert.deepEqual([...copy], numbers(100));
});

test("too few items, or one that is not a number, make no snapshot", () => {
  assert.equal(snapshotNumbers(numbers(10)), undefined);
  assert.equal(snapshotNumbers([...numbers(100), "x"]), undefined);
});

test("a released snapshot's memory is reused by the next one; one still out is never written", () => {
  const first = snapshotNumbers(numbers(100))!;
  const second = snapshotNumbers(numbers(100, 1000))!;
  assert.notEqual(second.buffer, first.buffer, "the first is still out");
  assert.equal(first[0], 0);
  releaseSnapshot(first);
  const third = snapshotNumbers(numbers(80, 5000))!;
  assert.equal(third.buffer, first.buffer, "reused");
  assert.equal(third.length, 80);
  assert.equal(third[0], 5000);
  assert.equal(second[0], 1000, "the second is untouched");
  const fourth = snapshotNumbers(numbers(100, 7))!;
  assert.notEqual(fourth.buffer, third.buffer, "the third is out again");
});

test("releasing what is not a snapshot keeps nothing", () => {
  releaseSnapshot([1, 2, 3]);
  releaseSnapshot(new Float64Array(new SharedArrayBuffer(800)));
  const a = snapshotNumbers(numbers(100))!;
  assert.ok(a.buffer instanceof ArrayBuffer);
});
