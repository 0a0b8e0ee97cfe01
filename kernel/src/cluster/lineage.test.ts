import assert from "node:assert/strict";
import { test } from "node:test";
import type { GraphTaskSpec } from "../run/graphs";
import { lineage, type Located } from "./lineage";

const spec = (id: string, deps: string[] = []): GraphTaskSpec => ({ id, code: 0, args: [], refs: [], deps });
const graph = (...specs: GraphTaskSpec[]) => new Map(specs.map((s) => [s.id, s]));
// a → b → c → d, and e reads b and c
const chain = graph(spec("a"), spec("b", ["a"]), spec("c", ["b"]), spec("d", ["c"]), spec("e", ["b", "c"]));
const at = (ids: string[]) => (id: string) => (ids.includes(id) ? ({ bytes: 1 } as Located) : undefined);

test("nothing is made again when every input is somewhere", () => {
  assert.deepEqual(lineage([{ nodeId: "d" }], chain, at(["c"])), { items: [] });
});

test("a lost input is made again from the nearest inputs still somewhere, inputs first", () => {
  const r = lineage([{ nodeId: "d" }], chain, at(["a"]));
  assert.deepEqual(
    r.items.map((s) => s.id),
    ["b", "c"],
  );
});

test("down to the tasks that read nothing, and each lost result once", () => {
  const r = lineage([{ nodeId: "d" }, { nodeId: "e" }], chain, at([]));
  assert.deepEqual(
    r.items.map((s) => s.id),
    ["a", "b", "c"],
  );
});

test("an input made earlier in the batch is not made again", () => {
  const r = lineage([{ nodeId: "c" }, { nodeId: "d" }], chain, at(["b"]));
  assert.deepEqual(r.items, []);
});

test("a lost result the run has no task for is named, with what to do", () => {
  const r = lineage([{ nodeId: "x" }], graph(spec("x", ["kept#1"])), at([]));
  assert.deepEqual(r.items, []);
  assert.match(r.missing!, /kept#1, which x reads, was lost .* run compute again/);
});
