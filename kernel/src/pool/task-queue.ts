/**
 * Which items a worker gets next (piscina-style narrow queue interface, one per schedule).
 * A Chunk is a contiguous range of map items, or one SPMD rank.
 */

export interface Chunk {
  start: number;
  count: number;
}

export interface TaskQueue {
  next(rank: number): Chunk | undefined;
  /** Items not handed out yet. */
  readonly pending: number;
  clear(): void;
  /** A chunk of `count` items took `execMs` in the worker (adaptive chunking). */
  observe(count: number, execMs: number): void;
}

/** Adaptive chunks aim at this much work per dispatch, so messaging stays a small share. */
export const TARGET_CHUNK_MS = 20;
/** Adaptive chunks (tail of the guided schedule) never hold less than this much work. */
export const MIN_CHUNK_MS = 1;

/**
 * Workers pull the next chunk when free. With a fixed chunksize every chunk has that size.
 * Otherwise the size adapts (guided self-scheduling): at most half of a fair share of what is
 * left, at most TARGET_CHUNK_MS and at least MIN_CHUNK_MS of work by the measured time per
 * item; before the first measurement, one item.
 */
export class DynamicQueue implements TaskQueue {
  private nextStart = 0;
  private perItemMs: number | undefined;
  private samples = 0;

  constructor(
    private readonly total: number,
    private readonly workers: number,
    private readonly chunksize?: number,
  ) {}

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

  observe(count: number, execMs: number): void {
    if (count === 0) return;
    const perItem = Math.max(execMs / count, 1e-6);
    // small chunks over-estimate (cold code, timer resolution): trust larger samples more
    this.perItemMs =
      this.perItemMs === undefined || count >= this.samples ? perItem : Math.min(this.perItemMs, perItem);
    this.samples = Math.max(this.samples, count);
  }

  private adaptiveSize(left: number): number {
    if (this.perItemMs === undefined) return 1;
    const byTime = Math.max(1, Math.floor(TARGET_CHUNK_MS / this.perItemMs));
    const floor = Math.max(1, Math.floor(MIN_CHUNK_MS / this.perItemMs));
    const guided = Math.ceil(left / (2 * this.workers));
    return Math.min(byTime, Math.max(guided, floor));
  }
}

/**
 * Static schedule: without chunksize, rank r gets the r-th of `workers` contiguous blocks;
 * with chunksize, chunks are dealt round-robin (OpenMP schedule(static, n)).
 */
export class StaticQueue implements TaskQueue {
  private readonly perRank: Chunk[][];
  private left: number;

  constructor(total: number, workers: number, chunksize?: number) {
    this.perRank = Array.from({ length: workers }, () => []);
    this.left = total;
    if (chunksize === undefined) {
      for (let r = 0; r < workers; r++) {
        const start = Math.floor((r * total) / workers);
        const end = Math.floor(((r + 1) * total) / workers);
        if (end > start) this.perRank[r].push({ start, count: end - start });
      }
    } else {
      for (let start = 0, k = 0; start < total; start += chunksize, k++) {
        this.perRank[k % workers].push({ start, count: Math.min(chunksize, total - start) });
      }
    }
  }

  get pending(): number {
    return this.left;
  }

  next(rank: number): Chunk | undefined {
    const chunk = this.perRank[rank]?.shift();
    if (chunk) this.left -= chunk.count;
    return chunk;
  }

  clear(): void {
    for (const q of this.perRank) q.length = 0;
    this.left = 0;
  }

  observe(): void {}
}

/** SPMD: one task per rank; the chunk's start is the rank. */
export class SpmdQueue implements TaskQueue {
  private readonly given: boolean[];
  private left: number;

  constructor(workers: number) {
    this.given = new Array<boolean>(workers).fill(false);
    this.left = workers;
  }

  get pending(): number {
    return this.left;
  }

  next(rank: number): Chunk | undefined {
    if (rank >= this.given.length || this.given[rank]) return undefined;
    this.given[rank] = true;
    this.left--;
    return { start: rank, count: 1 };
  }

  clear(): void {
    this.given.fill(true);
    this.left = 0;
  }

  observe(): void {}
}
