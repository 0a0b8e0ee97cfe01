import type { Sampler } from "../monitor/sampler";
import type { RunObserver, RunWatch } from "../parallel/observer";
import type { CoreSample } from "../run/records";

/** The run in progress, as the Parallel panel shows it. */
export interface RunningCell {
  label: string;
  done: number;
  total: number;
  startedMs: number;
}

/**
 * The kernel's view of runs: the sampler reads the cores fast while one lasts, and the monitor
 * comm reads `running` (null between runs, so a finished run never lingers in the panel).
 */
export class KernelRunObserver implements RunObserver {
  running: RunningCell | null = null;

  constructor(private readonly sampler: Sampler) {}

  started(run: { label: string; total: number }): RunWatch {
    const entry: RunningCell = { ...run, done: 0, startedMs: Date.now() };
    this.running = entry;
    this.sampler.busy(true);
    return {
      progress: (done) => {
        entry.done = done;
      },
      finished: (startMs, endMs): CoreSample[] => {
        this.sampler.sampleNow();
        this.sampler.busy(false);
        if (this.running === entry) this.running = null;
        return this.sampler.samplesBetween(startMs, endMs + 1);
      },
    };
  }
}
