import { test, describe } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  chartConfigsFor,
  compareConfig,
  DARK_THEME,
  LIGHT_THEME,
  monitorConfig,
  MONITOR_MIME,
  niceMax,
  runTimelineConfig,
  runUtilizationConfig,
  RUN_MIME,
  scalingConfig,
  SCALING_MIME,
  type AnyChartConfiguration,
  type TimelinePoint,
} from "./index";
import { sampleMonitorRecord, sampleRunRecord, sampleScalingRecord } from "./fixtures";

// Loose views of the config objects, for reading them back in tests.
type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const opts = (c: AnyChartConfiguration): Loose => c.options as Loose;
const axisTitle = (c: AnyChartConfiguration, axis: string): string => opts(c).scales[axis].title.text;

describe("runTimelineConfig", () => {
  const record = sampleRunRecord(3, 7, { errors: true });
  const config = runTimelineConfig(record);

  test("one lane per worker, labelled w0..wN", () => {
    assert.deepEqual(config.data.labels, ["w0", "w1", "w2"]);
    assert.deepEqual(opts(config).scales.y.labels, ["w0", "w1", "w2"]);
    assert.equal(opts(config).indexAxis, "y");
  });

  test("one floating bar per task, coloured by status", () => {
    const bars = config.data.datasets.flatMap((d) => d.data as TimelinePoint[]);
    assert.equal(bars.length, record.tasks.length);
    for (const d of config.data.datasets) {
      const status = (d.data as TimelinePoint[])[0].status;
      assert.equal((d as Loose).backgroundColor, LIGHT_THEME.status[status]);
      assert.ok((d.data as TimelinePoint[]).every((p) => p.status === status));
    }
    const first = bars.find((b) => b.index === 0)!;
    const task = record.tasks[0];
    assert.deepEqual(first.x, [task.startMs - record.startMs, task.endMs - record.startMs]);
    assert.equal(first.y, `w${task.rank}`);
    assert.deepEqual(
      config.data.datasets.map((d) => d.label),
      ["ok (4)", "error (1)", "cancelled (2)"],
    );
  });

  test("axes, title and legend are labelled", () => {
    assert.match(axisTitle(config, "x"), /time.*\(ms\)/);
    assert.equal(axisTitle(config, "y"), "worker");
    assert.match(opts(config).plugins.title.text, /7 tasks on 3 thread workers/);
    assert.equal(opts(config).plugins.legend.display, true);
  });

  test("tooltip names worker, task index and duration", () => {
    const bars = config.data.datasets[0].data as TimelinePoint[];
    const cb = opts(config).plugins.tooltip.callbacks;
    assert.equal(cb.title([{ raw: bars[0] }]), `worker w${bars[0].rank}`);
    assert.match(cb.label({ raw: bars[0] }), new RegExp(`^item ${bars[0].index}: [\\d.]+ ms`));
  });

  test("lanes cover ranks beyond `workers` rather than dropping tasks", () => {
    const r = sampleRunRecord(2, 4);
    r.tasks[0].rank = 4;
    assert.equal(runTimelineConfig(r).data.labels?.length, 5);
  });
});

