import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { ScalingRecord } from "../run/records";
import {
  amdahlCurve,
  amdahlSpeedup,
  buildScalingRecord,
  fitSerialFraction,
  isSlowdown,
  rmsResidual,
  serialFractionFor,
  serialFractionRange,
  type SpeedupPoint,
} from "./amdahl";
import { scalingConfig } from "./scaling";
import { describeFit } from "./summary";

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x / 2 ** 32) * 2 - 1;
  };
}

test("amdahlSpeedup", () => {
  assert.equal(amdahlSpeedup(0, 8), 8);
  assert.equal(amdahlSpeedup(1, 8), 1);
  assert.ok(Math.abs(amdahlSpeedup(0.1, 4) - 1 / (0.1 + 0.9 / 4)) < 1e-12);
});

for (const s of [0, 0.05, 0.1, 0.3, 0.7, 1]) {
  test(`exact timings recover s = ${s}`, () => {
    const points = [1, 2, 4, 8, 16].map((n) => ({ workers: n, speedup: amdahlSpeedup(s, n) }));
    assert.ok(Math.abs(fitSerialFraction(points) - s) < 1e-6);
  });
}

for (const s of [0.1, 0.3]) {
  test(`noisy wall times (±3%) recover s = ${s} within 0.01`, () => {
    const rnd = noise(Math.round(s * 1000));
    const t1 = 2000;
    const workers = [1, 2, 3, 4, 6, 8];
    const times = workers.map((n) => t1 * (s + (1 - s) / n) * (1 + 0.03 * rnd()));
    const points = workers.map((n, i) => ({ workers: n, speedup: times[0] / times[i] }));
    const fit = fitSerialFraction(points);
    assert.ok(Math.abs(fit - s) < 0.01, `fit ${fit} for s ${s}`);
  });
}

test("degenerate inputs", () => {
  assert.equal(fitSerialFraction([]), 0);
  assert.equal(fitSerialFraction([{ workers: 1, speedup: 1 }]), 0);
  // Superlinear → 0; slowdown → 1.
  assert.equal(
    fitSerialFraction([
      { workers: 1, speedup: 1 },
      { workers: 4, speedup: 5 },
    ]),
    0,
  );
  assert.equal(
    fitSerialFraction([
      { workers: 1, speedup: 1 },
      { workers: 4, speedup: 0.5 },
    ]),
    1,
  );
  assert.equal(
    fitSerialFraction([
      { workers: NaN, speedup: 2 },
      { workers: 0, speedup: 2 },
    ]),
    0,
  );
});

test("amdahlCurve spans 1..maxWorkers", () => {
  const c = amdahlCurve(0.2, 8);
  assert.equal(c.length, 8);
  assert.deepEqual(c[0], { workers: 1, speedup: 1 });
  assert.equal(c[7].workers, 8);
  const big = amdahlCurve(0.2, 1000, 50);
  assert.equal(big.length, 50);
  assert.equal(big[49].workers, 1000);
});

test("buildScalingRecord: speedups against the 1-worker run, fit and curve", () => {
  const s = 0.25;
  const runs = [4, 1, 2].map((n) => ({ workers: n, wallMs: 1000 * (s + (1 - s) / n) }));
  const r = buildScalingRecord(runs, 4);
  assert.deepEqual(
    r.points.map((p) => p.workers),
    [1, 2, 4],
  );
  assert.equal(r.points[0].speedup, 1);
  assert.ok(Math.abs(r.serialFraction! - s) < 1e-6);
  assert.equal(r.amdahl.length, 4);
  assert.equal(r.kind, "scaling");
  // Serial baseline given: speedups against it.
  assert.equal(buildScalingRecord([{ workers: 2, wallMs: 500 }], 2, { baselineMs: 900 }).points[0].speedup, 1.8);
  // No 1-worker run: the smallest one is assumed to scale perfectly.
  assert.equal(buildScalingRecord([{ workers: 2, wallMs: 500 }], 2).points[0].speedup, 2);
});

test("buildScalingRecord fits Amdahl's law on the points that fit on the cores", () => {
  {
    // s = 0.2 on 2 cores; the 4-worker point is oversubscribed and no faster than 2 workers.
    const t1 = 1000;
    const t2 = t1 * (0.2 + 0.8 / 2);
    const record = buildScalingRecord(
      [
        { workers: 1, wallMs: t1 },
        { workers: 2, wallMs: t2 },
        { workers: 4, wallMs: t2 },
      ],
      2,
    );
    assert.ok(Math.abs(record.serialFraction! - 0.2) < 0.01, String(record.serialFraction));
    assert.deepEqual(
      record.points.map((p) => p.workers),
      [1, 2, 4],
    );
  }
});

/** Speedups at 1, 2, … workers (the 1-worker point is 1). */
function pts(...speedups: number[]): SpeedupPoint[] {
  return speedups.map((speedup, i) => ({ workers: i + 1, speedup }));
}

