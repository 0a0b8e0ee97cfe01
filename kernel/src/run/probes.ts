/**
 * The deadlock probes of an SPMD run (run/comm-broker.ts): each probed rank answers from a free
 * event loop, and the probe resolves once all of them have. The pool and the cluster send and
 * receive them their own way; the counting is this.
 */
export class Probes {
  private readonly pending = new Map<number, { left: Set<number>; done(): void }>();
  private seq = 0;

  /** Sends a probe to each rank through `send`; resolves when every one has answered. */
  probe(ranks: readonly number[], send: (rank: number, probeId: number) => void): Promise<void> {
    return new Promise((done) => {
      if (ranks.length === 0) return done();
      const probeId = ++this.seq;
      this.pending.set(probeId, { left: new Set(ranks), done });
      for (const r of ranks) send(r, probeId);
    });
  }

  answered(rank: number, probeId: number): void {
    const p = this.pending.get(probeId);
    if (!p) return;
    p.left.delete(rank);
    if (p.left.size === 0) {
      this.pending.delete(probeId);
      p.done();
    }
  }
}
