/**
 * How a cluster map cuts its items into tasks (one BullMQ job each). The same rules as the local
 * pool's queues (SPEC §3.1: dynamic by default, `--schedule static` in `workers` contiguous
 * blocks, `--chunksize N` fixed), with a larger work target per task: a job costs a few Redis
 * round trips where a local dispatch costs a postMessage.
 */

export interface Chunk {
  start: number;
  count: number;
}

/** Adaptive chunks aim at this much work per task. */
export const CLUSTER_TARGET_CHUNK_MS = 50;
/** ...and, in the guided tail, never less than this. */
export const CLUSTER_MIN_CHUNK_MS = 5;

export class ClusterChunker {
  private nextStart = 0;
  private perItemMs: number | undefined;
  private samples = 0;
  private readonly blocks: Chunk[] | undefined;

  constructor(
    private readonly total: number,
    private readonly workers: number,
    private readonly schedule: "dynamic" | "static",
    private readonly chunksize?: number,
  ) {
    if (schedule === "static" && chunksize === undefined) {
      this.blocks = [];
      for (let r = 0; r < workers; r++) {
        const start = Math.floor((r * total) / workers);
        const end = Math.floor(((r + 1) * total) / workers);
        if (end > start) this.blocks.push({ start, count: end - start });
      }
    }
  }

  /** Items not handed out yet. */
  get pending(): number {
    return this.total - this.nextStart;
  }

  next(): Chunk | undefined {
    const left = this.pending;
    if (left <= 0) return undefined;
    const count = this.blocks ? this.blocks[0].count : Math.min(left, this.chunksize ?? this.adaptiveSize(left));
    this.blocks?.shift();
    const chunk = { start: this.nextStart, count };
    this.nextStart += count;
    return chunk;
  }

  clear(): void {
    this.nextStart = this.total;
  }

  /** A task of `count` items took `execMs` on its worker. */
  observe(count: number, execMs: number): void {
    if (count === 0) return;
    const perItem = Math.max(execMs / count, 1e-6);
    // small chunks over-estimate (cold code, timer resolution): trust larger samples more
    this.perItemMs =
      this.perItemMs === undefined || count >= this.samples ? perItem : Math.min(this.perItemMs, perItem);
    this.samples = Math.max(this.samples, count);
  }

  /** Before the first measurement one item per task; then guided self-scheduling bounded by time. */
  private adaptiveSize(left: number): number {
    if (this.perItemMs === undefined) return 1;
    const byTime = Math.max(1, Math.floor(CLUSTER_TARGET_CHUNK_MS / this.perItemMs));
    const floor = Math.max(1, Math.floor(CLUSTER_MIN_CHUNK_MS / this.perItemMs));
    const guided = Math.ceil(left / (2 * this.workers));
    return Math.min(byTime, Math.max(guided, floor));
  }
}
