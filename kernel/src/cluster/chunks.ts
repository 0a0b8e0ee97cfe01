/**
 * How a cluster map cuts its items into tasks (one BullMQ job each). The same rules as the local
 * pool's queues (README, Magics: %%parallel: dynamic by default, `--schedule static` in `workers` contiguous
 * blocks, `--chunksize N` fixed), with a larger work target per task: a job costs a few Redis
 * round trips where a local dispatch costs a postMessage.
 */
import { GuidedChunks, staticBlocks, type Chunk } from "../run/guided-chunks";

export type { Chunk } from "../run/guided-chunks";

/** Adaptive chunks aim at this much work per task. */
export const CLUSTER_TARGET_CHUNK_MS = 50;
/** ...and, in the guided tail, never less than this. */
export const CLUSTER_MIN_CHUNK_MS = 5;

export class ClusterChunker {
  private readonly blocks: Chunk[] | undefined;
  private readonly guided: GuidedChunks;

  constructor(total: number, workers: number, schedule: "dynamic" | "static", chunksize?: number) {
    this.guided = new GuidedChunks(total, workers, chunksize, {
      targetMs: CLUSTER_TARGET_CHUNK_MS,
      minMs: CLUSTER_MIN_CHUNK_MS,
    });
    // Static without chunksize: the pool's blocks, taken in order by whichever worker is free.
    if (schedule === "static" && chunksize === undefined) this.blocks = staticBlocks(total, workers);
  }

  next(): Chunk | undefined {
    return this.blocks ? this.blocks.shift() : this.guided.next();
  }

  clear(): void {
    if (this.blocks) this.blocks.length = 0;
    this.guided.clear();
  }

  /** A task of `count` items took `execMs` on its worker. */
  observe(count: number, execMs: number): void {
    this.guided.observe(count, execMs);
  }
}
