import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sampleGraphRecord } from "./fixtures";
import {
  chartConfigsFor,
  GRAPH_MIME,
  graphDagConfig,
  layoutGraph,
  MAX_DRAWN_NODES,
  timeBounds,
  workSpanConfig,
  type AnyChartConfiguration,
} from "./index";
import { recordBundle, summarizeGraph } from "./mime";
import { summarize } from "./summary";
import type { GraphRecord } from "../run/records";

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const datasets = (c: AnyChartConfiguration) => c.data.datasets as unknown as Loose[];
const labels = (c: AnyChartConfiguration) => datasets(c).map((d) => String(d.label));
const title = (c: AnyChartConfiguration) => String((c.options as Loose).plugins.title.text);

describe("graph chart", () => {
  test("after a run: the DAG, what each worker did, the work–span chart", () => {
    const configs = chartConfigsFor(GRAPH_MIME, sampleGraphRecord(4));
    assert.equal(configs.length, 3);
    assert.match(title(configs[0]), /^Task graph: 9 tasks, 3 levels, coloured by the worker that ran each/);
    assert.match(title(configs[1]), /^What each worker did: 9 tasks on 2 thread workers/);
    assert.match(title(configs[2]), /^Work–span: T1 = .*, T∞ = .*, parallelism T1\/T∞ = \d\.\d\d/);
  });

  test("before a run: the DAG and the work–span figures counted in tasks, no timeline", () => {
    const configs = chartConfigsFor(GRAPH_MIME, sampleGraphRecord(4, { ran: false }));
    assert.equal(configs.length, 2);
    assert.match(title(configs[0]), /not run yet/);
    assert.match(title(configs[1]), /each task counted as 1\): T1 = 9 tasks, T∞ = 3 tasks, parallelism T1\/T∞ = 3\.00/);
    assert.ok(!labels(configs[1]).some((l) => l.startsWith("this run")), "no measured point before running");
  });

  test("nodes are coloured by worker and marked by status; the critical path is a dataset", () => {
    const dag = graphDagConfig(sampleGraphRecord(4, { fail: true }));
    const l = labels(dag);
    for (const want of [
      /^ran on w0 \(\d\)$/,
      /^ran on w1 \(\d\)$/,
      /^failed \(1\)$/,
      /^skipped \(an input failed\) \(1\)$/,
      /^critical path \(T∞\)/,
      /^input copied to another worker/,
    ]) {
      assert.ok(
        l.some((x) => want.test(x)),
        `${want} in ${l.join(" | ")}`,
      );
    }
    const failed = datasets(dag).find((d) => String(d.label).startsWith("failed"))!;
    assert.equal(failed.pointStyle, "crossRot");
  });

  test("on a cluster: lanes and colours named by runtime, inputs moved through Redis", () => {
    const record = sampleGraphRecord(4);
    record.workerKind = "cluster";
    record.lanes = ["node-a:101/w0", "node-b:202/w0"];
    for (const e of record.edges) if (e.path === "port") e.path = "redis";
    const moved = record.edges.filter((e) => e.path === "redis");
    record.bytesMoved = { port: 0, relay: 0, redis: moved.reduce((n, e) => n + e.bytes, 0) };
    assert.ok(moved.length > 0);
    const [dag, timeline] = chartConfigsFor(GRAPH_MIME, record);
    assert.ok(
      labels(dag).some((l) => /^ran on node-a:101\/w0 \(\d\)$/.test(l)),
      labels(dag).join(" | "),
    );
    assert.ok(labels(dag).some((l) => l.startsWith("input copied to another worker")));
    const lanes = ((timeline.options as Loose).scales.y.labels as string[]).slice();
    assert.deepEqual(lanes, record.lanes);
    assert.match(summarizeGraph(record), new RegExp(`worker to worker through Redis \\(${moved.length} inputs\\)`));
  });

  test("a graph too big to draw shows its width per depth", () => {
    const record = sampleGraphRecord(MAX_DRAWN_NODES);
    const dag = graphDagConfig(record);
    assert.equal(dag.type, "bar");
    assert.match(title(dag), /too many to draw: tasks per depth level/);
    const total = datasets(dag).reduce((a, d) => a + (d.data as number[]).reduce((x, y) => x + y, 0), 0);
    assert.equal(total, record.nodes.length);
  });

  test("layout: columns by depth, a chain runs straight", () => {
    const pos = layoutGraph(sampleGraphRecord(2).nodes);
    assert.deepEqual([pos.get("load#1")!.x, pos.get("stats#1")!.x, pos.get("merge#5")!.x], [0, 1, 2]);
    assert.equal(pos.get("load#1")!.y, pos.get("stats#1")!.y);
  });
});

