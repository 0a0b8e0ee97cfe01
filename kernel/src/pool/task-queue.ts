import { GuidedChunks, staticBlock, type Chunk } from "../run/guided-chunks";

/**
 * Which items a worker gets next (piscina-style narrow queue interface, one per schedule).
 * A Chunk is a contiguous range of map items, or one SPMD rank.
 */

export type { Chunk } from "../run/guided-chunks";

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
/** The first chunk of each worker: this fraction of its share of the items (run/guided-chunks.ts). */
export const PROBE_SHARE = 64;
/** What is left is split evenly over the workers when it holds at most this much work per worker. */
export const EVEN_TAIL_MS = 2;

/** Workers pull the next chunk when free (guided self-scheduling, or a fixed chunksize). */
export class DynamicQueue extends GuidedChunks implements TaskQueue {
  constructor(total: number, workers: number, chunksize?: number) {
    super(total, workers, chunksize, {
      targetMs: TARGET_CHUNK_MS,
      minMs: MIN_CHUNK_MS,
      probeShare: PROBE_SHARE,
      evenTailMs: EVEN_TAIL_MS,
    });
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
        const block = staticBlock(r, total, workers);
        if (block) this.perRank[r].push(block);
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
