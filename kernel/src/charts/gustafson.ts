/**
 * Gustafson's law, for weak scaling (`--scaling 1,2,4 --weak`): the work grows with the workers,
 * and with a serial fraction s of the time on N workers, N workers do the work of
 *   S(N) = s + (1 − s)·N
 * workers in the same time (the scaled speedup, N × T(1) ÷ T(N)). Pure functions (only type
 * imports); shared by the kernel and the labextension. The honesty rules are Amdahl's (amdahl.ts,
 * README, Magics: how runs are measured): two points give an estimate, a slowdown gets no serial fraction.
 */
import type { GustafsonFit, ScalingPoint, ScalingRecord } from "../run/records";
import { fractionRange, type ScalingRun, type SpeedupPoint } from "./amdahl";

/** Gustafson's scaled speedup for serial fraction s (clamped to [0, 1]) on n workers. */
export function gustafsonSpeedup(serialFraction: number, workers: number): number {
  const s = Math.min(1, Math.max(0, serialFraction));
  return s + (1 - s) * workers;
}

function isUsable(p: SpeedupPoint): boolean {
  return Number.isFinite(p.workers) && Number.isFinite(p.speedup) && p.workers >= 1;
}

/**
 * Least squares in s: S_i = N_i − s·(N_i − 1), so with a_i = N_i − 1 and y_i = N_i − S_i the
 * error Σ (y_i − s·a_i)² is least at s = Σ a_i·y_i ÷ Σ a_i² (closed form), clamped to [0, 1]
 * (superlinear points pull s below 0, a slowdown above 1). Undefined when no usable point has 2
 * or more workers (1-worker points say nothing about s).
 */
export function fitGustafson(points: readonly SpeedupPoint[]): number | undefined {
  let num = 0;
  let den = 0;
  for (const p of points) {
    if (!isUsable(p)) continue;
    const a = p.workers - 1;
    num += a * (p.workers - p.speedup);
    den += a * a;
  }
  if (den === 0) return undefined;
  return Math.min(1, Math.max(0, num / den));
}

/** Root mean square of (scaled speedup − Gustafson's) over the usable points, in x. */
export function gustafsonRmsError(serialFraction: number, points: readonly SpeedupPoint[]): number {
  const usable = points.filter(isUsable);
  if (!usable.length) return 0;
  const sum = usable.reduce((acc, p) => acc + (p.speedup - gustafsonSpeedup(serialFraction, p.workers)) ** 2, 0);
  return Math.sqrt(sum / usable.length);
}

/** The serial fraction whose line passes through `speedup` at `workers` (> 1), unclamped: (N − S) ÷ (N − 1). */
export function gustafsonFractionFor(speedup: number, workers: number): number {
  return (workers - speedup) / (workers - 1);
}

/** The Gustafson serial fractions the points' spreads allow (see amdahl.ts fractionRange). */
export function gustafsonFractionRange(
  points: readonly SpeedupPoint[],
): { min: number; max: number } | null | undefined {
  return fractionRange(points, gustafsonFractionFor);
}

/** Gustafson's line for drawing: integer worker counts 1..maxWorkers (at most maxPoints, spread evenly). */
export function gustafsonCurve(serialFraction: number, maxWorkers: number, maxPoints = 64): SpeedupPoint[] {
  const top = Math.max(1, Math.ceil(maxWorkers));
  const count = Math.min(top, maxPoints);
  return Array.from({ length: count }, (_, i) => {
    const n = count === 1 ? 1 : top <= maxPoints ? i + 1 : 1 + ((top - 1) * i) / (count - 1);
    return { workers: n, speedup: gustafsonSpeedup(serialFraction, n) };
  });
}

/**
 * The fit and what it may claim from these points. As for Amdahl, only points with workers ≤ cores
 * are fitted when there are two or more of them (oversubscribed workers take turns, which would
 * read as serial time). A best scaled speedup below 1 with 2 or more workers is a slowdown:
 * Gustafson's S(N) never falls below 1 (s = 1 gives exactly 1), so it gets no serial fraction.
 */
export function gustafsonFit(points: readonly SpeedupPoint[], cores: number): GustafsonFit {
  const usable = points.filter(isUsable);
  const onCores = usable.filter((p) => p.workers <= cores);
  const used = onCores.length >= 2 ? onCores : usable;
  const multi = used.filter((p) => p.workers >= 2);
  if (used.length < 2 || !multi.length) return { points: used.length, quality: "none", curve: [] };
  const best = Math.max(...multi.map((p) => p.speedup));
  if (best < 1) return { points: used.length, quality: "slowdown", bestSpeedup: best, curve: [] };
  const s = fitGustafson(used)!;
  const fit: GustafsonFit = {
    points: used.length,
    quality: onCores.length >= 3 ? "fitted" : "exact",
    serialFraction: s,
    rmsError: gustafsonRmsError(s, used),
    curve: gustafsonCurve(s, Math.max(1, ...usable.map((p) => p.workers))),
  };
  const range = gustafsonFractionRange(used);
  if (range !== undefined) fit.serialFractionRange = range;
  return fit;
}

/**
 * Each size's scaled speedup in one weak-scaling round: N × T(1) ÷ T(N), against that round's
 * 1-worker pass, or else its smallest pass (N0 workers) assumed to scale perfectly, N × T(N0) ÷ T(N).
 */
export function scaledSpeedups(sizes: readonly number[], times: readonly number[]): number[] {
  const one = sizes.indexOf(1);
  const base = one >= 0 ? one : sizes.indexOf(Math.min(...sizes));
  return times.map((t, k) => (t > 0 ? (sizes[k] * times[base]) / t : 0));
}

/**
 * The weak-scaling record: each point's scaled speedup (given, e.g. the median of per-round
 * ratios, or from the wall times), Gustafson's fit, and no Amdahl fit (`amdahl` empty).
 */
export function buildWeakScalingRecord(
  runs: readonly ScalingRun[],
  cores: number,
  options: { title?: string } = {},
): ScalingRecord {
  const sorted = [...runs].sort((a, b) => a.workers - b.workers);
  const wallSpeedups = scaledSpeedups(
    sorted.map((r) => r.workers),
    sorted.map((r) => r.wallMs),
  );
  const points: ScalingPoint[] = sorted.map((r, k) => ({
    workers: r.workers,
    wallMs: r.wallMs,
    speedup: r.speedup ?? wallSpeedups[k],
    ...(r.speedupMin !== undefined ? { speedupMin: r.speedupMin } : {}),
    ...(r.speedupMax !== undefined ? { speedupMax: r.speedupMax } : {}),
  }));
  return {
    version: 1,
    kind: "scaling",
    ...(options.title ? { title: options.title } : {}),
    weak: true,
    points,
    amdahl: [],
    gustafson: gustafsonFit(points, cores),
    cores,
  };
}
