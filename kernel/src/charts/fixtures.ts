/**
 * Small sample records for tests and for looking at the charts
 * (`node kernel/dist/charts/render-samples.js` writes them to /tmp/paralab-charts).
 */
import { amdahlSpeedup, buildScalingRecord } from "./amdahl";
import type { CoreSample, MonitorRecord, RunRecord, ScalingRecord, TaskRecord } from "../run/records";

const T0 = 1_700_000_000_000;

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function samples(
  start: number,
  end: number,
  periodMs: number,
  cores: number,
  busy: (t: number, c: number) => number,
): CoreSample[] {
  const out: CoreSample[] = [];
  for (let t = start + periodMs; t <= end + periodMs; t += periodMs) {
    out.push({
      tMs: t,
      cores: Array.from({ length: cores }, (_, c) => Math.max(0, Math.min(100, busy(t - start, c)))),
    });
  }
  return out;
}

/** A map run: `tasks` tasks of uneven length dynamically scheduled on `workers` workers. */
export function sampleRunRecord(
  workers = 4,
  taskCount = 16,
  options: { errors?: boolean; compare?: boolean; cores?: number } = {},
): RunRecord {
  const rnd = lcg(42);
  const cores = options.cores ?? 2;
  const free = Array.from({ length: workers }, () => 2);
  const tasks: TaskRecord[] = [];
  for (let i = 0; i < taskCount; i++) {
    let rank = 0;
    for (let w = 1; w < workers; w++) if (free[w] < free[rank]) rank = w;
    const start = free[rank] + 0.5;
    const dur = 20 + rnd() * 60;
    free[rank] = start + dur;
    let status: TaskRecord["status"] = "ok";
    if (options.errors && i === 2) status = "error";
    if (options.errors && i >= taskCount - 2) status = "cancelled";
    tasks.push({ rank, index: i, startMs: T0 + start, endMs: T0 + start + dur, cpuMs: dur * 0.95, status });
  }
  const wallMs = Math.max(...free) + 3;
  const cpuMs = tasks.reduce((a, t) => a + t.cpuMs, 0);
  return {
    version: 1,
    kind: "run",
    mode: "map",
    workers,
    workerKind: "thread",
    cores,
    startMs: T0,
    endMs: T0 + wallMs,
    wallMs,
    cpuMs,
    busyWorkers: cpuMs / wallMs,
    bytesIn: 1234,
    bytesOut: 321,
    tasks,
    samples: samples(T0, T0 + wallMs, 10, cores, (t, c) => (t < 3 ? 5 : 85 + 10 * Math.sin(t / 7 + c) + rnd() * 5)),
    ...(options.compare
      ? {
          compare: {
            serialMs: cpuMs * 1.02,
            parallelMs: wallMs,
            speedup: (cpuMs * 1.02) / wallMs,
            serialWhere: "on one worker thread (w0)",
          },
        }
      : {}),
  };
}

/** Scaling at 1, 2, 4, 8 workers with true serial fraction s on a 4-core machine. */
export function sampleScalingRecord(s = 0.1, workers = [1, 2, 4, 8], cores = 4): ScalingRecord {
  const rnd = lcg(7);
  // Wall times with ±2% noise; more workers than cores run no faster than `cores`.
  const walls = workers.map((n) => (1000 / amdahlSpeedup(s, Math.min(n, cores))) * (1 + (rnd() - 0.5) * 0.04));
  return buildScalingRecord(
    workers.map((n, i) => ({ workers: n, wallMs: walls[i] })),
    cores,
  );
}

/** A monitor record of `seconds` at 10 Hz on `cores` cores, with a busy phase in the middle. */
export function sampleMonitorRecord(cores = 2, seconds = 10, done = true): MonitorRecord {
  const rnd = lcg(3);
  const durationMs = seconds * 1000;
  return {
    version: 1,
    kind: "monitor",
    cores,
    startMs: T0,
    samples: samples(T0, T0 + (done ? durationMs : durationMs / 2), 100, cores, (t, c) =>
      t > 2000 && t < 6000 + c * 1000 ? 95 + rnd() * 5 : 3 + rnd() * 8,
    ),
    durationMs,
    done,
  };
}
