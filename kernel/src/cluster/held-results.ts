/**
 * Worker side: the graph results this `paralab worker` process holds instead of sending them
 * through Redis (README, Clusters: task graphs). Each value stays in the runtime that made it (in
 * its graph store, as the local pool's workers keep theirs), so that a later task the kernel sends
 * to this process reads it without a copy; this index says which runtime holds what. Entries are
 * dropped when the kernel says no task will read them (the control channel's "release"), when their
 * runtime is replaced (the value died with it: the kernel recomputes it), or after HELD_TTL_MS
 * unused (a kernel that died never says).
 */
import type { RuntimeThread } from "./runtime-thread";

/** A result this big (serialized, bytes) or more stays in its runtime; smaller ones go to Redis. */
export const HOLD_FROM_BYTES = Number(process.env.PARALAB_CLUSTER_HOLD_BYTES) || 64 * 1024;
/** Held results unused this long are dropped. */
export const HELD_TTL_MS = 15 * 60_000;

interface Held {
  thread: RuntimeThread;
  bytes: number;
  usedMs: number;
}

export class HeldResults {
  private readonly held = new Map<string, Held>();

  constructor(
    /** Bytes one runtime may hold; past it, results go to Redis as small ones do. */
    private readonly perRuntimeBytes: number,
  ) {}

  /** The runtime's key for a node of a kernel's namespace: kernels sharing the cluster never mix. */
  static nodeKey(results: string, nodeId: string): string {
    return `${results}/${nodeId}`;
  }

  /** Whether `thread` may hold `bytes` more. */
  canHold(thread: RuntimeThread, bytes: number): boolean {
    return bytes >= HOLD_FROM_BYTES && this.bytesOn(thread) + bytes <= this.perRuntimeBytes;
  }

  add(key: string, thread: RuntimeThread, bytes: number): void {
    this.held.set(key, { thread, bytes, usedMs: Date.now() });
  }

  /** The runtime that holds `key`, while it serves (`serving` says whether a runtime was replaced). */
  where(key: string, serving: (t: RuntimeThread) => boolean): RuntimeThread | undefined {
    const h = this.held.get(key);
    if (!h) return undefined;
    if (!serving(h.thread)) {
      this.held.delete(key);
      return undefined;
    }
    h.usedMs = Date.now();
    return h.thread;
  }

  /** The runtime holding the most bytes of `keys` (the one a task reading them should run on). */
  best(keys: string[], serving: (t: RuntimeThread) => boolean): RuntimeThread | undefined {
    const bytes = new Map<RuntimeThread, number>();
    for (const k of keys) {
      const t = this.where(k, serving);
      if (t) bytes.set(t, (bytes.get(t) ?? 0) + this.held.get(k)!.bytes);
    }
    return [...bytes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  }

  /** Forgets `keys`; returns them by the runtime that should drop them from its store. */
  release(keys: string[]): Map<RuntimeThread, string[]> {
    const by = new Map<RuntimeThread, string[]>();
    for (const k of keys) {
      const h = this.held.get(k);
      if (!h) continue;
      this.held.delete(k);
      by.set(h.thread, [...(by.get(h.thread) ?? []), k]);
    }
    return by;
  }

  /** Keys of a kernel's namespace (`results/…`) that start with `prefix`. */
  keysOf(results: string): string[] {
    return [...this.held.keys()].filter((k) => k.startsWith(`${results}/`));
  }

  /** Entries unused for `ttlMs`, to release. */
  stale(ttlMs: number, now = Date.now()): string[] {
    return [...this.held.entries()].filter(([, h]) => now - h.usedMs > ttlMs).map(([k]) => k);
  }

  private bytesOn(thread: RuntimeThread): number {
    let n = 0;
    for (const h of this.held.values()) if (h.thread === thread) n += h.bytes;
    return n;
  }
}
