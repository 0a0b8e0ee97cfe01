import { otherProgramsCores, readCpuLedger } from "../monitor/disturbance";
import type { Sampler } from "../monitor/sampler";
import { ClockedWorker, WINDOW_MS, WorkerClockSampler } from "../monitor/worker-clocks";
import type { RunObserver, RunWatch, Utilization } from "../monitor/observer";

/** The run in progress, as the Parallel panel shows it. */
export interface RunningCell {
  label: string;
  done: number;
  total: number;
  startedMs: number;
  /** Where it runs: the local pool, or the session's or a named cluster. */
  where: "pool" | "cluster";
}

/**
 * The kernel's view of runs: while one lasts, the sampler reads the cores fast and the workers'
 * thread clocks are read every few ms; the monitor comm reads `running` (null between runs, so a
 * finished run never lingers in the panel).
 */
export class KernelRunObserver implements RunObserver {
  running: RunningCell | null = null;

  constructor(private readonly sampler: Sampler) {}

  started(run: { label: string; total: number; workers: () => ClockedWorker[]; onCluster?: boolean }): RunWatch {
    const entry: RunningCell = {
      label: run.label,
      total: run.total,
      done: 0,
      startedMs: Date.now(),
      where: run.onCluster ? "cluster" : "pool",
    };
    this.running = entry;
    this.sampler.busy(true);
    this.sampler.sampleNow();
    const processPids = () =>
      run
        .workers()
        .filter((w) => w.kind === "process")
        .map((w) => w.pid);
    const ledgerBefore = readCpuLedger(processPids());
    const clocks = new WorkerClockSampler(run.workers).start();
    return {
      progress: (done) => {
        entry.done = done;
      },
      sofar: (startMs) => ({
        cores: this.sampler.samplesBetween(startMs, Date.now() + 1),
        workers: clocks.samples(),
        workersFromMs: clocks.startedMs,
        workersWindowMs: WINDOW_MS,
      }),
      finished: (startMs, endMs): Utilization => {
        const workers = clocks.stop();
        const ledgerAfter = readCpuLedger(processPids());
        this.sampler.sampleNow();
        this.sampler.busy(false);
        if (this.running === entry) this.running = null;
        return {
          cores: this.sampler.samplesBetween(startMs, endMs + 1),
          workers,
          workersFromMs: clocks.startedMs,
          workersWindowMs: WINDOW_MS,
          contention:
            ledgerBefore && ledgerAfter
              ? { otherCores: otherProgramsCores(ledgerBefore, ledgerAfter), workerWaitMs: clocks.totals.waitMs }
              : undefined,
        };
      },
    };
  }
}
