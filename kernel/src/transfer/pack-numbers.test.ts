import assert from "node:assert/strict";
import { test } from "node:test";
import { MIN_PACKED_LENGTH, packNumbers, ResultCollector, transferableBuffer } from "./pack-numbers";

test("packNumbers packs long arrays of numbers exactly and leaves everything else", () => {
  const numbers = Array.from({ length: 100 }, (_, i) => (i === 3 ? -0 : i === 4 ? NaN : i / 3));
  const packed = packNumbers(numbers);
  assert.ok(packed instanceof Float64Array);
  assert.deepEqual(Array.from(packed), numbers);
  assert.ok(Object.is(packed[3], -0));
  const mixed = [...numbers.slice(0, 99), "x"];
  assert.equal(packNumbers(mixed), mixed);
  const short = [1, 2, 3];
  assert.equal(packNumbers(short), short);
});

const SPECIAL = [-0, 0, NaN, Infinity, -Infinity, 2 ** 53 + 2, -1e-310, Number.MAX_VALUE, 1 / 3, 7];

function collect(values: unknown[], capacity = values.length): Float64Array | unknown[] {
  const c = new ResultCollector(capacity);
  values.forEach((v, i) => c.set(i, v));
  return c.finish(values.length);
}

test("ResultCollector keeps numbers in a Float64Array, bit for bit", () => {
  const values = Array.from({ length: 200 }, (_, i) => SPECIAL[i % SPECIAL.length]);
  const out = collect(values);
  assert.ok(out instanceof Float64Array);
  assert.equal(out.length, 200);
  for (let i = 0; i < values.length; i++) assert.ok(Object.is(out[i], values[i]), `index ${i}`);
  assert.equal(transferableBuffer(out), out.buffer);
});

test("ResultCollector turns into a plain array at the first non-number, keeping the numbers before it", () => {
  const values: unknown[] = Array.from({ length: 100 }, (_, i) => SPECIAL[i % SPECIAL.length]);
  values[70] = "seventy";
  values[80] = undefined;
  values[90] = { n: 90 };
  const out = collect(values);
  assert.ok(Array.isArray(out));
  assert.equal(out.length, 100);
  for (let i = 0; i < values.length; i++) assert.ok(Object.is(out[i], values[i]), `index ${i}`);
  assert.ok(80 in out, "undefined is a value, not a hole");
  assert.equal(transferableBuffer(out), undefined);
});

test("ResultCollector: short, empty and cut-short chunks", () => {
  const short = collect([1, -0, NaN]);
  assert.ok(Array.isArray(short));
  assert.ok(Object.is(short[1], -0));
  assert.deepEqual(collect([]), []);
  const one = collect([5]);
  assert.deepEqual(one, [5]);
  // a chunk cancelled after 70 of 100 items: exactly 70 results, in a buffer of their own
  const c = new ResultCollector(100);
  for (let i = 0; i < 70; i++) c.set(i, i + 0.5);
  const cut = c.finish(70);
  assert.ok(cut instanceof Float64Array);
  assert.equal(cut.length, 70);
  assert.equal(cut[69], 69.5);
  assert.equal(transferableBuffer(cut), cut.buffer);
  assert.equal(MIN_PACKED_LENGTH <= 100, true);
});

test("transferableBuffer moves only a Float64Array that owns its whole buffer", () => {
  const whole = new Float64Array(8);
  assert.equal(transferableBuffer(whole), whole.buffer);
  assert.equal(transferableBuffer(whole.subarray(2)), undefined);
  assert.equal(transferableBuffer(new Float64Array(new SharedArrayBuffer(64))), undefined);
  assert.equal(transferableBuffer([1, 2]), undefined);
  assert.equal(transferableBuffer(new Int32Array(4)), undefined);
});
