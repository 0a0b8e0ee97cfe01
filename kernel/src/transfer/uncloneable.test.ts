import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { findUncloneable } from "./uncloneable";

test("cloneable values have no culprit", () => {
  for (const v of [1, "a", [1, 2], { a: new Map([[1, 2]]) }, new Float64Array(3), null, undefined]) {
    assert.equal(findUncloneable(v), undefined);
  }
});

test("the culprit, its path and a fix", () => {
  const cases: [unknown, string, RegExp, RegExp][] = [
    [() => 1, "", /^a function$/, /call it: fn\(\)/],
    [function named() {}, "", /^a function \(named\)$/, /named\(\)/],
    [{ $value: () => 1 }.$value, "", /^a function$/, /call it: fn\(\)/],
    [Symbol("x"), "", /^a Symbol$/, /sym\.description/],
    [new WeakMap(), "", /^a WeakMap$/, /a Map/],
    [{ a: 1, cb: () => 2 }, ".cb", /function/, /call it/],
    [[1, [2, Symbol("y")]], "[1][1]", /Symbol/, /description/],
    [new Map([["k", () => 0]]), '.get("k")', /function/, /call it/],
    [Promise.resolve(1), "", /^a Promise$/, /await/],
  ];
  for (const [value, path, what, fix] of cases) {
    const found = findUncloneable(value);
    assert.ok(found, inspect(value));
    assert.equal(found.path, path);
    assert.match(found.what, what);
    assert.match(found.fix, fix);
  }
});
