import { LiveChart } from "../charts/live-chart";
import type { MimeBundle, OutputSink } from "../output";
import type { JobResult } from "../run/jobs";
import type { TaskRecord } from "../run/records";

/**
 * What `%%parallel --no-block --out job` puts in `job`: `job.done`, `job.progress`,
 * `await job` (the results), `job.cancel()`, `job.timings` (per task, once done).
 *
 * The run's report (summary and chart) goes to the cell that started it if that cell is still
 * running when the run ends, else to the cell that awaits the handle: output sent to a finished
 * cell is dropped by frontends.
 */
/** A --no-block run's chart so far (set by dispatch once the run starts; absent with --quiet). */
export interface LiveSource {
  partial?: () => MimeBundle;
}

export class ParallelHandle<T = unknown> implements PromiseLike<T[]> {
  done = false;
  /** Tasks done so far (live while the run goes on) and in all. */
  readonly progress: { done: number; total: number };
  /** Per-task timings, set when the run has finished. */
  timings: TaskRecord[] | undefined;
  /** The error the run ended with, if it failed. */
  error: Error | undefined;
  private readonly promise: Promise<T[]>;
  /** The live chart a cell awaiting the run draws (see then()). */
  private liveChart: LiveChart | undefined;
  private heldReport: ((sink: OutputSink) => Promise<void>) | undefined;
  /** The sink of the cell that last awaited this handle, while it may still be waiting. */
  private awaitedFrom: OutputSink | undefined;

  constructor(
    run: Promise<JobResult>,
    progress: { done: number; total: number },
    private readonly abort: AbortController,
    private readonly outputNow: () => OutputSink | undefined,
    private readonly live: LiveSource = {},
  ) {
    this.progress = progress;
    this.promise = run.then(
      (result) => {
        this.done = true;
        this.liveChart?.hold();
        this.timings = result.tasks;
        this.progress.done = this.progress.total;
        return result.values as T[];
      },
      (e: Error) => {
        this.done = true;
        this.liveChart?.hold();
        this.error = e;
        throw e;
      },
    );
    // The error stays available through `await`; it must not crash the kernel if nobody awaits.
    this.promise.catch(() => undefined);
  }

  then<A = T[], B = never>(
    onfulfilled?: ((value: T[]) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    const sink = this.outputNow();
    if (sink && this.heldReport) {
      const show = this.heldReport;
      this.heldReport = undefined;
      return show(sink).then(() => this.promise.then(onfulfilled, onrejected));
    }
    this.awaitedFrom = sink;
    // The cell that waits for the run draws its chart live meanwhile (frontends keep output of a
    // running cell only); the report's final chart replaces it.
    if (sink && !this.done && this.live.partial && !this.liveChart)
      this.liveChart = new LiveChart(sink, this.live.partial, { showAfterMs: 0 });
    return this.promise.then(onfulfilled, onrejected);
  }

  /**
   * The run has its report: shown now in `started` (the starting cell, if it still runs) or in a
   * cell awaiting the handle, else held for the next cell that awaits it.
   */
  report(started: OutputSink, show: (sink: OutputSink) => Promise<void>): Promise<void> {
    const now = this.outputNow();
    const target = now && (now === started || now === this.awaitedFrom) ? now : undefined;
    if (target) return show(target);
    this.heldReport = show;
    return Promise.resolve();
  }

  /** The live chart an awaiting cell drew, for the report to replace (once). */
  takeLiveChart(): LiveChart | undefined {
    const chart = this.liveChart;
    this.liveChart = undefined;
    return chart;
  }

  /** Stops the run: queued tasks are dropped, busy workers replaced; `await` then rejects. */
  cancel(): void {
    this.abort.abort(new Error("cancelled with cancel()"));
  }

  /** For consoles: `job` alone shows its state. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const state = this.error ? `failed: ${this.error.message}` : this.done ? "done" : "running";
    return `ParallelHandle { ${state}, progress: ${this.progress.done}/${this.progress.total} }`;
  }
}
