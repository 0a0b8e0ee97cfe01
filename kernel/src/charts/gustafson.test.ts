import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import type { SpeedupPoint } from "./amdahl";
import {
  buildWeakScalingRecord,
  fitGustafson,
  gustafsonCurve,
  gustafsonFit,
  gustafsonFractionFor,
  gustafsonFractionRange,
  gustafsonRmsError,
  gustafsonSpeedup,
  scaledSpeedups,
} from "./gustafson";
import { scalingConfig } from "./scaling";
import { summarizeScaling } from "./summary";

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);
const on = (s: number, workers: number[]): SpeedupPoint[] =>
  workers.map((n) => ({ workers: n, speedup: gustafsonSpeedup(s, n) }));

describe("gustafsonSpeedup: s + (1 − s)·N", () => {
  const cases: [number, number, number][] = [
    [0, 8, 8],
    [1, 8, 1],
    [0.25, 4, 0.25 + 0.75 * 4],
    [0.5, 1, 1],
    [-0.5, 4, 4], // s clamped to 0
    [2, 4, 1], // s clamped to 1
  ];
  for (const [s, n, expected] of cases)
    test(`s ${s}, ${n} workers → ${expected}`, () => close(gustafsonSpeedup(s, n), expected));
});

describe("fitGustafson: closed-form least squares in s", () => {
  for (const s of [0, 0.05, 0.2, 0.5, 1]) {
    test(`exact points recover s = ${s}`, () => close(fitGustafson(on(s, [1, 2, 4, 8]))!, s));
  }
  const cases: [string, SpeedupPoint[], number | undefined][] = [
    ["no points", [], undefined],
    ["only a 1-worker point says nothing about s", [{ workers: 1, speedup: 1 }], undefined],
    [
      "1 and 2 workers: the 2-worker point fixes s",
      [
        { workers: 1, speedup: 1 },
        { workers: 2, speedup: 1.8 },
      ],
      0.2,
    ],
    [
      // a = (1, 3), y = (2 − 1.9, 4 − 3.4) = (0.1, 0.6): s = (0.1 + 1.8) / (1 + 9) = 0.19
      "two multi-worker points: Σ a·y ÷ Σ a²",
      [
        { workers: 2, speedup: 1.9 },
        { workers: 4, speedup: 3.4 },
      ],
      0.19,
    ],
    [
      "superlinear clamps to 0",
      [
        { workers: 1, speedup: 1 },
        { workers: 4, speedup: 4.6 },
      ],
      0,
    ],
    [
      "below 1x clamps to 1",
      [
        { workers: 1, speedup: 1 },
        { workers: 4, speedup: 0.5 },
      ],
      1,
    ],
    [
      "non-finite points are ignored",
      [
        { workers: NaN, speedup: 2 },
        { workers: 2, speedup: Infinity },
        { workers: 2, speedup: 1.5 },
      ],
      0.5,
    ],
  ];
  for (const [name, points, expected] of cases) {
    test(name, () => {
      const s = fitGustafson(points);
      if (expected === undefined) assert.equal(s, undefined);
      else close(s!, expected);
    });
  }
});

describe("gustafsonRmsError and gustafsonFractionFor", () => {
  const rms: [string, number, SpeedupPoint[], number][] = [
    ["points on the line", 0.1, on(0.1, [1, 2, 4]), 0],
    [
      "one point 0.3x off of three",
      0,
      [
        { workers: 1, speedup: 1 },
        { workers: 2, speedup: 2 },
        { workers: 4, speedup: 3.7 },
      ],
      Math.sqrt(0.09 / 3),
    ],
    ["no points", 0.1, [], 0],
  ];
  for (const [name, s, points, expected] of rms)
    test(`RMS: ${name}`, () => close(gustafsonRmsError(s, points), expected));
  const fractions: [number, number, number][] = [
    [2, 2, 0],
    [1, 2, 1],
    [3.4, 4, 0.2],
    [4.3, 4, -0.1],
  ];
  for (const [speedup, workers, expected] of fractions) {
    test(`s for ${speedup}x on ${workers} workers = ${expected}`, () =>
      close(gustafsonFractionFor(speedup, workers), expected));
  }
});

