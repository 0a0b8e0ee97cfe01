import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import type { Chart } from "chart.js";
import type { TaskRecord } from "../run/records";
import { sampleManyTasksRecord, sampleRunRecord } from "./fixtures";
import { chartConfigsFor, DARK_THEME, LIGHT_THEME, RUN_MIME, runTimelineConfig, type TimelinePoint } from "./index";
import type { AnyChartConfiguration } from "./layout";
import { chartHeightPx, PNG_FONT_FAMILY, renderPng, setUpPngRendering, withChartCanvas } from "./png";
import { MIN_BAR_PX, timelineBars, type TimelineBar } from "./timeline-strips";

/** A task on lane `rank` from `start` to `end` ms after the run start (0). */
function task(
  rank: number,
  index: number,
  start: number,
  end: number,
  status: TaskRecord["status"] = "ok",
): TaskRecord {
  return { rank, index, startMs: start, endMs: end, cpuMs: end - start, status };
}

/** [rank, tasks, start, end, drawnEnd] of each bar. */
type Shape = [number, number, number, number, number];
const shape = (b: TimelineBar): Shape => [b.rank, b.tasks, b.startMs, b.endMs, b.drawnEndMs];

const cases: [string, TaskRecord[], number, Shape[]][] = [
  // name, tasks, minMs (MIN_BAR_PX at the chart's scale), expected bars
  [
    "wide tasks stand alone",
    [task(0, 0, 0, 10), task(0, 1, 10.5, 20)],
    1,
    [
      [0, 1, 0, 10, 10],
      [0, 1, 10.5, 20, 20],
    ],
  ],
  ["a lone thin task is widened to the minimum", [task(0, 0, 5, 5.1)], 1, [[0, 1, 5, 5.1, 6]]],
  [
    "adjacent thin tasks merge into one strip",
    [task(0, 0, 0, 0.1), task(0, 1, 0.3, 0.4), task(0, 2, 0.8, 0.9)],
    1,
    [[0, 3, 0, 0.9, 1]],
  ],
  [
    "a gap of minMs or more starts a new strip",
    [task(0, 0, 0, 0.1), task(0, 1, 0.3, 0.4), task(0, 2, 1.5, 1.6)],
    1,
    [
      [0, 2, 0, 0.4, 1],
      [0, 1, 1.5, 1.6, 2.5],
    ],
  ],
  [
    "a wide task between thin ones ends the strip and stands alone",
    [task(0, 0, 0, 0.1), task(0, 1, 0.2, 5), task(0, 2, 5.1, 5.2)],
    1,
    [
      [0, 1, 0, 0.1, 1],
      [0, 1, 0.2, 5, 5],
      [0, 1, 5.1, 5.2, 6.1],
    ],
  ],
  [
    "another status ends the strip",
    [task(0, 0, 0, 0.1), task(0, 1, 0.2, 0.3, "error"), task(0, 2, 0.4, 0.5)],
    1,
    [
      [0, 1, 0, 0.1, 1],
      [0, 1, 0.2, 0.3, 1.2],
      [0, 1, 0.4, 0.5, 1.4],
    ],
  ],
  [
    "lanes merge separately, in start order whatever the task order",
    [task(1, 3, 0.6, 0.7), task(0, 0, 0, 0.1), task(1, 1, 0.1, 0.2), task(0, 2, 0.5, 0.6)],
    1,
    [
      [0, 2, 0, 0.6, 1],
      [1, 2, 0.1, 0.7, 1.1],
    ],
  ],
  [
    "a strip ends at MAX_STRIP_PX (40 px = 10 ms when 2 px = 0.5 ms)",
    Array.from({ length: 50 }, (_, i) => task(0, i, i * 0.25, i * 0.25 + 0.1)),
    0.5,
    [
      [0, 40, 0, 9.85, 9.85],
      [0, 10, 10, 12.35, 12.35],
    ],
  ],
];
for (const [name, tasks, minMs, expected] of cases) {
  test(`timelineBars: ${name}`, () => {
    const got = timelineBars(tasks, 0, minMs).map(shape);
    assert.deepEqual(
      got.map((b) => b.map((v) => Math.round(v * 1e6) / 1e6)),
      expected,
    );
  });
}

test("timelineBars: a strip counts its tasks, items, time in tasks and CPU", () => {
  const tasks = [0, 1, 2].map((i) => ({ ...task(0, i * 10, i * 0.2, i * 0.2 + 0.1), count: 10, cpuMs: 0.05 }));
  const [strip] = timelineBars(tasks, 0, 1);
  assert.equal(strip.tasks, 3);
  assert.equal(strip.firstIndex, 0);
  assert.equal(strip.lastIndex, 29);
  assert.ok(Math.abs(strip.busyMs - 0.3) < 1e-9);
  assert.ok(Math.abs(strip.cpuMs - 0.15) < 1e-9);
});

