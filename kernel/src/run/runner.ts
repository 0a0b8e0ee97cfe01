import type { GraphHooks, GraphJob, GraphResult, GraphScheduler } from "./graphs";
import type { JobHooks, JobResult, MapJob, SpmdJob, WorkerStatus } from "./jobs";

/**
 * Where planned work runs: the local pool (threads or processes) today, a cluster beside it.
 * parallel/ dispatches to this interface and never to a concrete runner, so that a new runner
 * plugs in without touching the planner, the reports or the magics.
 */
export interface Runner {
  /** Words for messages and chart titles, e.g. "thread" or "process". */
  readonly kind: string;
  /** Workers ready now. */
  readonly size: number;
  /**
   * Makes at least `workers` workers ready (start-up is not charged to a run). Resolves to how
   * many were started, so that the caller can say so.
   */
  ensureWorkers(
    workers: number,
    signal?: AbortSignal,
    options?: EnsureOptions,
  ): Promise<{ started: number; ms: number }>;
  runMap(job: MapJob, hooks?: JobHooks): Promise<JobResult>;
  runSpmd(job: SpmdJob, hooks?: JobHooks): Promise<JobResult>;
  status(): WorkerStatus[];
  /**
   * Runs a task graph (README, Magics: task graphs), asking `scheduler` what to run where. Resolves also when
   * tasks failed (see GraphResult) and when the run was aborted (`aborted`), so that kept results
   * are known.
   */
  runGraph(job: GraphJob, scheduler: GraphScheduler, hooks?: GraphHooks): Promise<GraphResult>;
}

export interface EnsureOptions {
  /**
   * Refuse (PoolMemoryError), before starting them, workers that will not fit in the memory
   * available; the words name the caller and how to ask anyway.
   */
  memoryCheck?: { caller: string; override: string };
}
