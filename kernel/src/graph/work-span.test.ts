import * as assert from "node:assert/strict";
import { test } from "node:test";
import { depths, workSpan, type TimedNode } from "./work-span";

const node = (id: string, cost: number, ...deps: string[]): TimedNode => ({ id, deps, cost });

const cases: { name: string; nodes: TimedNode[]; work: number; span: number; path: string[] }[] = [
  {
    name: "a wide graph: work adds up, the span is the longest branch",
    nodes: [node("a", 10), node("b", 30), node("c", 20), node("sum", 5, "a", "b", "c")],
    work: 65,
    span: 35,
    path: ["b", "sum"],
  },
  {
    name: "a chain: span = work, parallelism 1",
    nodes: [node("c0", 10), node("c1", 10, "c0"), node("c2", 10, "c1")],
    work: 30,
    span: 30,
    path: ["c0", "c1", "c2"],
  },
  {
    name: "a diamond: the slower middle branch is critical",
    nodes: [node("top", 5), node("left", 10, "top"), node("right", 40, "top"), node("bottom", 5, "left", "right")],
    work: 60,
    span: 50,
    path: ["top", "right", "bottom"],
  },
  {
    name: "a free last task (declared cost 0) still ends the path",
    nodes: [node("top", 5), node("short", 5, "top"), node("long", 30, "top"), node("bottom", 0, "short", "long")],
    work: 40,
    span: 35,
    path: ["top", "long", "bottom"],
  },
  {
    name: "kept nodes cost nothing and are not on the path",
    nodes: [node("kept", 0), node("next", 7, "kept")],
    work: 7,
    span: 7,
    path: ["next"],
  },
];

for (const c of cases) {
  test(`workSpan: ${c.name}`, () => {
    const ws = workSpan(c.nodes, "ms");
    assert.equal(ws.work, c.work);
    assert.equal(ws.span, c.span);
    assert.equal(ws.parallelism, c.work / c.span);
    assert.deepEqual(ws.criticalPath, c.path);
  });
}

test("workSpan of nothing", () => {
  assert.deepEqual(workSpan([], "tasks"), { unit: "tasks", work: 0, span: 0, parallelism: 0, criticalPath: [] });
});

test("depths: the longest chain of inputs before each node", () => {
  const d = depths([node("a", 1), node("b", 1, "a"), node("c", 1), node("d", 1, "b", "c")]);
  assert.deepEqual(Object.fromEntries(d), { a: 0, b: 1, c: 0, d: 2 });
});
