/**
 * How a map's items are cut into tasks, for the local pool and a cluster alike (README, "Magics":
 * --schedule, --chunksize): a fixed chunksize, contiguous blocks for a static schedule, or guided
 * self-scheduling bounded by time. The transports differ only in the work a task should hold: a
 * cluster task costs Redis round trips where a local one costs a postMessage.
 */

/** A contiguous range of map items, or one SPMD rank (start is the rank). */
export interface Chunk {
  start: number;
  count: number;
}

/** The work an adaptive chunk aims at, and the least it holds in the guided tail, ms. */
export interface ChunkTargets {
  targetMs: number;
  minMs: number;
  /**
   * Before anything is measured each worker gets a probe of 1/probeShare of its fair share of the
   * items (at least 1; without probeShare, 1 item). A probe of one item measures mostly the task's
   * own overhead (~3 µs against ~25 ns per item of x + 1), so tiny work would take several more
   * rounds to reach its size; 1/64 of a share keeps the probe a negligible part of any run.
   */
  probeShare?: number;
  /**
   * When the work left, by the measured rate, is at most this much per worker, it is split evenly:
   * one last chunk per worker instead of a guided tail of ever smaller ones, each a round trip.
   */
  evenTailMs?: number;
}

/** Rank r's share of a static schedule without chunksize: the r-th of `workers` contiguous blocks (none when empty). */
export function staticBlock(rank: number, total: number, workers: number): Chunk | undefined {
  const start = Math.floor((rank * total) / workers);
  const end = Math.floor(((rank + 1) * total) / workers);
  return end > start ? { start, count: end - start } : undefined;
}

/** Every rank's static block, in rank order. */
export function staticBlocks(total: number, workers: number): Chunk[] {
  return Array.from({ length: workers }, (_, r) => staticBlock(r, total, workers)).filter((b): b is Chunk => !!b);
}

/**
 * Chunks in order, handed to whichever worker is free. With a fixed chunksize every chunk has that
 * size. Otherwise the size adapts: at most half of a fair share of what is left, at most
 * `targetMs` and at least `minMs` of work by the measured time per item; before the first
 * measurement, a probe (one item, or `probeShare`); with `evenTailMs`, a small rest is split evenly.
 */
export class GuidedChunks {
  private nextStart = 0;
  private perItemMs: number | undefined;
  private samples = 0;
  /** Set once the rest is split evenly: the size of each of those last chunks. */
  private evenShare: number | undefined;

  constructor(
    private readonly total: number,
    private readonly workers: number,
    private readonly chunksize: number | undefined,
    private readonly targets: ChunkTargets,
  ) {}

  /** Items not handed out yet. */
  get pending(): number {
    return this.total - this.nextStart;
  }

  next(): Chunk | undefined {
    const left = this.pending;
    if (left <= 0) return undefined;
    const count = Math.min(left, this.chunksize ?? this.adaptiveSize(left));
    const chunk = { start: this.nextStart, count };
    this.nextStart += count;
    return chunk;
  }

  clear(): void {
    this.nextStart = this.total;
  }

  /** Size of the chunks handed out before the first measurement. */
  get probeSize(): number {
    const share = this.targets.probeShare;
    return share ? Math.max(1, Math.floor(this.total / (this.workers * share))) : 1;
  }

  /** A task of `count` items took `execMs` in the user's function. */
  observe(count: number, execMs: number): void {
    if (count === 0) return;
    const perItem = Math.max(execMs / count, 1e-6);
    // small chunks over-estimate (cold code, timer resolution): trust larger samples more
    this.perItemMs =
      this.perItemMs === undefined || count >= this.samples ? perItem : Math.min(this.perItemMs, perItem);
    this.samples = Math.max(this.samples, count);
  }

  private adaptiveSize(left: number): number {
    if (this.perItemMs === undefined) return this.probeSize;
    if (this.evenShare !== undefined) return this.evenShare;
    const evenTail = this.targets.evenTailMs;
    if (evenTail !== undefined && left * this.perItemMs <= evenTail * this.workers) {
      this.evenShare = Math.ceil(left / this.workers);
      return this.evenShare;
    }
    const byTime = Math.max(1, Math.floor(this.targets.targetMs / this.perItemMs));
    const floor = Math.max(1, Math.floor(this.targets.minMs / this.perItemMs));
    const guided = Math.ceil(left / (2 * this.workers));
    return Math.min(byTime, Math.max(guided, floor));
  }
}
