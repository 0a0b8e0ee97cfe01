/**
 * The session's cluster (%cluster URL) as the Parallel panel shows it: its `paralab worker`s from
 * their heartbeats (cluster/registry.ts). It reads them through the cluster runner's cached list,
 * so open panels cost Redis at most one read a heartbeat, whatever their period.
 */
import type { WorkerInfo } from "../cluster/registry";
import type { Runners } from "../parallel/runners";

export interface ClusterWorkerSample {
  /** host:pid */
  id: string;
  host: string;
  pid: number;
  runtimes: number;
  busy: number;
  /** null: a worker older than these fields. */
  tasksDone: number | null;
  /** The whole worker process's CPU between its last two heartbeats, % of one core (null until it has two). */
  cpuPercent: number | null;
  memoryBytes: number | null;
  /** Since its last heartbeat (the kernel's clock against the worker's). */
  heartbeatAgeMs: number;
  version: string;
}

export interface ClusterSample {
  /** The cluster's URL without its password. */
  display: string;
  queue: string;
  workers: ClusterWorkerSample[];
  /** Why the workers could not be read (the list is then the last one read, maybe empty). */
  error: string | null;
}

/** A read that takes longer leaves the sample with the list read before (the next tick has the new one). */
const READ_WAIT_MS = 300;
/** After a failed read (Redis away), the next try waits this long: the panel must not hammer a dead server. */
const RETRY_MS = 5000;

/** CPU % from the cumulative cpuMs of two heartbeats. */
export class HeartbeatCpu {
  private last = new Map<string, { heartbeatMs: number; cpuMs: number; percent: number | null }>();

  percent(w: WorkerInfo): number | null {
    if (w.cpuMs === undefined) return null;
    const before = this.last.get(w.id);
    let percent = before?.percent ?? null;
    if (before && w.heartbeatMs > before.heartbeatMs)
      percent = Math.max(0, ((w.cpuMs - before.cpuMs) / (w.heartbeatMs - before.heartbeatMs)) * 100);
    if (!before || w.heartbeatMs > before.heartbeatMs)
      this.last.set(w.id, { heartbeatMs: w.heartbeatMs, cpuMs: w.cpuMs, percent });
    return percent;
  }

  forgetAllBut(ids: Set<string>): void {
    for (const id of this.last.keys()) if (!ids.has(id)) this.last.delete(id);
  }
}

export class ClusterView {
  private readonly cpu = new HeartbeatCpu();
  private url: string | undefined;
  private workers: WorkerInfo[] = [];
  private error: string | null = null;
  private retryAtMs = 0;
  private reading: Promise<void> | undefined;

  constructor(private readonly runners: Runners) {}

  /** The session's cluster now, or null when cells run on the local pool. */
  async sample(): Promise<ClusterSample | null> {
    const url = this.runners.clusterUrl;
    if (!url) {
      this.url = undefined;
      return null;
    }
    let runner;
    try {
      runner = this.runners.cluster(url);
    } catch (e) {
      return { display: url, queue: "", workers: [], error: (e as Error).message };
    }
    if (url !== this.url) {
      this.url = url;
      this.workers = [];
      this.error = null;
      this.retryAtMs = 0;
    }
    if (Date.now() >= this.retryAtMs) {
      this.reading ??= runner.recentWorkers().then(
        (workers) => {
          if (this.url !== url) return;
          this.workers = workers;
          this.error = null;
        },
        (e: Error) => {
          if (this.url !== url) return;
          this.error = e.message;
          this.retryAtMs = Date.now() + RETRY_MS;
        },
      );
      const reading = this.reading;
      void reading.finally(() => {
        if (this.reading === reading) this.reading = undefined;
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([reading, new Promise((resolve) => (timer = setTimeout(resolve, READ_WAIT_MS)))]);
      clearTimeout(timer);
    }
    const now = Date.now();
    this.cpu.forgetAllBut(new Set(this.workers.map((w) => w.id)));
    return {
      display: runner.address.display,
      queue: runner.address.queue,
      error: this.error,
      workers: this.workers.map((w) => ({
        id: w.id,
        host: w.host,
        pid: w.pid,
        runtimes: w.slots,
        busy: w.busy,
        tasksDone: w.tasksDone ?? null,
        cpuPercent: this.cpu.percent(w),
        memoryBytes: w.memoryBytes ?? null,
        heartbeatAgeMs: Math.max(0, now - w.heartbeatMs),
        version: w.version,
      })),
    };
  }
}
