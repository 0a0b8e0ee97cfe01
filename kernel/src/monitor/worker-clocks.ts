/**
 * Per-worker CPU use during a run, from each worker's thread clock, read every few ms by the
 * kernel. A 150 ms run gets ~60 points instead of the one or two that per-core counters (read
 * every 100 ms) give; long runs are thinned to at most MAX_POINTS.
 *
 * A running thread's schedstat clock advances in scheduler ticks (4 ms at HZ=250; exact only at a
 * context switch), so busy % over one 2 ms gap reads 0 or 100 for a thread that is always busy.
 * Each point is therefore the busy % over the WINDOW_MS before it: at most one tick of error in
 * four.
 */
import { SchedstatReader, type ThreadTimes } from "../proc/schedstat";
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
  /** Reads a worker's CPU and run-queue wait, ms (default: /proc schedstat); wins over readCpuMs. */
  readTimes?: (w: ClockedWorker) => ThreadTimes | undefined;
  /** Epoch ms (default: performance clock). */
  now?: () => number;
}

/**
 * A point every 4 ms, the scheduler's tick: reading faster adds no information, and the kernel's
 * process that reads competes with the workers for the cores it measures. Measured here with two
 * idle workers (the process's CPU per second of sampling): opening each file per read every 2 ms,
 * 142 ms; files kept open, 93–102 ms (the timer's own wake-ups are most of it); every 4 ms, 41–48 ms.
 */
export const DEFAULT_PERIOD_MS = 4;
export const MAX_POINTS = 400;
/** Each point covers this much time before it (four 4 ms ticks). */
export const WINDOW_MS = 16;
/** No point covers less (two ticks), except the one that ends a run shorter than this. */
const MIN_WINDOW_MS = 8;

/** One reading of every worker's clock. */
interface Reading {
  tMs: number;
  /** rank → which thread (pid:tid) and its clocks. */
  clocks: Map<number, { key: string } & ThreadTimes>;
}

/** The workers' clocks added up over a run (a replaced worker's new thread counts from its first reading). */
export interface WorkerClockTotals {
  cpuMs: number;
  /** Ready to run but waiting for a core. */
  waitMs: number;
}

function schedstatOf(reader: SchedstatReader) {
  return (w: ClockedWorker) =>
    w.kind === "thread"
      ? w.osThreadId === undefined
        ? undefined
        : reader.read(w.pid, w.osThreadId)
      : reader.read(w.pid);
}

export class WorkerClockSampler {
  readonly #workers: () => ClockedWorker[];
  readonly #periodMs: number;
  readonly #read: (w: ClockedWorker) => ThreadTimes | undefined;
  /** The workers' schedstat files, open while sampling. */
  readonly #files = new SchedstatReader();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  /** Readings back to the newest one at least WINDOW_MS old (the start of the current window). */
  #readings: Reading[] = [];
  #startedMs = 0;
  #samples: WorkerSample[] = [];
  #last: Reading | undefined;
  readonly #totals: WorkerClockTotals = { cpuMs: 0, waitMs: 0 };

  constructor(workers: () => ClockedWorker[], options: WorkerClockOptions = {}) {
    this.#workers = workers;
    this.#periodMs = options.periodMs ?? DEFAULT_PERIOD_MS;
    const readCpuMs = options.readCpuMs;
    this.#read =
      options.readTimes ??
      (readCpuMs
        ? (w) => {
            const cpuMs = readCpuMs(w);
            return cpuMs === undefined ? undefined : { cpuMs, waitMs: 0 };
          }
        : schedstatOf(this.#files));
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
  }

  /** Takes the baseline reading and starts the timer. */
  start(): this {
    const baseline = this.#reading();
    this.#startedMs = baseline.tMs;
    this.#readings = [baseline];
    this.#timer = setInterval(() => this.tick(), this.#periodMs);
    this.#timer.unref();
    return this;
  }

  /** One reading, and a point: each worker's busy % over the window that ends now. */
  tick(final = false): void {
    const now = this.#reading();
    if (now.tMs > this.#readings[this.#readings.length - 1].tMs) this.#readings.push(now);
    while (this.#readings.length > 2 && this.#readings[1].tMs <= now.tMs - WINDOW_MS) this.#readings.shift();
    const elapsed = now.tMs - this.#readings[0].tMs;
    if (elapsed <= 0 || (elapsed < MIN_WINDOW_MS && !final)) return;
    const busy: number[] = [];
    const waiting: number[] = [];
    for (const [rank, clock] of now.clocks) {
      // A replaced worker (new pid or thread) counts from its own first reading in the window.
      const since = this.#readings.find((r) => r.clocks.get(rank)?.key === clock.key);
      const span = since ? now.tMs - since.tMs : 0;
      const before = since?.clocks.get(rank);
      busy[rank] = before && span > 0 ? percent(clock.cpuMs - before.cpuMs, span) : 0;
      waiting[rank] = before && span > 0 ? percent(clock.waitMs - before.waitMs, span) : 0;
    }
    for (let r = 0; r < busy.length; r++) {
      busy[r] ??= 0;
      waiting[r] ??= 0;
    }
    const sample: WorkerSample = { tMs: now.tMs, workers: busy };
    if (waiting.some((w) => w > 0)) sample.waiting = waiting;
    this.#samples.push(sample);
  }

  #reading(): Reading {
    const clocks = new Map<number, { key: string } & ThreadTimes>();
    for (const w of this.#workers()) {
      const times = this.#read(w);
      if (times !== undefined) clocks.set(w.rank, { key: keyOf(w), ...times });
    }
    const reading = { tMs: this.#now(), clocks };
    for (const [rank, clock] of clocks) {
      const before = this.#last?.clocks.get(rank);
      if (before?.key !== clock.key) continue;
      this.#totals.cpuMs += Math.max(0, clock.cpuMs - before.cpuMs);
      this.#totals.waitMs += Math.max(0, clock.waitMs - before.waitMs);
    }
    this.#last = reading;
    return reading;
  }

  /** The workers' CPU and wait for a core since start(), all workers together. */
  get totals(): WorkerClockTotals {
    return { ...this.#totals };
  }

  /** When the baseline was read: the first sample covers the time from here. */
  get startedMs(): number {
    return this.#startedMs;
  }

  /** The samples so far (thinned to MAX_POINTS), while sampling goes on: a live chart's. */
  samples(): WorkerSample[] {
    return thin([...this.#samples], MAX_POINTS);
  }

  /** Takes a last reading, stops, and returns the samples (thinned to MAX_POINTS). */
  stop(): WorkerSample[] {
    clearInterval(this.#timer);
    this.tick(true);
    this.#files.close();
    return thin(this.#samples, MAX_POINTS);
  }
}

function percent(partMs: number, spanMs: number): number {
  return Math.min(100, Math.max(0, (partMs / spanMs) * 100));
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
    const mean = (of: (s: WorkerSample) => number[] | undefined) =>
      Array.from({ length: width }, (_, r) => {
        let weighted = 0;
        let from = previousMs;
        for (const s of part) {
          weighted += (of(s)?.[r] ?? 0) * (s.tMs - from);
          from = s.tMs;
        }
        return end > previousMs ? weighted / (end - previousMs) : (of(part[0])?.[r] ?? 0);
      });
    const merged: WorkerSample = { tMs: end, workers: mean((s) => s.workers) };
    if (part.some((s) => s.waiting)) merged.waiting = mean((s) => s.waiting);
    out.push(merged);
    previousMs = end;
  }
  return out;
}
