import type { CoreSample } from "../run/records";

/**
 * Who watches runs from outside a cell: the monitor comm shows the running cell's progress, and
 * the sampler reads the cores faster while a run lasts. The kernel wires one in; the parallel
 * layer only reports to it.
 */
export interface RunObserver {
  started(run: { label: string; total: number }): RunWatch;
}

export interface RunWatch {
  progress(done: number): void;
  /** The run ended (or failed); returns per-core utilization between the two instants (epoch ms). */
  finished(startMs: number, endMs: number): CoreSample[];
}

/** For runs nobody watches (tests, benchmarks). */
export const UNOBSERVED: RunObserver = {
  started: () => ({ progress: () => undefined, finished: () => [] }),
};
