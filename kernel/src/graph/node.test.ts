import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GraphCycleError } from "../errors";
import { collectGraph, GraphNode, type DelayedFunction } from "./node";

const fn = (name: string, cellLine?: number): DelayedFunction => ({ name, fn: () => 0, cellLine });

/** A node reading `inputs` (as delayed makes it: one ref per input). */
function node(f: DelayedFunction, ...inputs: GraphNode[]): GraphNode {
  return new GraphNode(
    f,
    inputs.map(() => null),
    inputs.map((n, i) => ({ path: [i], id: n.id })),
    inputs,
  );
}

/** Makes `from` read `to` too, as changing a node's inputs after it was made does. */
function addInput(from: GraphNode, to: GraphNode): void {
  (from.inputs as GraphNode[]).push(to);
  (from.refs as { path: number[]; id: string }[]).push({ path: [from.args.length], id: to.id });
}

describe("collectGraph", () => {
  it("lists a diamond's nodes once each, inputs first", () => {
    const load = node(fn("load"));
    const left = node(fn("left"), load);
    const right = node(fn("right"), load);
    const merge = node(fn("merge"), left, right);
    assert.deepEqual(collectGraph([merge]), [load, left, right, merge]);
  });

  it("stops at a node whose value is in the kernel", () => {
    const load = node(fn("load"));
    const use = node(fn("use"), load);
    use.value = { v: 1 };
    assert.deepEqual(collectGraph([use]), [use]);
    assert.deepEqual(collectGraph([use], false), [load, use]);
  });

  it("names a two-node cycle in order, with the function names and cell lines", () => {
    const a = node(fn("load", 2));
    const b = node(fn("merge", 3), a);
    addInput(a, b);
    assert.throws(
      () => collectGraph([b]),
      (e: unknown) => {
        assert.ok(e instanceof GraphCycleError);
        assert.equal(e.name, "GraphCycleError");
        assert.deepEqual(
          e.cycle.map((t) => t.id),
          [b.id, a.id],
        );
        const re = new RegExp(
          `^compute: the graph has a cycle, so none of its tasks can start: ${b.id} → ${a.id} → ${b.id}, each reading the next ` +
            `\\(${b.id} is merge, delayed at cell line 3; ${a.id} is load, delayed at cell line 2\\)\\. Nothing ran\\. .*` +
            "Make the nodes again with delayed calls, each given only values and nodes made before it\\.$",
        );
        assert.match(e.message, re);
        return true;
      },
    );
  });

  it("finds a node that reads itself and a cycle below an acyclic part", () => {
    const self = node(fn("self"));
    addInput(self, self);
    assert.throws(() => collectGraph([node(fn("top"), self)]), new RegExp(`: ${self.id} → ${self.id}, each`));
    const x = node(fn("x"));
    const y = node(fn("y"), x);
    const z = node(fn("z"), y);
    addInput(x, z);
    const top = node(fn("top"), node(fn("side")), z);
    assert.throws(
      () => collectGraph([top], false, "visualize"),
      new RegExp(`GraphCycleError: visualize: the graph has a cycle, .*: ${z.id} → ${y.id} → ${x.id} → ${z.id}, each`),
    );
  });

  it("ignores a cycle through a node whose value is in the kernel (nothing in it runs)", () => {
    const a = node(fn("a"));
    const b = node(fn("b"), a);
    addInput(a, b);
    b.value = { v: 1 };
    assert.deepEqual(collectGraph([b]), [b]);
  });

  it("shortens a long cycle's path", () => {
    const first = node(fn("step"));
    let last = first;
    for (let i = 0; i < 19; i++) last = node(fn("step"), last);
    addInput(first, last);
    assert.throws(() => collectGraph([last]), /→ step#\d+ \(20 tasks in all\), each reading the next/);
  });
});