describe("a 4000-task run (notebook 02)", () => {
  const record = sampleManyTasksRecord(4000, 2);
  const config = runTimelineConfig(record, LIGHT_THEME, { static: true, referenceWidthPx: 800 });
  const bars = config.data.datasets.flatMap((d) => d.data as TimelinePoint[]);
  const xMax = (config.options as { scales: { x: { max: number } } }).scales.x.max;
  const pxPerMs = (800 - 64 - 40) / xMax;

  test("every lane has drawn bars covering all of its tasks, each at least MIN_BAR_PX wide", () => {
    assert.equal(
      bars.reduce((n, b) => n + (b.tasks ?? 1), 0),
      4000,
    );
    for (const lane of ["w0", "w1"]) {
      const laneBars = bars.filter((b) => b.y === lane);
      assert.ok(laneBars.length > 1, `${lane} has ${laneBars.length} bars`);
      for (const b of laneBars) assert.ok((b.x[1] - b.x[0]) * pxPerMs >= MIN_BAR_PX - 1e-9, JSON.stringify(b));
      for (const t of record.tasks.filter((t) => `w${t.rank}` === lane)) {
        const start = t.startMs - record.startMs;
        const end = t.endMs - record.startMs;
        assert.ok(
          laneBars.some((b) => b.x[0] <= start + 1e-9 && end <= b.x[1] + 1e-9),
          `task ${t.index} (${start}–${end} ms) on ${lane} is in no bar`,
        );
      }
    }
  });

  test("a strip's tooltip counts its tasks", () => {
    const strip = bars.find((b) => (b.tasks ?? 1) > 1)!;
    const cb = (config.options as { plugins: { tooltip: { callbacks: { label: (i: { raw: unknown }) => string } } } })
      .plugins.tooltip.callbacks;
    assert.match(
      cb.label({ raw: strip }),
      /^\d+ tasks, items \d+–\d+, [\d.]+ ms \([\d.]+ ms → [\d.]+ ms\), [\d.]+ (ms|µs) in tasks, in-task CPU [\d.]+ (ms|µs), ok$/,
    );
    const legend = config.data.datasets.map((d) => d.label);
    assert.equal(legend[0], "ok (4000)");
    assert.match(String(legend[1]), /^ok: \d+ tasks under 2 px in strips/);
  });

  test("a run of a few wide tasks draws one bar per task, as before", () => {
    const few = sampleRunRecord(3, 12);
    const fewBars = runTimelineConfig(few).data.datasets.flatMap((d) => d.data as TimelinePoint[]);
    assert.equal(fewBars.length, 12);
    assert.ok(fewBars.every((b) => b.tasks === undefined));
  });
});

/** Decodes a PNG to RGBA pixels. */
function decode(buf: Buffer): { data: Uint8ClampedArray; width: number } {
  const img = new Image();
  img.src = buf;
  const ctx = createCanvas(img.width, img.height).getContext("2d");
  ctx.drawImage(img, 0, 0);
  return { data: ctx.getImageData(0, 0, img.width, img.height).data, width: img.width };
}

for (const theme of [LIGHT_THEME, DARK_THEME]) {
  test(`the PNG of a 4000-task run has ink at every task in every lane (${theme.name})`, () => {
    const record = sampleManyTasksRecord(4000, 2);
    const font = setUpPngRendering();
    const pngTheme = font ? { ...theme, fontFamily: PNG_FONT_FAMILY } : theme;
    const [timeline] = chartConfigsFor(RUN_MIME, record, pngTheme, { static: true, referenceWidthPx: 800 });
    // Where the PNG's timeline puts each lane and each ms: the same config drawn at the same size.
    let geometry: { laneY: number[]; px: (ms: number) => number } | undefined;
    const probe = {
      id: "probe",
      afterDraw(chart: Chart) {
        const x = chart.scales.x;
        const y = chart.scales.y;
        geometry = { laneY: [0, 1].map((i) => Math.round(y.getPixelForValue(i))), px: (ms) => x.getPixelForValue(ms) };
      },
    };
    const height = chartHeightPx(timeline, 800);
    withChartCanvas({ ...timeline, plugins: [probe] } as AnyChartConfiguration, pngTheme, 800, height, () => 0);
    assert.ok(geometry);
    const { data, width } = decode(renderPng(RUN_MIME, record, theme, 800));
    const bg = parseInt(theme.background.slice(1), 16);
    const ink = (x: number, y: number) => {
      const i = (y * width + x) * 4;
      const d =
        Math.abs(data[i] - ((bg >> 16) & 255)) +
        Math.abs(data[i + 1] - ((bg >> 8) & 255)) +
        Math.abs(data[i + 2] - (bg & 255));
      return d > 20;
    };
    for (const t of record.tasks) {
      const mid = (t.startMs + t.endMs) / 2 - record.startMs;
      const x = Math.round(geometry.px(mid));
      const y = geometry.laneY[t.rank];
      assert.ok(
        ink(x, y) || ink(x - 1, y) || ink(x + 1, y),
        `no ink at task ${t.index} (lane w${t.rank}, x ${x}, y ${y})`,
      );
    }
  });
}
