/**
 * Worker side: events for a run's kernel, appended to the run's Redis stream, each signed with the
 * cluster key (the kernel uses no result it cannot authenticate). Output is batched (a loop
 * printing 10,000 lines should not cost 10,000 round trips) and always written before the result
 * that follows it, so that the kernel prints a task's output before it counts it done.
 */
import type { Redis } from "./connect";
import { clusterKeys, RUN_TTL_S } from "./keys";
import { seal } from "./sealed";
import type { ClusterEvent } from "./wire";

/** Output waits at most this long before it is sent. */
const FLUSH_MS = 15;

export class EventWriter {
  private readonly pending = new Map<string, ClusterEvent[]>();
  private readonly expiring = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: ReturnType<typeof clusterKeys>,
    private readonly secret: Buffer,
    private readonly log: (text: string) => void,
  ) {}

  /** Queued; sent within FLUSH_MS. */
  push(run: string, event: ClusterEvent): void {
    let list = this.pending.get(run);
    if (!list) this.pending.set(run, (list = []));
    const last = list[list.length - 1];
    // consecutive writes of one stream travel as one event
    if (event.type === "stream" && last?.type === "stream" && last.worker === event.worker && last.name === event.name)
      last.text += event.text;
    else list.push(event);
    this.timer ??= setTimeout(() => void this.flushAll(), FLUSH_MS);
  }

  /** Sends the run's queued events, then `last` (a result), in this order; throws when Redis is gone. */
  async send(run: string, last: ClusterEvent): Promise<void> {
    this.push(run, last);
    await this.flush(run);
  }

  /** Output only: a failure is logged (the task's result, sent with send(), will fail loudly). */
  async flushAll(): Promise<void> {
    this.timer = undefined;
    await Promise.all(
      [...this.pending.keys()].map((run) =>
        this.flush(run).catch((e: Error) => this.log(`could not send output of run ${run} to Redis: ${e.message}`)),
      ),
    );
  }

  private async flush(run: string): Promise<void> {
    const events = this.pending.get(run);
    if (!events?.length) return;
    this.pending.delete(run);
    const key = this.keys.events(run);
    const multi = this.redis.multi();
    for (const e of events) multi.xadd(key, "*", "e", seal(this.secret, key, e));
    if (!this.expiring.has(run)) {
      multi.expire(key, RUN_TTL_S);
      this.expiring.add(run);
      if (this.expiring.size > 1000) this.expiring.clear();
    }
    await multi.exec();
  }
}
