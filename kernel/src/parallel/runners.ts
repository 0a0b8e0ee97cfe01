import os from "node:os";
import { parseClusterUrl } from "../cluster/address";
import { loadClusterKey } from "../cluster/key";
import type { ClusterRunner } from "../cluster/runner";
import { defaultMemoryLimitMb, Pool, WorkerKind } from "../pool/pool";
import type { WorkerStatus } from "../run/jobs";
import type { EnsureOptions, Runner } from "../run/runner";
import { BackgroundErrors } from "./background-errors";

/**
 * The runners this kernel dispatches to: one persistent local pool per worker kind (created on
 * first use), the session's clusters, the defaults %workers and %cluster set, and the names SPMD
 * cells left on the workers. What the runners report outside any task goes to `background`.
 */
export class Runners {
  readonly #pools = new Map<WorkerKind, Pool>();
  defaultSize = os.availableParallelism();
  defaultKind: WorkerKind = "thread";
  /** Heap limit of every worker, MB (%workers --memory). */
  memoryLimitMb = defaultMemoryLimitMb();
  /** Top-level names declared by SPMD cells: they live on the workers (typed `any` in checks). */
  readonly workerGlobals = new Set<string>();
  readonly background = new BackgroundErrors();
  /** The session's cluster (%cluster URL): map cells run there until %cluster off. */
  clusterUrl: string | undefined;
  /** %cluster URL --key-file F; otherwise the key comes from PARALAB_CLUSTER_KEY. */
  clusterKeyFile: string | undefined;
  /** One connection per cluster address, made on first use. */
  private readonly clusters = new Map<string, ClusterRunner>();

  /** The runner of a cluster URL (throws ClusterUrlError). The key is read at each run, so a fixed one takes effect. */
  cluster(url: string): ClusterRunner {
    const address = parseClusterUrl(url);
    let runner = this.clusters.get(address.id);
    if (!runner) {
      // BullMQ and ioredis load with the first cluster, not with the kernel (~150 ms of start-up).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { ClusterRunner } = require("../cluster/runner") as typeof import("../cluster/runner");
      runner = new ClusterRunner(
        address,
        () => loadClusterKey(this.clusterKeyFile),
        (e) => this.background.report(e),
      );
      this.clusters.set(address.id, runner);
    }
    return runner;
  }

  /** Forgets a cluster's connection (%cluster off). */
  async closeCluster(url: string): Promise<void> {
    const id = parseClusterUrl(url).id;
    const runner = this.clusters.get(id);
    this.clusters.delete(id);
    await runner?.close();
  }

  /** The local pool of this kind, created empty the first time (workers start on demand). */
  local(kind: WorkerKind = this.defaultKind): Pool {
    let pool = this.#pools.get(kind);
    if (!pool) {
      pool = new Pool({
        size: 0,
        kind,
        memoryLimitMb: this.memoryLimitMb,
        onBackgroundError: (e) => this.background.report(e),
      });
      this.#pools.set(kind, pool);
    }
    return pool;
  }

  /** The runner a plan asks for. */
  runnerFor(plan: { kind: WorkerKind; cluster?: { url: string } }): Runner {
    return plan.cluster ? this.cluster(plan.cluster.url) : this.local(plan.kind);
  }

  /** Every local pool started so far, the default kind's first. */
  pools(): Pool[] {
    return [...this.#pools.entries()]
      .sort(([a], [b]) => Number(b === this.defaultKind) - Number(a === this.defaultKind))
      .map(([, p]) => p);
  }

  /** Status of the default pool's workers, or [] when no pool has started yet. */
  status(): WorkerStatus[] {
    return this.#pools.get(this.defaultKind)?.status() ?? [];
  }

  /** A cell grew the pool beyond the default: the pool keeps that size, and so does the default. */
  grewTo(kind: WorkerKind, size: number): void {
    if (kind === this.defaultKind && size > this.defaultSize) this.defaultSize = size;
  }

  async resize(n: number, options: EnsureOptions = {}): Promise<void> {
    await this.local(this.defaultKind).resize(n, options);
    this.defaultSize = n;
  }

  /** A new heap limit for every worker: running workers restart to take it (their state is lost). */
  async setMemoryLimit(mb: number): Promise<void> {
    this.memoryLimitMb = mb;
    this.workerGlobals.clear();
    await Promise.all([...this.#pools.values()].map((p) => p.setMemoryLimit(mb)));
  }

  async setKind(kind: WorkerKind): Promise<void> {
    this.defaultKind = kind;
    this.workerGlobals.clear();
    await this.local(kind).resize(this.defaultSize);
  }

  /** Replaces every worker; their state is gone. */
  async restart(): Promise<void> {
    this.workerGlobals.clear();
    await Promise.all([...this.#pools.values()].map((p) => p.restart()));
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    const clusters = [...this.clusters.values()];
    this.#pools.clear();
    this.clusters.clear();
    await Promise.all([...pools.map((p) => p.close()), ...clusters.map((c) => c.close())]);
  }
}
