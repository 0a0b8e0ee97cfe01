/**
 * Numbers take a fast path between kernel and workers (transfer/pack-numbers.ts): what a map
 * returns must not change for it. These run real workers of both kinds.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Pool } from "./pool";
import { KINDS, map } from "./fixtures/jobs";

const SPECIAL = [-0, 0, NaN, Infinity, -Infinity, 2 ** 53 + 2, -1e-310, Number.MAX_VALUE, 1 / 3, 7, -7.5];
const N = 1000;
const numbers = Array.from({ length: N }, (_, i) => SPECIAL[i % SPECIAL.length]);

function assertSame(actual: unknown[], expected: unknown[]): void {
  assert.ok(Array.isArray(actual), "a plain array");
  assert.equal(Object.getPrototypeOf(actual), Array.prototype);
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(i in actual, `no hole at ${i}`);
    assert.ok(Object.is(actual[i], expected[i]), `index ${i}: ${String(actual[i])} !== ${String(expected[i])}`);
  }
}

for (const kind of KINDS) {
  describe(`numbers round-trip exactly (${kind})`, () => {
    let pool: Pool;
    before(() => {
      pool = new Pool({ size: 2, kind });
    });
    after(() => pool.close());

    for (const chunksize of [undefined, 1, 100, 999, N]) {
      it(`-0, NaN, Infinity, huge and tiny numbers, chunksize ${chunksize ?? "auto"}`, async () => {
        const r = await pool.runMap(map(({ item }) => item, numbers, { chunksize }));
        assertSame(r.values, numbers);
        const twice = await pool.runMap(map(({ item }) => item * 2, numbers, { chunksize }));
        assertSame(
          twice.values,
          numbers.map((x) => x * 2),
        );
      });
    }

    it("falls back to plain values at the first non-number, in a chunk and across chunks", async () => {
      const body = ({ item, index }: { item: number; index: number }) =>
        index === 500 ? "five hundred" : index === 700 ? undefined : index === 800 ? { item } : item;
      const expected = numbers.map((x, i) =>
        i === 500 ? "five hundred" : i === 700 ? undefined : i === 800 ? { item: x } : x,
      );
      for (const chunksize of [undefined, 100, N]) {
        const r = await pool.runMap(map(body, numbers, { chunksize }));
        assert.deepEqual(r.values, expected);
        assertSame(
          r.values.filter((_, i) => i !== 800),
          expected.filter((_, i) => i !== 800),
        );
      }
    });

    it("mixed items (numbers then strings) reach the body unchanged", async () => {
      const items: unknown[] = [...numbers.slice(0, 200), "a", null, [1], ...numbers.slice(0, 100)];
      const r = await pool.runMap(map(({ item }) => item, items, { chunksize: 64 }));
      assert.deepEqual(r.values, items);
      assertSame(r.values.slice(0, 200), numbers.slice(0, 200));
    });

    it("typed-array items: each chunk sees numbers, the results are a plain array", async () => {
      const ints = Int32Array.from({ length: 300 }, (_, i) => i - 150);
      const r = await pool.runMap(map(({ item }) => item * 2, ints as unknown as unknown[], { chunksize: 70 }));
      assertSame(
        r.values,
        Array.from(ints, (x) => x * 2),
      );
      const floats = Float64Array.from(numbers);
      const f = await pool.runMap(map(({ item }) => item, floats as unknown as unknown[]));
      assertSame(f.values, numbers);
      assert.equal(floats.length, N, "the caller's typed array is not transferred away");
      assert.ok(Object.is(floats[0], -0));
    });

    it("no items, and one item", async () => {
      assert.deepEqual((await pool.runMap(map(({ item }) => item, []))).values, []);
      assertSame((await pool.runMap(map(({ item }) => -item, [0]))).values, [-0]);
    });

    it("continue-on-error: a failed item in a numeric chunk reads undefined, the others their numbers", async () => {
      const body = ({ item, index }: { item: number; index: number }) => {
        if (index === 321) throw new Error("bad item");
        return item;
      };
      const r = await pool.runMap(map(body, numbers, { continueOnError: true, chunksize: 500 }));
      assert.equal(r.errors.length, 1);
      assertSame(
        r.values,
        numbers.map((x, i) => (i === 321 ? undefined : x)),
      );
    });
  });
}