describe("gustafsonFractionRange: the s whose line passes within every spread", () => {
  const cases: [string, SpeedupPoint[], { min: number; max: number } | null | undefined][] = [
    ["no spreads", on(0.1, [1, 2]), undefined],
    [
      "one spread: 1.7–1.9x on 2 workers → s 0.1–0.3",
      [
        { workers: 1, speedup: 1 },
        { workers: 2, speedup: 1.8, speedupMin: 1.7, speedupMax: 1.9 },
      ],
      { min: 0.1, max: 0.3 },
    ],
    [
      "two spreads intersect",
      [
        { workers: 2, speedup: 1.8, speedupMin: 1.7, speedupMax: 1.9 }, // s 0.1–0.3
        { workers: 4, speedup: 3.4, speedupMin: 3.3, speedupMax: 3.55 }, // s 0.15–0.233
      ],
      { min: 0.15, max: 0.7 / 3 },
    ],
    [
      "disjoint spreads: null",
      [
        { workers: 2, speedup: 1.95, speedupMin: 1.9, speedupMax: 2 }, // s 0–0.1
        { workers: 4, speedup: 2.5, speedupMin: 2.4, speedupMax: 2.6 }, // s 0.467–0.533
      ],
      null,
    ],
    [
      "superlinear spreads clamp to s = 0",
      [{ workers: 2, speedup: 2.1, speedupMin: 1.9, speedupMax: 2.2 }],
      { min: 0, max: 0.1 },
    ],
  ];
  for (const [name, points, expected] of cases) {
    test(name, () => {
      const range = gustafsonFractionRange(points);
      if (!expected) assert.equal(range, expected);
      else {
        close(range!.min, expected.min);
        close(range!.max, expected.max);
      }
    });
  }
});

describe("gustafsonFit: what the points can claim (README, Magics: how runs are measured)", () => {
  const cases: [string, SpeedupPoint[], number, Partial<ReturnType<typeof gustafsonFit>>][] = [
    ["one point: none", on(0, [1]), 2, { quality: "none", points: 1 }],
    ["1 and 2 workers on 2 cores: an estimate", on(0.1, [1, 2]), 2, { quality: "exact", points: 2 }],
    ["1, 2, 4 workers on 4 cores: fitted", on(0.1, [1, 2, 4]), 4, { quality: "fitted", points: 3 }],
    [
      "1, 2, 4 workers on 2 cores: the 4-worker point is left out",
      on(0.1, [1, 2, 4]),
      2,
      { quality: "exact", points: 2 },
    ],
    [
      "a slowdown: no serial fraction",
      [
        { workers: 1, speedup: 1 },
        { workers: 2, speedup: 0.8 },
      ],
      2,
      { quality: "slowdown", bestSpeedup: 0.8, curve: [] },
    ],
  ];
  for (const [name, points, cores, expected] of cases) {
    test(name, () => {
      const fit = gustafsonFit(points, cores);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(fit[key as keyof typeof fit], value, key);
      if (fit.quality === "exact" || fit.quality === "fitted") {
        close(fit.serialFraction!, 0.1);
        close(fit.rmsError!, 0);
        assert.equal(fit.curve[0].workers, 1);
        assert.equal(fit.curve.at(-1)!.workers, Math.max(...points.map((p) => p.workers)));
      } else assert.equal(fit.serialFraction, undefined);
    });
  }
});

test("gustafsonCurve: integer counts, at most maxPoints", () => {
  assert.deepEqual(
    gustafsonCurve(0.5, 4).map((p) => p.workers),
    [1, 2, 3, 4],
  );
  const many = gustafsonCurve(0, 1000, 10);
  assert.equal(many.length, 10);
  assert.equal(many[9].workers, 1000);
  close(many[9].speedup, 1000);
});

