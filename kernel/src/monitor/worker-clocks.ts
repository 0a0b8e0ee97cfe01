/**
 * Per-worker CPU use during a run, from each worker's thread clock (schedstat: nanoseconds, not
 * the 10 ms ticks of per-core counters), read every few ms by the kernel. A 150 ms run gets ~30
 * points instead of one; long runs are thinned to at most MAX_POINTS.
 */
import { threadCpuMs } from "../proc/schedstat";
import type { WorkerSample } from "../run/records";

export interface ClockedWorker {
  rank: number;
  pid: number;
  /** Thread workers: the OS thread id; process workers read the process's main thread. */
  osThreadId?: number;
  kind: string;
}

export interface WorkerClockOptions {
  periodMs?: number;
  /** Reads a worker's CPU ms (default: /proc schedstat). Injected by tests. */
  readCpuMs?: (w: ClockedWorker) => number | undefined;
  /** Epoch ms (default: performance clock). */
  now?: () => number;
}

export const DEFAULT_PERIOD_MS = 5;
export const MAX_POINTS = 400;

const readSchedstat = (w: ClockedWorker) =>
  w.kind === "thread"
    ? w.osThreadId === undefined
      ? undefined
      : threadCpuMs(w.pid, w.osThreadId)
    : threadCpuMs(w.pid);

export class WorkerClockSampler {
  readonly #workers: () => ClockedWorker[];
  readonly #periodMs: number;
  readonly #read: (w: ClockedWorker) => number | undefined;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #last = new Map<number, { key: string; cpuMs: number }>();
  #lastMs = 0;
  #samples: WorkerSample[] = [];

  constructor(workers: () => ClockedWorker[], options: WorkerClockOptions = {}) {
    this.#workers = workers;
    this.#periodMs = options.periodMs ?? DEFAULT_PERIOD_MS;
    this.#read = options.readCpuMs ?? readSchedstat;
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
  }

  /** Takes the baseline reading and starts the timer. */
  start(): this {
    this.#lastMs = this.#now();
    for (const w of this.#workers()) {
      const cpuMs = this.#read(w);
      if (cpuMs !== undefined) this.#last.set(w.rank, { key: keyOf(w), cpuMs });
    }
    this.#timer = setInterval(() => this.tick(), this.#periodMs);
    this.#timer.unref();
    return this;
  }

  /** One reading: each worker's busy % since the previous one. */
  tick(): void {
    const now = this.#now();
    const elapsed = now - this.#lastMs;
    if (elapsed <= 0) return;
    const busy: number[] = [];
    for (const w of this.#workers()) {
      const cpuMs = this.#read(w);
      if (cpuMs === undefined) continue;
      const before = this.#last.get(w.rank);
      // A replaced worker (new pid or thread) starts a new baseline.
      const used = before && before.key === keyOf(w) ? cpuMs - before.cpuMs : 0;
      busy[w.rank] = Math.min(100, Math.max(0, (used / elapsed) * 100));
      this.#last.set(w.rank, { key: keyOf(w), cpuMs });
    }
    for (let r = 0; r < busy.length; r++) busy[r] ??= 0;
    this.#lastMs = now;
    this.#samples.push({ tMs: now, workers: busy });
  }

  /** Takes a last reading, stops, and returns the samples (thinned to MAX_POINTS). */
  stop(): WorkerSample[] {
    clearInterval(this.#timer);
    this.tick();
    return thin(this.#samples, MAX_POINTS);
  }
}

function keyOf(w: ClockedWorker): string {
  return `${w.pid}:${w.osThreadId ?? ""}`;
}

/** Merges neighbouring samples (time-weighted) until at most `max` remain. */
export function thin(samples: WorkerSample[], max: number): WorkerSample[] {
  if (samples.length <= max) return samples;
  const group = Math.ceil(samples.length / max);
  const out: WorkerSample[] = [];
  let previousMs = samples[0].tMs;
  for (let i = 0; i < samples.length; i += group) {
    const part = samples.slice(i, i + group);
    const end = part[part.length - 1].tMs;
    const width = Math.max(...part.map((s) => s.workers.length));
    const workers = Array.from({ length: width }, (_, r) => {
      let weighted = 0;
      let from = previousMs;
      for (const s of part) {
        weighted += (s.workers[r] ?? 0) * (s.tMs - from);
        from = s.tMs;
      }
      return end > previousMs ? weighted / (end - previousMs) : (part[0].workers[r] ?? 0);
    });
    out.push({ tMs: end, workers });
    previousMs = end;
  }
  return out;
}
