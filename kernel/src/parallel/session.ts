import os from "node:os";
import { Sampler } from "../monitor/sampler";
import { Pool, WorkerKind, WorkerStatus } from "../pool/pool";

/**
 * The kernel's parallel state: one persistent pool per worker kind (created on first use), the
 * defaults that %workers changes, and the names SPMD cells left on the workers.
 */
export class ParallelSession {
  private readonly pools = new Map<WorkerKind, Pool>();
  defaultSize = os.availableParallelism();
  defaultKind: WorkerKind = "thread";
  /** Top-level names declared by SPMD cells: they live on the workers (typed `any` in checks). */
  readonly workerGlobals = new Set<string>();
  /** The run in progress, for the monitor comm and panel. */
  currentRun: { label: string; done: number; total: number; startedMs: number } | null = null;

  constructor(readonly sampler: Sampler) {}

  /** The pool of this kind, created with the default size the first time. */
  pool(kind: WorkerKind = this.defaultKind): Pool {
    let pool = this.pools.get(kind);
    if (!pool) {
      pool = new Pool({ size: this.defaultSize, kind });
      this.pools.set(kind, pool);
    }
    return pool;
  }

  /** Status of the default pool's workers, or [] when no pool has started yet. */
  status(): WorkerStatus[] {
    return this.pools.get(this.defaultKind)?.status() ?? [];
  }

  hasPool(kind: WorkerKind = this.defaultKind): boolean {
    return this.pools.has(kind);
  }

  async resize(n: number): Promise<void> {
    this.defaultSize = n;
    await this.pools.get(this.defaultKind)?.resize(n);
  }

  async setKind(kind: WorkerKind): Promise<void> {
    this.defaultKind = kind;
    this.workerGlobals.clear();
    await this.pool(kind).resize(this.defaultSize);
  }

  /** Replaces every worker; their state is gone. */
  async restart(): Promise<void> {
    this.workerGlobals.clear();
    await Promise.all([...this.pools.values()].map((p) => p.restart()));
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }
}