describe("scaledSpeedups: N × T(base) ÷ T(N)", () => {
  const cases: [string, number[], number[], number[]][] = [
    ["perfect weak scaling: equal times", [1, 2, 4], [100, 100, 100], [1, 2, 4]],
    ["twice the time on 2 workers: 1x", [1, 2], [100, 200], [1, 1]],
    ["some serial time", [1, 2], [100, 110], [1, 200 / 110]],
    ["no 1-worker pass: the smallest is assumed perfect", [2, 4], [100, 125], [2, 3.2]],
  ];
  for (const [name, sizes, times, expected] of cases) {
    test(name, () => scaledSpeedups(sizes, times).forEach((s, k) => close(s, expected[k])));
  }
});

describe("a weak-scaling record, its words and its chart", () => {
  const record = buildWeakScalingRecord(
    [
      { workers: 1, wallMs: 400 },
      { workers: 2, wallMs: 420, speedupMin: 1.85, speedupMax: 1.95 },
    ],
    2,
  );
  test("the record says weak, with Gustafson's fit and no Amdahl fit", () => {
    assert.equal(record.weak, true);
    assert.deepEqual(record.amdahl, []);
    assert.equal(record.fit, undefined);
    assert.equal(record.serialFraction, undefined);
    close(record.points[1].speedup, 800 / 420);
    assert.equal(record.gustafson!.quality, "exact");
    close(record.gustafson!.serialFraction!, 2 - 800 / 420);
    assert.ok(record.gustafson!.curve.length >= 2);
  });
  test("summary: scaled speedups and the Gustafson estimate", () => {
    const words = summarizeScaling({ ...record, points: record.points.map((p, k) => ({ ...p, items: 4 * (k + 1) })) });
    assert.match(
      words,
      /^weak scaling on 1, 2 workers \(work grows with the workers: 4, 8 items\): scaled speedup 1\.00x, 1\.90x/,
    );
    assert.match(words, /Gustafson fit s \+ \(1 − s\)·N, an estimate from 2 points: serial fraction ≈ 0\.095/);
    assert.match(words, /0\.05–0\.15 fits the spreads/);
    assert.doesNotMatch(words, /Amdahl/);
  });
  test("chart: scaled speedup, the ideal line N and Gustafson's line; title says weak scaling", () => {
    const config = scalingConfig(record) as unknown as {
      data: { datasets: { label: string }[] };
      options: { plugins: { title: { text: string } }; scales: { y: { title: { text: string } } } };
    };
    const labels = config.data.datasets.map((d) => d.label);
    assert.match(labels[0], /^measured scaled speedup/);
    assert.match(labels[1], /^ideal \(scaled speedup = workers/);
    assert.ok(
      labels.some((l) => l.startsWith("Gustafson through 2 points")),
      labels.join(" | "),
    );
    assert.ok(!labels.some((l) => /Amdahl/.test(l)), labels.join(" | "));
    assert.match(
      JSON.stringify(config.options.plugins.title),
      /Weak scaling: Gustafson serial fraction ≈ 9\.5% \(estimate from 2 points\)/,
    );
    assert.match(JSON.stringify(config.options.scales.y.title), /scaled speedup/);
  });
  test("a slowdown: a sentence saying overhead dominates, no line", () => {
    const slow = buildWeakScalingRecord(
      [
        { workers: 1, wallMs: 100 },
        { workers: 2, wallMs: 260 },
      ],
      2,
    );
    assert.equal(slow.gustafson!.quality, "slowdown");
    const words = summarizeScaling(slow);
    assert.match(words, /no Gustafson fit: a slowdown \(best scaled speedup with 2 or more workers 0\.77x/);
    assert.match(words, /overhead .* dominates/);
    const labels = (scalingConfig(slow) as unknown as { data: { datasets: { label: string }[] } }).data.datasets.map(
      (d) => d.label,
    );
    assert.ok(!labels.some((l) => /Gustafson/.test(l)));
  });
});
