import { lastCore } from "../monitor/last-core";
import { coreUtilization, snapshotCpus } from "../monitor/cpu";
import type { Runners } from "../parallel/runners";
import { CommManager } from "../protocol/comms";
import type { WorkerStatus } from "../run/jobs";
import { ClusterView, type ClusterSample } from "./cluster-view";
import type { KernelRunObserver, RunningCell } from "./run-observer";

/** Comm target of the Parallel side panel (README, Using it from JupyterLab); messages are documented in docs/monitor-comm.md. */
export const MONITOR_TARGET = "paralab.monitor";
const DEFAULT_PERIOD_MS = 1000;
const MIN_PERIOD_MS = 100;
/** CPU times tick every 10 ms; a first interval shorter than this reads as noise. */
const FIRST_SAMPLE_MS = 150;

export interface MonitorSample {
  type: "sample";
  tMs: number;
  cores: number[];
  kernel: { memoryBytes: number; cpuPercent: number };
  workers: {
    rank: number;
    kind: "thread" | "process";
    state: WorkerStatus["state"];
    tasksDone: number;
    cpuPercent: number;
    memoryBytes: number;
    /** The core the worker last ran on (Linux), or null. */
    core: number | null;
  }[];
  run: RunningCell | null;
  /** The session's cluster (%cluster URL) and its workers, or null when cells run on the local pool. */
  cluster: ClusterSample | null;
}

export type { ClusterSample, ClusterWorkerSample } from "./cluster-view";

/**
 * Streams samples to whoever opens a `paralab.monitor` comm, at the period it asks for, until it
 * closes the comm; `{type: "restart-workers"}` restarts the pool.
 */
export function registerMonitorTarget(
  comms: CommManager,
  kernel: { runners: Runners; observer: KernelRunObserver },
): void {
  const { runners: session, observer } = kernel;
  // One for all panels: they share the cluster runner's cached worker list.
  const clusterView = new ClusterView(session);
  comms.registerTarget(MONITOR_TARGET, (comm, data) => {
    let periodMs = clampPeriod(data.periodMs);
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const meter = new CpuMeter();
    const tick = async () => {
      const cluster = await clusterView.sample().catch((e: Error) => ({
        display: session.clusterUrl ?? "",
        queue: "",
        workers: [],
        error: e.message,
      }));
      if (closed) return;
      comm.send({ ...sampleNow(session, observer, meter), cluster } as unknown as Record<string, unknown>);
      timer = setTimeout(() => void tick(), periodMs);
      timer.unref();
    };
    // The meter's first reading is now, so the first message (a moment later) has every core.
    timer = setTimeout(() => void tick(), Math.min(periodMs, FIRST_SAMPLE_MS));
    timer.unref();
    comm.onMessage((msg) => {
      if (msg.type === "set-period") {
        periodMs = clampPeriod(msg.periodMs);
      } else if (msg.type === "restart-workers") {
        void session.restart().then(
          () => comm.send({ type: "restarted", workers: session.defaultSize }),
          (e: Error) => comm.send({ type: "error", message: e.message }),
        );
      }
    });
    comm.onClose(() => {
      closed = true;
      clearTimeout(timer);
    });
  });
}

function clampPeriod(value: unknown): number {
  const ms = typeof value === "number" && Number.isFinite(value) ? value : DEFAULT_PERIOD_MS;
  return Math.max(ms, MIN_PERIOD_MS);
}

/**
 * CPU % of each core, of the kernel process and of each worker over the same window: the time
 * since the previous message. (Cores from the sampler's own, shorter interval beside workers over
 * the panel's period made busy cores sit next to idle-looking workers.)
 */
class CpuMeter {
  private lastMs = performance.now();
  private lastCpus = snapshotCpus();
  private lastKernel = process.cpuUsage();
  private lastWorkers = new Map<string, number>();

  measure(statuses: WorkerStatus[]): { cores: number[]; kernel: number; workers: Map<number, number> } {
    const cpus = snapshotCpus();
    const cores = coreUtilization(this.lastCpus, cpus);
    this.lastCpus = cpus;
    const now = performance.now();
    const elapsed = Math.max(now - this.lastMs, 1);
    const usage = process.cpuUsage(this.lastKernel);
    this.lastKernel = process.cpuUsage();
    this.lastMs = now;
    const workers = new Map<number, number>();
    const seen = new Map<string, number>();
    for (const w of statuses) {
      const key = `${w.kind}:${w.rank}:${w.pid}:${w.osThreadId ?? ""}`;
      const before = this.lastWorkers.get(key);
      workers.set(w.rank, before === undefined ? 0 : Math.max(0, ((w.cpuTimeMs - before) / elapsed) * 100));
      seen.set(key, w.cpuTimeMs);
    }
    this.lastWorkers = seen;
    return { cores, kernel: ((usage.user + usage.system) / 1000 / elapsed) * 100, workers };
  }
}

function sampleNow(session: Runners, observer: KernelRunObserver, meter: CpuMeter): Omit<MonitorSample, "cluster"> {
  const statuses = session.status();
  const cpu = meter.measure(statuses);
  return {
    type: "sample",
    tMs: Date.now(),
    cores: cpu.cores,
    kernel: { memoryBytes: process.memoryUsage().rss, cpuPercent: cpu.kernel },
    workers: statuses.map((w) => ({
      rank: w.rank,
      kind: w.kind,
      state: w.state,
      tasksDone: w.tasksDone,
      cpuPercent: cpu.workers.get(w.rank) ?? 0,
      memoryBytes: w.memoryBytes,
      core: lastCore(w) ?? null,
    })),
    run: observer.running ? { ...observer.running } : null,
  };
}
