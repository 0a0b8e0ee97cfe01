/**
 * The N runtimes of a `paralab worker` (--concurrency): hands a free one to each BullMQ job and
 * replaces one that died or was stopped, at the same index (so its name, host:pid/wI, stays).
 */
import { RuntimeThread, type RuntimeEvents } from "./runtime-thread";

export class Runtimes {
  private readonly threads: RuntimeThread[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly size: number,
    private readonly prefix: string,
    /** Heap limit of each runtime, MB. */
    private readonly memoryLimitMb: number,
    private readonly events: Omit<RuntimeEvents, "onExit">,
  ) {
    for (let i = 0; i < size; i++) this.spawn(i);
  }

  /** Resolves when every runtime has started. */
  async ready(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.ready));
  }

  get busy(): number {
    return this.threads.filter((t) => t.state === "busy").length;
  }

  /** The runtimes holding a task of `run`. */
  runningFor(run: string): RuntimeThread[] {
    return this.threads.filter((t) => t.state === "busy" && t.run === run);
  }

  /** Whether `thread` still serves (it was not replaced after it died or was stopped). */
  serving(thread: RuntimeThread): boolean {
    return this.threads[thread.index] === thread && thread.state !== "dead";
  }

  /**
   * A free runtime, marked busy (BullMQ's concurrency equals size, so one frees up soon). With
   * `prefer` (the runtime that holds a task's inputs), that one, once it is free, while it serves.
   */
  async acquire(prefer?: RuntimeThread): Promise<RuntimeThread> {
    for (;;) {
      const wanted = prefer && this.serving(prefer) ? prefer : undefined;
      const free = wanted
        ? wanted.state === "idle"
          ? wanted
          : undefined
        : this.threads.find((t) => t.state === "idle");
      if (free) {
        free.state = "busy";
        return free;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  release(thread: RuntimeThread): void {
    if (thread.state === "busy") thread.state = "idle";
    this.wake();
  }

  /** Stops the runtime now; a fresh one takes its place. */
  replace(thread: RuntimeThread): void {
    thread.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.threads) t.terminate();
  }

  private spawn(i: number): void {
    const t = new RuntimeThread(i, `${this.prefix}/w${i}`, this.memoryLimitMb, {
      ...this.events,
      onExit: (dead) => {
        if (this.closed || this.threads[i] !== dead) return;
        this.spawn(i);
      },
    });
    this.threads[i] = t;
    void t.ready.then(() => this.wake());
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
