import assert from "node:assert/strict";
import { test } from "node:test";
import { packNumbers } from "./pack-numbers";

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
