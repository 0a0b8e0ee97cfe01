/**
 * Per-core CPU utilization from two snapshots of per-CPU times (pure).
 * A snapshot is plain data shaped like `os.cpus()[i].times`, so that tests can
 * build them by hand; `snapshotCpus()` takes one from `os.cpus()`.
 */
import * as os from "node:os";

/** Cumulative CPU time of one core since boot, ms (the fields of os.cpus()[i].times). */
export interface CpuTimes {
  user: number;
  nice: number;
  sys: number;
  idle: number;
  irq: number;
}

export interface CpuSnapshot {
  /** When it was taken, epoch ms. */
  tMs: number;
  /** One entry per core, os.cpus() order. */
  cpus: CpuTimes[];
}

function total(t: CpuTimes): number {
  return t.user + t.nice + t.sys + t.idle + t.irq;
}

/**
 * % busy of one core between two readings, 0..100: 100 * (1 - Δidle / Δtotal).
 * 0 when no time passed or the counters went backwards (a core that went offline
 * and came back).
 */
export function coreBusyPercent(prev: CpuTimes, next: CpuTimes): number {
  const dTotal = total(next) - total(prev);
  const dIdle = next.idle - prev.idle;
  if (!(dTotal > 0) || dIdle < 0) return 0;
  const busy = 100 * (1 - dIdle / dTotal);
  return Math.min(100, Math.max(0, busy));
}

/**
 * % busy per core between two snapshots, one entry per core of `next`.
 * A core missing from `prev` (hot-plugged) reads 0.
 */
export function coreUtilization(prev: CpuSnapshot, next: CpuSnapshot): number[] {
  return next.cpus.map((n, i) => {
    const p = prev.cpus[i];
    return p ? coreBusyPercent(p, n) : 0;
  });
}

/** Sum of the per-core percentages / 100: how many cores were busy (0..cores). */
export function busyCores(percentages: readonly number[]): number {
  return percentages.reduce((a, b) => a + b, 0) / 100;
}

/** A snapshot of os.cpus() now. */
export function snapshotCpus(now: number = Date.now()): CpuSnapshot {
  return { tMs: now, cpus: os.cpus().map((c) => ({ ...c.times })) };
}
