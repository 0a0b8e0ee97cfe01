import assert from "node:assert/strict";
import { test } from "node:test";
import { describeThrown, toRemoteError } from "./thrown";

test("an Error keeps its name, message and stack; other thrown values read as written", () => {
  const e = new TypeError("bad");
  assert.deepEqual(toRemoteError(e), { name: "TypeError", message: "bad", stack: e.stack });
  assert.match(toRemoteError({ code: 42 }).message, /^\{"code":42\} \(a thrown object, not an Error; throw new Error/);
  assert.match(toRemoteError([1, 2]).message, /^\[1,2\] \(a thrown array, not an Error/);
  assert.match(toRemoteError("oops").message, /^"oops" \(a thrown string, not an Error/);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.match(toRemoteError(cycle).message, /^<ref \*1> \{ self: \[Circular \*1\] \} \(a thrown object/);
});

test("null and undefined are named as such, not as a thrown object", () => {
  const cases: [unknown, RegExp][] = [
    [null, /^null was thrown, not an Error; throw new Error\(\.\.\.\) to get a message and a stack$/],
    [
      undefined,
      /^undefined was thrown \(throw undefined, or a promise rejected with no reason\), not an Error; throw new Error/,
    ],
  ];
  for (const [thrown, message] of cases) {
    assert.equal(toRemoteError(thrown).name, "Error");
    assert.match(toRemoteError(thrown).message, message);
    assert.doesNotMatch(describeThrown(thrown), /a thrown (object|undefined)/);
  }
  assert.match(describeThrown(0), /^0 \(a thrown number, not an Error/);
});
