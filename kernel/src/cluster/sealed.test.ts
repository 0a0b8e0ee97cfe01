import assert from "node:assert/strict";
import { test } from "node:test";
import { seal, unseal } from "./sealed";

const KEY = Buffer.from("0123456789abcdef0123");
const WHERE = "paralab.cluster:q:results:abc123:load#1";

test("a sealed result opens with its key at its place, and keeps typed arrays and Maps", () => {
  const value = { xs: new Float64Array([1.5, NaN]), m: new Map([["a", 1]]), u: undefined };
  assert.deepEqual(unseal(KEY, WHERE, seal(KEY, WHERE, value)), value);
});

test("a result written without the key, altered, or moved to another node is refused", () => {
  const bytes = seal(KEY, WHERE, [1, 2, 3]);
  assert.throws(() => unseal(Buffer.from("another key of 20 ch"), WHERE, bytes), /not signed with this cluster's key/);
  assert.throws(() => unseal(KEY, `${WHERE}x`, bytes), /not signed with this cluster's key/);
  const altered = Buffer.from(bytes);
  altered[altered.length - 1] ^= 1;
  assert.throws(() => unseal(KEY, WHERE, altered), /not signed/);
  assert.throws(() => unseal(KEY, WHERE, Buffer.alloc(5)), /not signed/);
});
