import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarizeGraph } from "../charts/graph-summary";
import { workSpanConfig } from "../charts/work-span";
import type { GraphResult } from "../run/graphs";
import { GraphNode, type DelayedFunction } from "./node";
import { buildGraphRecord } from "./record";

const fn = (name: string, cost?: number): DelayedFunction => ({ name, fn: () => 0, cost });

function node(f: DelayedFunction, ...inputs: GraphNode[]): GraphNode {
  return new GraphNode(
    f,
    inputs.map(() => null),
    inputs.map((n, i) => ({ path: [i], id: n.id })),
    inputs,
  );
}

/** top → short, top → long, both → bottom; `long` declared `longCost` when given. */
function diamond(longCost?: number) {
  const top = node(fn("top"));
  const short = node(fn("short"), top);
  const long = node(fn("long", longCost), top);
  const bottom = node(fn("bottom"), short, long);
  return { nodes: [top, short, long, bottom], top, short, long, bottom };
}

const on = { workers: 2, workerKind: "thread" };

describe("buildGraphRecord before a run", () => {
  it("counts each task as 1, so two branches of equal length tie", () => {
    const d = diamond();
    const record = buildGraphRecord(d.nodes, on);
    assert.equal(record.workSpan.unit, "tasks");
    assert.equal(record.workSpan.span, 3);
    assert.match(summarizeGraph(record), /not run yet \(each task counted as 1\)/);
  });

  it("counts a declared cost, so the costly branch is the critical path", () => {
    const d = diamond(6);
    const record = buildGraphRecord(d.nodes, on);
    assert.equal(record.workSpan.unit, "cost");
    assert.deepEqual(record.workSpan.criticalPath, [d.top.id, d.long.id, d.bottom.id]);
    assert.equal(record.workSpan.work, 9);
    assert.equal(record.workSpan.span, 8);
    assert.deepEqual(
      record.nodes.filter((n) => n.critical).map((n) => n.id),
      [d.top.id, d.long.id, d.bottom.id],
    );
    assert.match(
      summarizeGraph(record),
      /not run yet \(each task counted as the cost its delayed\(\) declared, 1 where none was given\): work T1 = 9, span T∞ = 8,/,
    );
  });
});

describe("buildGraphRecord after a run", () => {
  it("on a cluster, Brent's bound says it counts task time only", () => {
    const cluster = buildGraphRecord(d.nodes, { workers: 2, workerKind: "cluster" }, facts());
    assert.match(
      summarizeGraph(cluster),
      /\(Brent, counting task time only: on a cluster each batch of tasks also waits for Redis round trips\)/,
    );
    assert.match(summarizeGraph(buildGraphRecord(d.nodes, on, facts())), /T1\/P \+ T∞ = [\d.]+ ms \(Brent\)/);
  });

  const d = diamond();
  const t0 = 1_000_000.25;
  const times: Record<string, [number, number, number]> = {
    [d.top.id]: [0, 0, 10],
    [d.short.id]: [0, 10.5, 20],
    [d.long.id]: [1, 10.5, 70],
    [d.bottom.id]: [0, 70.5, 71],
  };
  const result: GraphResult = {
    values: new Map(),
    runs: Object.entries(times).map(([id, [rank, s, e]]) => ({
      id,
      rank,
      startMs: t0 + s,
      endMs: t0 + e,
      cpuMs: e - s,
      waitMs: 0,
      status: "ok",
    })),
    edges: [],
    kept: {},
    startMs: Math.floor(t0),
    endMs: Math.floor(t0 + 72),
    bytesIn: 0,
    bytesOut: 0,
    bytesMoved: { port: 0, relay: 0 },
    workers: 2,
  };
  const facts = (disturbance?: { otherCores: number; waitedMs: number; inTaskMs: number }) => ({
    result,
    startMs: t0 - 0.5,
    endMs: t0 + 71.75,
    disturbance,
    kernelEdges: [],
    outputs: new Set([d.bottom.id]),
    status: () => "ok" as const,
  });

  it("times the run with the precise clock it was given, not the runner's whole ms", () => {
    const record = buildGraphRecord(d.nodes, on, facts());
    assert.equal(record.wallMs, 72.25);
    assert.equal(record.startMs, t0 - 0.5);
    assert.deepEqual(record.workSpan.criticalPath, [d.top.id, d.long.id, d.bottom.id]);
  });

  it("a quiet run carries no note; one whose workers waited for a core says so", () => {
    const quiet = buildGraphRecord(d.nodes, on, facts({ otherCores: 0, waitedMs: 1, inTaskMs: 0 }));
    assert.equal(quiet.disturbance?.inTaskMs, 79.5);
    assert.doesNotMatch(summarizeGraph(quiet), /waited for a core/);
    const busy = buildGraphRecord(d.nodes, on, facts({ otherCores: 1, waitedMs: 40, inTaskMs: 0 }));
    assert.match(summarizeGraph(busy), /the workers waited for a core 50% of the time they held a task/);
    const point = (r: typeof busy) =>
      String(
        (workSpanConfig(r).data.datasets as { label?: string }[]).find((x) => x.label?.startsWith("this run"))?.label,
      );
    assert.match(point(busy), /\(measured under disturbance\)$/);
    assert.doesNotMatch(point(quiet), /disturbance/);
  });
});
