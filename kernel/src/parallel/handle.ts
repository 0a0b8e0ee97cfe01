import type { JobResult } from "../run/jobs";
import type { TaskRecord } from "../run/records";

/**
 * What `%%parallel --no-block --out job` puts in `job`: `job.done`, `job.progress`,
 * `await job` (the results), `job.cancel()`, `job.timings` (per task, once done).
 */
export class ParallelHandle<T = unknown> implements PromiseLike<T[]> {
  done = false;
  /** Tasks done so far (live while the run goes on) and in all. */
  readonly progress: { done: number; total: number };
  /** Per-task timings, set when the run has finished. */
  timings: TaskRecord[] | undefined;
  /** The error the run ended with, if it failed. */
  error: Error | undefined;
  private readonly promise: Promise<T[]>;

  constructor(
    run: Promise<JobResult>,
    progress: { done: number; total: number },
    private readonly abort: AbortController,
  ) {
    this.progress = progress;
    this.promise = run.then(
      (result) => {
        this.done = true;
        this.timings = result.tasks;
        this.progress.done = this.progress.total;
        return result.values as T[];
      },
      (e: Error) => {
        this.done = true;
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
    return this.promise.then(onfulfilled, onrejected);
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
