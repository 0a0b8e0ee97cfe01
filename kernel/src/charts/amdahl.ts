/**
 * Amdahl's law: with a serial fraction s of the work, n workers give a speedup of
 *   speedup(n) = 1 / (s + (1 - s) / n).
 * Pure functions (only type imports); shared by the kernel and the labextension.
 */
import type { AmdahlFit, ScalingPoint, ScalingRecord } from "../run/records";

export interface SpeedupPoint {
  workers: number;
  speedup: number;
  /** With --repeat: the lowest and highest speedup measured at this worker count. */
  speedupMin?: number;
  speedupMax?: number;
}

/** Amdahl's predicted speedup for serial fraction s on n workers. */
export function amdahlSpeedup(serialFraction: number, workers: number): number {
  const s = Math.min(1, Math.max(0, serialFraction));
  return 1 / (s + (1 - s) / workers);
}

function sumSquaredError(s: number, points: readonly SpeedupPoint[]): number {
  let sum = 0;
  for (const p of points) {
    const d = p.speedup - amdahlSpeedup(s, p.workers);
    sum += d * d;
  }
  return sum;
}

/**
 * Least-squares fit of Amdahl's law to measured speedups: the serial fraction s in
 * [0, 1] minimising sum (speedup_i - 1 / (s + (1 - s) / n_i))^2.
 *
 * A coarse grid over [0, 1] finds the best bracket (the error need not be unimodal
 * for noisy data), then golden-section search refines it to ~1e-9.
 * Points with workers < 1 or non-finite values are ignored. With no usable point,
 * or only 1-worker points (which say nothing about s), the result is 0.
 * Superlinear speedups pull s to 0; speedups below 1 pull it to 1.
 */
export function fitSerialFraction(points: readonly SpeedupPoint[]): number {
  const usable = points.filter(
    (p) => Number.isFinite(p.workers) && Number.isFinite(p.speedup) && p.workers >= 1 && p.speedup > 0,
  );
  if (!usable.some((p) => p.workers > 1)) return 0;

  const steps = 200;
  let best = 0;
  let bestErr = Infinity;
  for (let i = 0; i <= steps; i++) {
    const s = i / steps;
    const err = sumSquaredError(s, usable);
    if (err < bestErr) {
      bestErr = err;
      best = i;
    }
  }
  let lo = Math.max(0, (best - 1) / steps);
  let hi = Math.min(1, (best + 1) / steps);
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = sumSquaredError(a, usable);
  let fb = sumSquaredError(b, usable);
  while (hi - lo > 1e-9) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = sumSquaredError(a, usable);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = sumSquaredError(b, usable);
    }
  }
  const s = (lo + hi) / 2;
  // The ends of the interval are not reached by golden-section search; check them.
  const candidates = [s, 0, 1];
  let bestS = s;
  let bestE = sumSquaredError(s, usable);
  for (const c of candidates) {
    const e = sumSquaredError(c, usable);
    if (e < bestE) {
      bestE = e;
      bestS = c;
    }
  }
  return Math.min(1, Math.max(0, bestS));
}

/**
 * The Amdahl curve for drawing: one point per integer worker count from 1 to
 * maxWorkers (at most `maxPoints` points, spread evenly when there are more).
 */
export function amdahlCurve(serialFraction: number, maxWorkers: number, maxPoints = 64): SpeedupPoint[] {
  const top = Math.max(1, Math.ceil(maxWorkers));
  const out: SpeedupPoint[] = [];
  if (top <= maxPoints) {
    for (let n = 1; n <= top; n++) out.push({ workers: n, speedup: amdahlSpeedup(serialFraction, n) });
  } else {
    for (let i = 0; i < maxPoints; i++) {
      const n = 1 + ((top - 1) * i) / (maxPoints - 1);
      out.push({ workers: n, speedup: amdahlSpeedup(serialFraction, n) });
    }
  }
  return out;
}

/**
 * The serial fraction at which Amdahl's law gives `speedup` on `workers` workers, unclamped:
 * 1 / (s + (1 - s) / n) = x  ⇔  s = (1/x - 1/n) / (1 - 1/n). Needs workers > 1 and speedup > 0.
 */
export function serialFractionFor(speedup: number, workers: number): number {
  return (1 / speedup - 1 / workers) / (1 - 1 / workers);
}

function isUsable(p: SpeedupPoint): boolean {
  return Number.isFinite(p.workers) && Number.isFinite(p.speedup) && p.workers >= 1 && p.speedup > 0;
}

/**
 * A slowdown: the best speedup measured with 2 or more workers is below 1 (so all of them are).
 * Amdahl's law cannot go below 1 (s = 1 gives exactly 1): overhead dominates, and a fit would only
 * report s ≈ 1. Undefined when no point has 2 or more workers.
 */
export function bestMultiWorkerSpeedup(points: readonly SpeedupPoint[]): number | undefined {
  const multi = points.filter((p) => Number.isFinite(p.workers) && p.workers >= 2 && Number.isFinite(p.speedup));
  return multi.length ? Math.max(...multi.map((p) => p.speedup)) : undefined;
}

export function isSlowdown(points: readonly SpeedupPoint[]): boolean {
  const best = bestMultiWorkerSpeedup(points);
  return best !== undefined && best < 1;
}

