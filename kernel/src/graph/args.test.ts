import * as assert from "node:assert/strict";
import { test } from "node:test";
import { fillArgs, formatPath, splitArgs } from "./args";

class Node {
  constructor(readonly id: string) {}
}
const nodeOf = (v: unknown) => (v instanceof Node ? v.id : undefined);
const a = new Node("a");
const b = new Node("b");

const cases: { name: string; args: unknown[]; template: unknown[]; refs: [(string | number)[], string][] }[] = [
  { name: "plain values travel as they are", args: [1, "x", [2, 3]], template: [1, "x", [2, 3]], refs: [] },
  { name: "a node argument", args: [a, 2], template: [null, 2], refs: [[[0], "a"]] },
  {
    name: "nodes in an array",
    args: [[a, 5, b]],
    template: [[null, 5, null]],
    refs: [
      [[0, 0], "a"],
      [[0, 2], "b"],
    ],
  },
  {
    name: "nodes in a plain object",
    args: [{ x: a, y: { z: b } }],
    template: [{ x: null, y: { z: null } }],
    refs: [
      [[0, "x"], "a"],
      [[0, "y", "z"], "b"],
    ],
  },
  { name: "typed arrays are data", args: [new Float64Array([1, 2])], template: [new Float64Array([1, 2])], refs: [] },
];

for (const c of cases) {
  test(`splitArgs: ${c.name}`, () => {
    const split = splitArgs(c.args, nodeOf);
    assert.deepEqual(split.template, c.template);
    assert.deepEqual(
      split.refs.map((r) => [r.path, r.node]),
      c.refs,
    );
  });
}

test("splitArgs leaves the caller's arrays untouched", () => {
  const list = [a, 1];
  splitArgs([list], nodeOf);
  assert.equal(list[0], a);
});

test("splitArgs refuses a node inside a Map, and says where to put it", () => {
  assert.throws(
    () => splitArgs([1, new Map([["k", a]])], nodeOf),
    /inside a Map \(argument 1\); put delayed values in arrays or plain objects/,
  );
});

test("fillArgs puts values at paths in a copy", () => {
  const template = [null, [1, null], { x: null }];
  const filled = fillArgs(template, [
    { path: [0], value: "A" },
    { path: [1, 1], value: "B" },
    { path: [2, "x"], value: "C" },
  ]);
  assert.deepEqual(filled, ["A", [1, "B"], { x: "C" }]);
  assert.deepEqual(template, [null, [1, null], { x: null }]);
});

test("formatPath", () => {
  assert.equal(formatPath([1, 2, "x"]), "1[2].x");
});