describe("runUtilizationConfig and monitorConfig", () => {
  test("one line per core plus the mean, y 0-100 machine CPU %, titled as all programs", () => {
    const record = sampleRunRecord(2, 4, { cores: 2 });
    const c = runUtilizationConfig(record, DARK_THEME);
    assert.deepEqual(
      c.data.datasets.map((d) => d.label),
      ["core 0", "core 1", "mean of 2 cores"],
    );
    assert.equal(c.data.datasets[0].data.length, record.samples.length);
    assert.equal(opts(c).scales.y.min, 0);
    assert.equal(opts(c).scales.y.max, 100);
    assert.equal(axisTitle(c, "y"), "machine CPU %");
    assert.match(
      opts(c).plugins.title.text,
      /^Machine CPU per core during the run \(all programs; 2 cores, \/proc\/stat/,
    );
    assert.match(axisTitle(c, "x"), /\(ms\)/);
    // Same x range as the timeline so that the two line up.
    assert.equal(opts(c).scales.x.max, opts(runTimelineConfig(record)).scales.x.max);
  });

  test("monitor: seconds since start, fixed to the duration", () => {
    const record = sampleMonitorRecord(4, 20, false);
    const c = monitorConfig(record);
    assert.equal(c.data.datasets.length, 5);
    assert.match(axisTitle(c, "x"), /\(s\)/);
    assert.equal(opts(c).scales.x.max, 20);
    assert.match(opts(c).plugins.title.text, /^Machine CPU per core \(all programs, 4 cores\) — live$/);
    assert.equal(axisTitle(c, "y"), "machine CPU %");
    const first = c.data.datasets[0].data[0] as { x: number };
    assert.ok(first.x > 0 && first.x < 1);
  });
});

describe("compareConfig and scalingConfig", () => {
  test("compare: serial and parallel bars, speedup in the title", () => {
    const record = sampleRunRecord(2, 6, { compare: true });
    const c = compareConfig(record);
    assert.equal(c.data.datasets.length, 2);
    assert.equal(c.data.datasets[0].data[0], record.compare!.serialMs);
    assert.equal(c.data.datasets[1].data[1], record.compare!.parallelMs);
    assert.match(opts(c).plugins.title.text, new RegExp(`${record.compare!.speedup.toFixed(2)}x speedup`));
    assert.match(axisTitle(c, "x"), /wall time \(ms\)/);
  });

  test("scaling: measured, ideal, Amdahl fit with s in the legend, cores marker", () => {
    const record = sampleScalingRecord(0.1, [1, 2, 4, 8], 4);
    const c = scalingConfig(record);
    const labels = c.data.datasets.map((d) => d.label ?? "");
    assert.equal(labels[0], "measured");
    assert.match(labels[1], /ideal/);
    assert.match(
      labels[2],
      new RegExp(`Amdahl fit \\(serial fraction s = ${record.serialFraction!.toFixed(3)}, RMS error \\d\\.\\d\\dx\\)`),
    );
    assert.match(opts(c).plugins.title.text, /limit/);
    const two = scalingConfig(sampleScalingRecord(0.1, [1, 2], 2));
    assert.match(two.data.datasets[2].label ?? "", /Amdahl through 2 points \(s ≈ 0\.\d{3}, an estimate\)/);
    assert.match(opts(two).plugins.title.text, /\(estimate from 2 points\)$/);
    assert.doesNotMatch(opts(two).plugins.title.text, /limit/);
    assert.match(labels[3], /4 cores/);
    assert.equal(c.data.datasets[0].data.length, 4);
    assert.equal(axisTitle(c, "x"), "workers");
    assert.match(axisTitle(c, "y"), /speedup/);
    assert.match(opts(c).plugins.title.text, /serial fraction/);
  });
});

describe("chartConfigsFor", () => {
  test("run → timeline + utilization (+ compare)", () => {
    assert.equal(chartConfigsFor(RUN_MIME, sampleRunRecord(2, 4)).length, 2);
    assert.equal(chartConfigsFor(RUN_MIME, sampleRunRecord(2, 4, { compare: true })).length, 3);
    const noSamples = { ...sampleRunRecord(2, 4), samples: [] };
    assert.equal(chartConfigsFor(RUN_MIME, noSamples).length, 1);
  });

  test("scaling and monitor → one chart each", () => {
    assert.equal(chartConfigsFor(SCALING_MIME, sampleScalingRecord())[0].type, "scatter");
    assert.equal(chartConfigsFor(MONITOR_MIME, sampleMonitorRecord())[0].type, "line");
  });

  test("static turns animation, events and responsiveness off", () => {
    for (const c of chartConfigsFor(RUN_MIME, sampleRunRecord(2, 4, { compare: true }), LIGHT_THEME, {
      static: true,
    })) {
      assert.equal(opts(c).animation, false);
      assert.equal(opts(c).responsive, false);
      assert.deepEqual(opts(c).events, []);
    }
    const live = chartConfigsFor(RUN_MIME, sampleRunRecord(2, 4))[0];
    assert.notEqual(opts(live).animation, false);
  });

  test("every chart has a title, a legend and titled axes", () => {
    const all = [
      ...chartConfigsFor(RUN_MIME, sampleRunRecord(2, 4, { compare: true })),
      ...chartConfigsFor(SCALING_MIME, sampleScalingRecord()),
      ...chartConfigsFor(MONITOR_MIME, sampleMonitorRecord()),
    ];
    for (const c of all) {
      assert.ok(opts(c).plugins.title.text.length > 0);
      assert.equal(opts(c).plugins.legend.display, true);
      for (const axis of ["x", "y"]) assert.ok(axisTitle(c, axis).length > 0, `${c.type} ${axis}`);
    }
  });

  test("refuses unknown MIME types and mismatched records", () => {
    assert.throws(() => chartConfigsFor("application/json", {}), /unknown MIME type/);
    assert.throws(() => chartConfigsFor(RUN_MIME, sampleScalingRecord()), /expected kind "run"/);
    assert.throws(() => chartConfigsFor(RUN_MIME, { ...sampleRunRecord(), version: 2 }), /unsupported version 2/);
  });
});

test("niceMax rounds up to a round tick", () => {
  const cases: [number, number][] = [
    [210.6, 225],
    [100, 100],
    [0, 1],
    [7, 7],
    [1234, 1250],
  ];
  for (const [input, expected] of cases) assert.equal(niceMax(input), expected, String(input));
});

test("the charts the labextension loads require nothing but each other, the records and the formatters", () => {
  for (const file of [
    "index.js",
    "layout.js",
    "theme.js",
    "run.js",
    "utilization.js",
    "scaling.js",
    "monitor.js",
    "amdahl.js",
    "timeline-strips.js",
  ]) {
    const src = fs.readFileSync(path.join(__dirname, file), "utf8");
    const required = [...src.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    for (const r of required)
      assert.match(r, /^(\.\/[a-z][a-z-]*|\.\.\/run\/records|\.\.\/format)$/, `${file} requires ${r}`);
  }
});
