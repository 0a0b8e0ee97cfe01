import * as assert from "node:assert/strict";
import { test } from "node:test";
import { findCallSite } from "./call-site";

// What tslab makes of a cell: helpers and exports lines on top, `(0, paralab_1.delayed)` for an
// import of this cell, `exports.delayed` for one of an earlier cell. Columns as V8 reports them.
const ts = [
  'import { delayed } from "paralab";',
  "",
  "interface Stats { n: number }",
  "const load = delayed((part: number): number => part);",
  "// a comment",
  "const stats = delayed((x: number): Stats => ({ n: x }));",
  "const other = [1, 2].map((p) => stats(load(p)));",
].join("\n");
const js = [
  '(function(exports, require) { Object.defineProperty(exports, "__esModule", { value: true });',
  "exports.other = exports.stats = exports.load = void 0;",
  'const paralab_1 = require("paralab");',
  "const load = (0, paralab_1.delayed)((part) => part);",
  "exports.load = load;",
  "// a comment",
  "const stats = (0, paralab_1.delayed)((x) => ({ n: x }));",
  "exports.stats = stats;",
  "const other = [1, 2].map((p) => stats(load(p)));",
].join("\n");

const cases: { name: string; line: number; column: number; want: ReturnType<typeof findCallSite> }[] = [
  {
    name: "an imported function is called through (0, m.f): V8 points at its '('",
    line: 4,
    column: 36,
    want: { line: 4, assignedTo: "load" },
  },
  { name: "the second call of the same function", line: 7, column: 37, want: { line: 6, assignedTo: "stats" } },
  { name: "a call by name, not assigned", line: 9, column: 39, want: { line: 7 } },
  { name: "a position that is no call", line: 2, column: 1, want: undefined },
  { name: "a line outside the script", line: 99, column: 1, want: undefined },
];

for (const c of cases) {
  test(`findCallSite: ${c.name}`, () => {
    assert.deepEqual(findCallSite(ts, js, c.line, c.column), c.want);
  });
}

test("findCallSite: exports.f for an earlier cell's function", () => {
  const site = findCallSite("const f = delayed((x: number) => x);", "const f = exports.delayed((x) => x);", 1, 19);
  assert.deepEqual(site, { line: 1, assignedTo: "f" });
});