const slowdownCases: [string, SpeedupPoint[], boolean][] = [
  ["one multi-worker point below 1", pts(1, 0.79), true],
  ["all multi-worker points below 1", pts(1, 0.9, 0.8), true],
  ["the best multi-worker point at 1.2", pts(1, 0.9, 1.2), false],
  ["exactly 1 is no slowdown (s = 1)", pts(1, 1), false],
  ["a speedup", pts(1, 1.9, 3.6), false],
  ["only a 1-worker point", pts(1), false],
  [
    "a serial baseline faster than 1 worker, 2 workers slower still",
    [
      { workers: 1, speedup: 0.6 },
      { workers: 2, speedup: 0.95 },
    ],
    true,
  ],
];
for (const [name, points, expected] of slowdownCases) {
  test(`isSlowdown: ${name} → ${expected}`, () => assert.equal(isSlowdown(points), expected));
}

const inverseCases: [number, number, number][] = [
  // speedup, workers → s
  [2, 2, 0],
  [1, 2, 1],
  [1 / (0.1 + 0.9 / 4), 4, 0.1],
  [4 / 3, 2, 0.5],
  [0.5, 2, 3], // below 1: beyond the law (s > 1)
  [3, 2, -1 / 3], // superlinear: s < 0
];
for (const [speedup, workers, expected] of inverseCases) {
  test(`serialFractionFor(${speedup.toFixed(3)}x, ${workers}) = ${expected.toFixed(3)}`, () => {
    assert.ok(Math.abs(serialFractionFor(speedup, workers) - expected) < 1e-12);
    if (expected >= 0 && expected <= 1) assert.ok(Math.abs(amdahlSpeedup(expected, workers) - speedup) < 1e-12);
  });
}

const rmsCases: [string, number, SpeedupPoint[], number][] = [
  ["points on the curve", 0.1, [1, 2, 4].map((n) => ({ workers: n, speedup: amdahlSpeedup(0.1, n) })), 0],
  ["ideal points against s = 0", 0, pts(1, 2, 3), 0],
  // model 1, 2, 3; errors 0, -0.2, +0.2 → sqrt((0 + 0.04 + 0.04) / 3)
  ["±0.2x off the ideal line", 0, pts(1, 1.8, 3.2), Math.sqrt(0.08 / 3)],
  // model at s = 1 is 1 everywhere; errors 0, 1 → sqrt(1 / 2)
  ["ideal points against s = 1", 1, pts(1, 2), Math.sqrt(0.5)],
  ["no usable point", 0.2, [], 0],
];
for (const [name, s, points, expected] of rmsCases) {
  test(`rmsResidual: ${name} → ${expected.toFixed(3)}`, () => {
    assert.ok(Math.abs(rmsResidual(s, points) - expected) < 1e-9, String(rmsResidual(s, points)));
  });
}

const rangeCases: [string, SpeedupPoint[], { min: number; max: number } | null | undefined][] = [
  ["no spreads", pts(1, 1.9, 3.5), undefined],
  ["a spread on the 1-worker point only", [{ workers: 1, speedup: 1, speedupMin: 0.9, speedupMax: 1.1 }], undefined],
  // 2 workers, 1.6–2.0x: s from s(2.0) = 0 to s(1.6) = 0.25.
  [
    "one spread",
    [
      { workers: 1, speedup: 1 },
      { workers: 2, speedup: 1.8, speedupMin: 1.6, speedupMax: 2 },
    ],
    { min: 0, max: 0.25 },
  ],
  // 4 workers, 2.5–3.2x: s(3.2) = 0.0417, s(2.5) = 0.2; intersected with 2 workers' [0, 0.25].
  [
    "two spreads intersect",
    [
      { workers: 1, speedup: 1 },
      { workers: 2, speedup: 1.8, speedupMin: 1.6, speedupMax: 2 },
      { workers: 4, speedup: 2.8, speedupMin: 2.5, speedupMax: 3.2 },
    ],
    { min: (1 / 3.2 - 0.25) / 0.75, max: 0.2 },
  ],
  // 2 workers at ≥ 1.9x need s ≤ 0.053; 4 workers at ≤ 2.0x need s ≥ 0.333: no s fits both.
  [
    "spreads no curve passes through",
    [
      { workers: 2, speedup: 1.95, speedupMin: 1.9, speedupMax: 2 },
      { workers: 4, speedup: 1.9, speedupMin: 1.8, speedupMax: 2 },
    ],
    null,
  ],
  // Superlinear spreads clamp at 0; spreads reaching below 1x clamp at 1.
  ["clamped to [0, 1]", [{ workers: 2, speedup: 1.5, speedupMin: 0.8, speedupMax: 2.4 }], { min: 0, max: 1 }],
];
for (const [name, points, expected] of rangeCases) {
  test(`serialFractionRange: ${name}`, () => {
    const got = serialFractionRange(points);
    if (!expected) return assert.equal(got, expected);
    assert.ok(got, `expected a range, got ${String(got)}`);
    assert.ok(Math.abs(got.min - expected.min) < 1e-9 && Math.abs(got.max - expected.max) < 1e-9, JSON.stringify(got));
  });
}

