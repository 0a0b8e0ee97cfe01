/**
 * Samples per-core CPU utilization on a timer into a 60-second ring buffer.
 *
 * The period adapts: fast (100 ms) while a run is active (`busy(true)`), slow
 * (1000 ms) when idle. The sampler measures its own cost (`overheadPercent`) so
 * that the monitor can show that watching does not disturb what it watches.
 *
 *   const sampler = new Sampler().start();
 *   const off = sampler.subscribe((s) => sendToPanel(s));
 *   sampler.busy(true);  ...run...  sampler.sampleNow(); sampler.busy(false);
 *   const during = sampler.samplesBetween(run.startMs, run.endMs);
 */
import * as os from "node:os";
import { performance } from "node:perf_hooks";
import type { CoreSample } from "../run/records";
import { coreUtilization, type CpuSnapshot, type CpuTimes } from "./cpu";

export const FAST_PERIOD_MS = 100;
export const SLOW_PERIOD_MS = 1000;
export const RETENTION_MS = 60_000;

export interface SamplerOptions {
  /** Period while busy, ms (default 100). */
  fastPeriodMs?: number;
  /** Period while idle, ms (default 1000). */
  slowPeriodMs?: number;
  /** How much history to keep, ms (default 60 000). */
  retentionMs?: number;
  /**
   * `sampleNow()` does not take a new reading closer than this to the previous one,
   * ms (default 30): the kernel counts CPU time in 10 ms ticks, so shorter
   * intervals give 0 % / 100 % noise.
   */
  minIntervalMs?: number;
  /** Reads per-core times (default: os.cpus()). Injected by tests. */
  readCpus?: () => CpuTimes[];
  /** Clock, epoch ms (default Date.now). */
  now?: () => number;
}

export type SampleListener = (sample: CoreSample) => void;

interface StoredSample {
  /** Start of the interval this sample covers, epoch ms. */
  fromMs: number;
  sample: CoreSample;
}

function checkPeriod(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`Sampler: ${name} must be a positive number of milliseconds, got ${String(ms)}`);
  }
  return ms;
}

export class Sampler {
  readonly fastPeriodMs: number;
  readonly slowPeriodMs: number;
  readonly retentionMs: number;
  readonly minIntervalMs: number;
  readonly #readCpus: () => CpuTimes[];
  readonly #now: () => number;

  #periodMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #prev: CpuSnapshot | undefined;
  /** Oldest first; trimmed to retentionMs. */
  #buffer: StoredSample[] = [];
  #head = 0;
  #listeners = new Set<SampleListener>();
  #busyCount = 0;
  #startedPerfMs = 0;
  #spentMs = 0;

  constructor(options: SamplerOptions = {}) {
    this.fastPeriodMs = checkPeriod("fastPeriodMs", options.fastPeriodMs ?? FAST_PERIOD_MS);
    this.slowPeriodMs = checkPeriod("slowPeriodMs", options.slowPeriodMs ?? SLOW_PERIOD_MS);
    this.retentionMs = checkPeriod("retentionMs", options.retentionMs ?? RETENTION_MS);
    this.minIntervalMs = Math.max(0, options.minIntervalMs ?? 30);
    this.#readCpus = options.readCpus ?? (() => os.cpus().map((c) => ({ ...c.times })));
    this.#now = options.now ?? Date.now;
    this.#periodMs = this.slowPeriodMs;
  }

