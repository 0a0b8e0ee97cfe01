import * as assert from "node:assert/strict";
import { test } from "node:test";
import { unexport } from "./unexport";

const cases: [string, string, string][] = [
  ["an earlier cell's function", "(part) => exports.makeData(part)", "(part) => makeData(part)"],
  ["several, nested", "function (x) { return exports.f(exports.g(x)); }", "function (x) { return f(g(x)); }"],
  ["no exports at all", "(x) => x + 1", "(x) => x + 1"],
  ["a local called exports is left alone", "(exports) => exports.a", "(exports) => exports.a"],
];
for (const [name, input, want] of cases) {
  test(`unexport: ${name}`, () => assert.equal(unexport(input), want));
}