test("buildScalingRecord: a slowdown gets no serial fraction and no curve", () => {
  const r = buildScalingRecord(
    [
      { workers: 1, wallMs: 100 },
      { workers: 2, wallMs: 127 },
    ],
    2,
  );
  assert.equal(r.serialFraction, undefined);
  assert.deepEqual(r.amdahl, []);
  assert.equal(r.fit?.quality, "slowdown");
  assert.ok(Math.abs(r.fit!.bestSpeedup! - 100 / 127) < 1e-12);
  assert.ok(!("serialFraction" in JSON.parse(JSON.stringify(r))));
  const c = scalingConfig(r);
  assert.deepEqual(
    c.data.datasets.map((d) => d.label),
    ["measured", "ideal (speedup = workers)"],
  );
  assert.match(
    String(c.options?.plugins?.title?.text),
    /a slowdown \(best 0\.79x\), overhead dominates: no Amdahl fit/,
  );
});

test("buildScalingRecord: residual and the range the spreads allow", () => {
  const s = 0.1;
  const runs = [1, 2, 4].map((n) => {
    const speedup = amdahlSpeedup(s, n);
    return { workers: n, wallMs: 1000 / speedup, speedupMin: speedup * 0.95, speedupMax: speedup * 1.05 };
  });
  const r = buildScalingRecord(runs, 4);
  assert.equal(r.fit?.quality, "fitted");
  assert.ok(r.fit!.rmsError! < 1e-6);
  const range = r.fit!.serialFractionRange!;
  assert.ok(range.min < s && s < range.max, JSON.stringify(range));
  assert.equal(r.points[1].speedupMax, runs[1].speedupMax);
  // Without spreads: no range field.
  assert.ok(
    !(
      "serialFractionRange" in
      buildScalingRecord(
        runs.map(({ workers, wallMs }) => ({ workers, wallMs })),
        4,
      ).fit!
    ),
  );
});

/** A record as buildScalingRecord makes it from speedups at 1, 2, … workers. */
function recordOf(cores: number, ...points: { speedup: number; min?: number; max?: number }[]): ScalingRecord {
  return buildScalingRecord(
    points.map((p, i) => ({
      workers: i + 1,
      wallMs: 1000 / p.speedup,
      ...(p.min !== undefined ? { speedupMin: p.min, speedupMax: p.max } : {}),
    })),
    cores,
  );
}

const wordCases: [string, ScalingRecord, RegExp][] = [
  [
    "a slowdown",
    recordOf(2, { speedup: 1 }, { speedup: 0.79 }),
    /^no Amdahl fit: a slowdown \(best speedup with 2 or more workers 0\.79x\): overhead .* Amdahl's law, whose speedup never falls below 1x, does not describe it; give each task more work/,
  ],
  [
    "three points on the curve",
    recordOf(4, { speedup: 1 }, { speedup: amdahlSpeedup(0.04, 2) }, { speedup: amdahlSpeedup(0.04, 3) }),
    /^Amdahl fit on 3 points: serial fraction 0\.040 \(the points fit with an RMS error of 0\.00x\), speedup limit 25\.0x$/,
  ],
  [
    "three points with spreads",
    recordOf(4, { speedup: 1 }, { speedup: 1.92, min: 1.85, max: 1.98 }, { speedup: 2.78, min: 2.6, max: 2.95 }),
    /^Amdahl fit on 3 points: serial fraction 0\.0\d\d \(0\.0\d–0\.0\d fits the spreads\), speedup limit/,
  ],
  [
    "spreads no curve passes through",
    recordOf(4, { speedup: 1 }, { speedup: 1.98, min: 1.97, max: 1.99 }, { speedup: 2.0, min: 1.95, max: 2.05 }),
    /serial fraction 0\.\d{3} \(no serial fraction fits within every point's spread: Amdahl's law describes these points poorly\)/,
  ],
  [
    "two points: an estimate, no RMS (two points fit exactly)",
    recordOf(2, { speedup: 1 }, { speedup: 1.9 }),
    /^Amdahl estimate from 2 points: serial fraction ≈ 0\.053 \(two points fix/,
  ],
  [
    "an old record: no fit field",
    {
      version: 1,
      kind: "scaling",
      points: pts(1, 1.9).map((p) => ({ ...p, wallMs: 1000 / p.speedup })),
      serialFraction: 0.053,
      amdahl: [],
      cores: 2,
    },
    /^Amdahl estimate from 2 points: serial fraction ≈ 0\.053 \(two points fix/,
  ],
];
for (const [name, record, expected] of wordCases) {
  test(`describeFit: ${name}`, () => {
    assert.match(describeFit(record), expected);
    scalingConfig(record); // draws without throwing
  });
}
