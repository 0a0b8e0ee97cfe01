/**
 * The connections a kernel reads its runs' event streams on (blocking XREADs need a connection
 * each). Connecting costs a few round trips per run, a large part of a small map's time, so a
 * run's reader goes back here when the run ends: CLIENT UNBLOCK ends its wait at once, and the next
 * run reads on it.
 */
import { isGone, type Redis } from "./connect";

/** Readers kept for later runs; runs beyond it at once (--no-block) get their own. */
const KEEP = 4;

export interface Reader {
  redis: Redis;
  /** CLIENT ID, for CLIENT UNBLOCK. */
  id: number;
}

export class Readers {
  private readonly idle: Reader[] = [];
  private closed = false;

  constructor(
    private readonly connect: () => Promise<Redis>,
    /** The kernel's main connection, which unblocks a reader's wait. */
    private readonly control: () => Redis | undefined,
  ) {}

  async take(): Promise<Reader> {
    for (let r = this.idle.pop(); r; r = this.idle.pop()) if (!isGone(r.redis)) return r;
    const redis = await this.connect();
    return { redis, id: Number(await redis.client("ID")) };
  }

  /** Ends the reader's blocking read now (its loop then gives it back). */
  unblock(r: Reader): void {
    const control = this.control();
    if (control && !isGone(control)) void control.client("UNBLOCK", r.id).catch(() => r.redis.disconnect());
    else r.redis.disconnect();
  }

  /** A reader whose run has ended, no longer reading. */
  give(r: Reader): void {
    if (this.closed || isGone(r.redis) || this.idle.length >= KEEP) r.redis.disconnect();
    else this.idle.push(r);
  }

  close(): void {
    this.closed = true;
    for (const r of this.idle.splice(0)) r.redis.disconnect();
  }
}
