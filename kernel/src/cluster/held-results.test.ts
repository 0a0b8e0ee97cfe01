import assert from "node:assert/strict";
import { test } from "node:test";
import { HELD_TTL_MS, HOLD_FROM_BYTES, HeldResults } from "./held-results";
import type { RuntimeThread } from "./runtime-thread";

// Runtimes are only compared by identity here: stand-ins are enough (no thread is started).
const runtime = (name: string) => ({ name }) as unknown as RuntimeThread;
const w0 = runtime("w0");
const w1 = runtime("w1");
const serving = () => true;
const key = (id: string) => HeldResults.nodeKey("k1", id);

test("only results from HOLD_FROM_BYTES up are held, and a runtime holds no more than its share", () => {
  const held = new HeldResults(3 * HOLD_FROM_BYTES);
  assert.equal(held.canHold(w0, HOLD_FROM_BYTES - 1), false);
  assert.equal(held.canHold(w0, HOLD_FROM_BYTES), true);
  held.add(key("a"), w0, 2 * HOLD_FROM_BYTES);
  assert.equal(held.canHold(w0, 2 * HOLD_FROM_BYTES), false);
  assert.equal(held.canHold(w1, 2 * HOLD_FROM_BYTES), true);
});

test("a batch runs on the runtime holding most of its inputs' bytes; a replaced runtime holds nothing", () => {
  const held = new HeldResults(1e12);
  held.add(key("a"), w0, 100);
  held.add(key("b"), w1, 150);
  held.add(key("c"), w0, 100);
  assert.equal(held.best([key("a"), key("b"), key("c")], serving), w0);
  assert.equal(held.best([key("a"), key("b")], serving), w1);
  const replaced = (t: RuntimeThread) => t !== w0;
  assert.equal(held.where(key("a"), replaced), undefined);
  assert.equal(held.best([key("c"), key("b")], replaced), w1);
});

test("kernels' namespaces never mix, release says which runtime drops what, stale entries go", () => {
  const held = new HeldResults(1e12);
  held.add(key("x"), w0, 1);
  held.add(HeldResults.nodeKey("k2", "x"), w1, 1);
  assert.deepEqual(held.keysOf("k1"), [key("x")]);
  assert.deepEqual([...held.release([key("x"), key("never")])], [[w0, [key("x")]]]);
  assert.equal(held.where(key("x"), serving), undefined);
  assert.equal(held.where(HeldResults.nodeKey("k2", "x"), serving), w1);
  assert.deepEqual(held.stale(HELD_TTL_MS, Date.now() + HELD_TTL_MS + 1), [HeldResults.nodeKey("k2", "x")]);
});