describe("work–span bounds", () => {
  const cases: [string, number, number, number, { lower: number; greedy: number }][] = [
    ["one worker does all the work", 100, 20, 1, { lower: 100, greedy: 120 }],
    ["few workers: the work bound", 100, 20, 2, { lower: 50, greedy: 70 }],
    ["many workers: the span bound", 100, 20, 10, { lower: 20, greedy: 30 }],
    ["a chain: span = work, workers do not help", 100, 100, 8, { lower: 100, greedy: 112.5 }],
  ];
  for (const [name, work, span, p, want] of cases) {
    test(name, () => assert.deepEqual(timeBounds({ work, span }, p), want));
  }

  test("the chart's best-possible line is min(P, T1/T∞)", () => {
    const record = sampleGraphRecord(4);
    const best = datasets(workSpanConfig(record)).find((d) => String(d.label).startsWith("best possible"))!;
    for (const { x, y } of best.data as { x: number; y: number }[]) {
      assert.ok(Math.abs(y - Math.min(x, record.workSpan.parallelism)) < 1e-9);
    }
  });
});

describe("graph summary", () => {
  test("after a run it names work over wall for what it is, and the bounds", () => {
    const text = summarizeGraph(sampleGraphRecord(4));
    assert.match(
      text,
      /^task graph: 9 tasks on 2 workers \(thread\) in [\d.]+ ms wall: 9 ran; work T1 = [\d.]+ ms, span T∞ = [\d.]+ ms, parallelism T1\/T∞ = 3\.\d\d/,
    );
    assert.match(
      text,
      /work ÷ wall = 1\.\d\d \(tasks running at once on average; not a serial-vs-parallel speedup\), at most min\(P, T1\/T∞\) = 2\.00 on 2 workers/,
    );
    assert.match(text, /between max\(T1\/P, T∞\) = .* and T1\/P \+ T∞ = .* \(Brent\)/);
    assert.match(text, /worker to worker over MessagePorts \(2 inputs\), 6 inputs read where they were made/);
  });

  test("before a run it counts tasks", () => {
    assert.match(
      summarizeGraph(sampleGraphRecord(4, { ran: false })),
      /^task graph of 9 tasks, not run yet \(each task counted as 1\): work T1 = 9 tasks, span T∞ = 3 tasks, parallelism T1\/T∞ = 3\.00/,
    );
  });

  test("a run too short to judge says so instead of a ratio", () => {
    const text = summarize(sampleGraphRecord(4, { ran: true, tiny: true }));
    assert.match(text, /too short to judge work ÷ wall \(under 20 ms wall or 10 ms of work/);
    assert.doesNotMatch(text, /work ÷ wall = /);
  });

  test("failures and skips are counted", () => {
    assert.match(summarizeGraph(sampleGraphRecord(4, { fail: true })), /: 7 ran, 1 failed, 1 skipped;/);
  });

  test("the bundle carries the record, a PNG and the summary", () => {
    const record: GraphRecord = sampleGraphRecord(2);
    const bundle = recordBundle(record);
    assert.deepEqual(Object.keys(bundle.data).sort(), [GRAPH_MIME, "image/png", "text/plain"].sort());
  });
});