/** Root mean square of (speedup − Amdahl's speedup) over the usable points, in x. */
export function rmsResidual(serialFraction: number, points: readonly SpeedupPoint[]): number {
  const usable = points.filter(isUsable);
  if (!usable.length) return 0;
  return Math.sqrt(sumSquaredError(serialFraction, usable) / usable.length);
}

/**
 * The serial fractions whose law passes within every point's spread (speedupMin to speedupMax), for
 * a law whose speedup falls as s grows (Amdahl's, Gustafson's): `fractionFor(speedup, workers)` is
 * the s that gives `speedup`, so each point with n > 1 bounds s from both sides, s ≥ s(speedupMax)
 * and s ≤ s(speedupMin). Undefined when no point with 2 or more workers has a spread; null when no
 * s in [0, 1] passes through all of them (the law does not describe the points within their spreads).
 */
export function fractionRange(
  points: readonly SpeedupPoint[],
  fractionFor: (speedup: number, workers: number) => number,
): { min: number; max: number } | null | undefined {
  let lo = 0;
  let hi = 1;
  let any = false;
  for (const p of points) {
    if (!isUsable(p) || p.workers <= 1) continue;
    const min = p.speedupMin ?? p.speedupMax;
    const max = p.speedupMax ?? p.speedupMin;
    if (min === undefined || max === undefined || !Number.isFinite(min) || !Number.isFinite(max)) continue;
    any = true;
    const top = Math.max(min, max, p.speedup);
    const bottom = Math.min(min, max, p.speedup);
    lo = Math.max(lo, fractionFor(top, p.workers));
    hi = Math.min(hi, bottom > 0 ? fractionFor(bottom, p.workers) : 1);
  }
  if (!any) return undefined;
  return lo <= hi ? { min: Math.max(0, lo), max: Math.min(1, hi) } : null;
}

/** The Amdahl serial fractions the points' spreads allow (see fractionRange). */
export function serialFractionRange(points: readonly SpeedupPoint[]): { min: number; max: number } | null | undefined {
  return fractionRange(points, serialFractionFor);
}

/** One measured run of a `--scaling` series. */
export interface ScalingRun {
  workers: number;
  /** The wall time (with --repeat: the median). */
  wallMs: number;
  /** With --repeat: the lowest and highest speedup at this worker count. */
  speedupMin?: number;
  speedupMax?: number;
  /** With rounds: the median of each round's speedup (which the median wall times need not give). */
  speedup?: number;
}

/**
 * The scaling record for measured runs: speedups against `baselineMs` (the serial
 * run), or else the 1-worker run, or else the smallest run assumed to scale
 * perfectly (baseline = its wallMs x its workers); then the Amdahl fit and curve.
 * A slowdown gets no serial fraction and no curve (README, Magics: how runs are measured).
 */
export function buildScalingRecord(
  runs: readonly ScalingRun[],
  cores: number,
  options: { baselineMs?: number; title?: string } = {},
): ScalingRecord {
  const sorted = [...runs].sort((a, b) => a.workers - b.workers);
  const one = sorted.find((r) => r.workers === 1);
  const smallest = sorted[0];
  const baseline = options.baselineMs ?? one?.wallMs ?? (smallest ? smallest.wallMs * smallest.workers : 0);
  const points: ScalingPoint[] = sorted.map((r) => ({
    workers: r.workers,
    wallMs: r.wallMs,
    speedup: r.speedup ?? (r.wallMs > 0 ? baseline / r.wallMs : 0),
    ...(r.speedupMin !== undefined ? { speedupMin: r.speedupMin } : {}),
    ...(r.speedupMax !== undefined ? { speedupMax: r.speedupMax } : {}),
  }));
  const head = {
    version: 1 as const,
    kind: "scaling" as const,
    ...(options.title ? { title: options.title } : {}),
    points,
  };
  // Amdahl's law models cores, not oversubscribed workers: beyond the core count workers take
  // turns, which would read as a large serial fraction. Fit on the points that fit on the cores.
  const onCores = points.filter((p) => p.workers <= cores);
  const used = onCores.length >= 2 ? onCores : points;
  const best = bestMultiWorkerSpeedup(used);
  if (best !== undefined && best < 1) {
    // No serial fraction describes a slowdown: s = 1 only reaches 1x.
    return { ...head, fit: { points: used.length, quality: "slowdown", bestSpeedup: best }, amdahl: [], cores };
  }
  const serialFraction = fitSerialFraction(used);
  const maxWorkers = Math.max(1, ...points.map((p) => p.workers));
  // One parameter: two points fix it exactly (no test of the law), three or more within the
  // cores overdetermine it, and only then is 1/s worth calling a limit.
  const quality = used.length < 2 ? "none" : onCores.length >= 3 ? "fitted" : "exact";
  const fit: AmdahlFit = { points: used.length, quality };
  if (quality !== "none") {
    fit.rmsError = rmsResidual(serialFraction, used);
    const range = serialFractionRange(used);
    if (range !== undefined) fit.serialFractionRange = range;
  }
  if (quality === "fitted" && serialFraction > 0) fit.limit = 1 / serialFraction;
  return { ...head, fit, serialFraction, amdahl: amdahlCurve(serialFraction, maxWorkers), cores };
}
