import type { ClockedWorker } from "./worker-clocks";
import type { CoreSample, WorkerSample } from "../run/records";

/** What took the cores from the run: other programs, and the wait for a core it caused. */
export interface RunContention {
  /** Average cores used by other programs (and steal) between the run's start and end. */
  otherCores: number;
  /** The workers' time ready to run but waiting for a core, all workers, ms. */
  workerWaitMs: number;
}

/** What the cores and the workers did during a run. */
export interface Utilization {
  /** Per core, from /proc/stat (resolves ~100 ms). */
  cores: CoreSample[];
  /** Per worker, from the workers' thread clocks (resolves a few ms). */
  workers: WorkerSample[];
  /** Epoch ms the first worker sample starts from (its interval ends at its tMs). */
  workersFromMs?: number;
  /** How much time before its tMs each worker sample covers. */
  workersWindowMs?: number;
  /** Absent where the clocks cannot be read (not Linux). */
  contention?: RunContention;
}

/**
 * Who watches runs from outside a cell: the monitor comm shows the running cell's progress, and
 * the kernel samples the cores and the workers' clocks while a run lasts. The kernel wires one
 * in; the parallel layer only reports to it.
 */
export interface RunObserver {
  /** `onCluster`: the run goes to a cluster's workers (the panel says where it runs). */
  started(run: { label: string; total: number; workers: () => ClockedWorker[]; onCluster?: boolean }): RunWatch;
}

export interface RunWatch {
  progress(done: number): void;
  /** What the cores and workers did from `startMs` until now, while the run lasts (its live chart). */
  sofar?(startMs: number): Omit<Utilization, "contention">;
  /** The run ended (or failed): what the cores and workers did between the two instants (epoch ms). */
  finished(startMs: number, endMs: number): Utilization;
}

/** For runs nobody watches (tests, benchmarks). */
export const UNOBSERVED: RunObserver = {
  started: () => ({ progress: () => undefined, finished: () => ({ cores: [], workers: [] }) }),
};
