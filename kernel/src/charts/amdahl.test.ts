import { test } from "node:test";
import * as assert from "node:assert/strict";
import { amdahlCurve, amdahlSpeedup, buildScalingRecord, fitSerialFraction } from "./amdahl";

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
  assert.ok(Math.abs(r.serialFraction - s) < 1e-6);
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
    assert.ok(Math.abs(record.serialFraction - 0.2) < 0.01, String(record.serialFraction));
    assert.deepEqual(
      record.points.map((p) => p.workers),
      [1, 2, 4],
    );
  }
});