  /** Current period, ms. */
  get periodMs(): number {
    return this.#periodMs;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Number of cores in the last reading. */
  get cores(): number {
    return this.#prev?.cpus.length ?? 0;
  }

  /** Time spent taking samples / wall time since start(), in %. */
  get overheadPercent(): number {
    if (!this.#startedPerfMs) return 0;
    const wall = performance.now() - this.#startedPerfMs;
    return wall > 0 ? (100 * this.#spentMs) / wall : 0;
  }

  /** Starts sampling (a first reading now, the first sample one period later). Idempotent. */
  start(): this {
    if (this.#running) return this;
    this.#running = true;
    this.#startedPerfMs = performance.now();
    this.#spentMs = 0;
    const t0 = performance.now();
    this.#read();
    this.#spentMs += performance.now() - t0;
    this.#schedule(this.#periodMs);
    return this;
  }

  /** Stops the timer; the history stays readable. */
  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Sets the period, ms. The next sample is due one new period after the previous
   * reading (at once if that is already past).
   */
  setPeriod(ms: number): void {
    this.#periodMs = checkPeriod("period", ms);
    if (!this.#running) return;
    const since = this.#prev ? this.#now() - this.#prev.tMs : 0;
    this.#schedule(Math.max(0, this.#periodMs - since));
  }

  /**
   * Marks a run as active (fast period) or finished. Calls are counted, so that
   * overlapping runs keep it fast until the last one ends. Going busy takes a
   * reading at once, so that the run's first interval starts at its start.
   */
  busy(on: boolean): void {
    const was = this.#busyCount > 0;
    this.#busyCount = Math.max(0, this.#busyCount + (on ? 1 : -1));
    const is = this.#busyCount > 0;
    if (is === was) return;
    if (is && this.#running) this.sampleNow();
    this.setPeriod(is ? this.fastPeriodMs : this.slowPeriodMs);
  }

  get isBusy(): boolean {
    return this.#busyCount > 0;
  }

  /** Calls `listener` with every new sample; returns the function that unsubscribes. */
  subscribe(listener: SampleListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Takes a sample now (e.g. at the end of a run), unless the previous reading is
   * less than minIntervalMs old; returns the newest sample either way.
   */
  sampleNow(): CoreSample | undefined {
    if (!this.#prev || this.#now() - this.#prev.tMs >= this.minIntervalMs) this.#sample();
    return this.latest();
  }

  /** The newest sample. */
  latest(): CoreSample | undefined {
    return this.#buffer.length > this.#head ? this.#buffer[this.#buffer.length - 1].sample : undefined;
  }

  /** All samples kept (the last retentionMs), oldest first. */
  samples(): CoreSample[] {
    return this.#buffer.slice(this.#head).map((s) => s.sample);
  }

  /**
   * Samples whose interval overlaps [startMs, endMs] (epoch ms), oldest first. A
   * sample covers the interval from the previous reading to its tMs, so the first
   * sample after endMs is included when it exists (call sampleNow() at the end of a
   * run to have it).
   */
  samplesBetween(startMs: number, endMs: number): CoreSample[] {
    const out: CoreSample[] = [];
    for (let i = this.#head; i < this.#buffer.length; i++) {
      const s = this.#buffer[i];
      if (s.sample.tMs > startMs && s.fromMs < endMs) out.push(s.sample);
    }
    return out;
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      this.#sample();
      this.#schedule(this.#periodMs);
    }, delayMs);
    this.#timer.unref();
  }

  /** Takes a reading; returns the previous one. */
  #read(): CpuSnapshot | undefined {
    const prev = this.#prev;
    this.#prev = { tMs: this.#now(), cpus: this.#readCpus() };
    return prev;
  }

  #sample(): void {
    const t0 = performance.now();
    const prev = this.#read();
    const next = this.#prev;
    if (!prev || !next) return;
    const sample: CoreSample = { tMs: next.tMs, cores: coreUtilization(prev, next) };
    this.#push({ fromMs: prev.tMs, sample });
    // Sampling cost: reading and computing, not what listeners do with the sample.
    this.#spentMs += performance.now() - t0;
    for (const listener of this.#listeners) {
      try {
        listener(sample);
      } catch {
        // A failing listener must not stop sampling for the others.
      }
    }
  }

  #push(s: StoredSample): void {
    this.#buffer.push(s);
    const cutoff = s.sample.tMs - this.retentionMs;
    while (this.#head < this.#buffer.length && this.#buffer[this.#head].sample.tMs < cutoff) this.#head++;
    // Compact now and then so that the array does not grow without bound.
    if (this.#head > 256 && this.#head * 2 > this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
  }
}
