/**
 * Task graphs (README, Magics: task graphs) as a Runner takes them: the contract between graph/ (which builds the
 * job and owns every scheduling decision, through GraphScheduler) and a runner that offers
 * `runGraph` (pool/ today; a cluster runner may add it). The runner only moves tasks and data.
 */
import type { GraphEdgePath, GraphRecord } from "./records";
import type { JobCode, JobHooks } from "./jobs";
import type { RemoteError } from "./messages";

/** Where a node's value goes inside a task's arguments: args[path[0]][path[1]]... */
export interface ArgRef {
  path: (string | number)[];
  id: string;
}

/** A result left on a worker by an earlier run. */
export interface KeptResult {
  /** The worker's key: stable for the life of one worker, never reused (a replaced worker has a new key). */
  worker: number;
  bytes: number;
}

/** A result on a worker of this run. */
export interface HeldResult {
  rank: number;
  bytes: number;
}

export interface GraphTaskSpec {
  /** The node's id, unique in the kernel, e.g. "load#3". */
  id: string;
  /** Index into GraphJob.codes: the node's function. */
  code: number;
  /** The call's arguments, with null where an input node's value goes (see refs). */
  args: unknown[];
  refs: ArgRef[];
  /** Distinct ids of the input nodes (those in refs), in first-use order. */
  deps: string[];
}

export interface GraphJob {
  /** One per distinct function: `(__ctx) => fn(...__ctx.args)` with its kernel variables bound from __ctx.vars. */
  codes: JobCode[];
  /** Every node the outputs need that the kernel does not have, inputs first. */
  tasks: GraphTaskSpec[];
  /** Kernel variables the functions use, sent once to each worker that runs a task. */
  vars: Record<string, unknown>;
  workers: number;
  /** Node ids whose values come back to the kernel. */
  outputs: string[];
  /** Results an earlier run left on workers: node id → where (see GraphResult.kept). */
  kept: Record<string, KeptResult>;
}

/** One input of an assigned task: already on the worker, or to be copied from another worker. */
export interface InputSource {
  id: string;
  /** The rank that holds it, or undefined when it is already on the assigned worker. */
  from?: number;
}

export interface Assignment {
  id: string;
  rank: number;
  inputs: InputSource[];
  /** The worker keeps the result (a later task reads it); otherwise it is dropped once sent. */
  keep: boolean;
}

/** Results a worker may drop: every task that reads them has finished. */
export interface Release {
  rank: number;
  ids: string[];
}

/**
 * The decisions of a graph run, made by graph/ (graph/scheduler.ts) and driven by the runner: the
 * runner reports what happened, the scheduler says what to do next. Pure bookkeeping, no I/O, so
 * that every decision is unit-tested and every runner schedules alike.
 */
export interface GraphScheduler {
  /**
   * Starts the run, given which kept results are still on live workers (id → rank). Returns the
   * outputs whose values are already on a worker and only need to come back (id → rank).
   */
  start(kept: ReadonlyMap<string, HeldResult>): Map<string, number>;
  /**
   * Tasks for the given idle ranks, best first: usually one each, several (a batch, run in order)
   * when tasks are tiny and many are ready, or when tiny tasks form a chain. A task in a batch may
   * read one that comes before it in the same batch (from the worker's store, as a local input).
   */
  assign(idle: readonly number[]): Assignment[];
  /**
   * A task finished; `resultBytes` is the size of its result, `durationMs` its time (batch sizes
   * follow it). Returns the results workers may drop.
   */
  succeeded(id: string, rank: number, resultBytes: number, durationMs?: number): Release[];
  /** A task failed: the tasks that depend on it will be skipped. */
  failed(id: string): void;
  /** A worker is gone (with the results it held); tasks that needed them are skipped. */
  lost(rank: number): void;
  /** Interrupt or timeout: running tasks are cancelled, the rest will not run. */
  abort(): void;
  /** Nothing runs and nothing more can run. */
  readonly finished: boolean;
  /** How many tasks this run needs to run (known after start). */
  readonly total: number;
  /** Results still on workers, for the next run. */
  holdings(): Map<string, HeldResult>;
  /** The size of a result this run knows of (made now, or kept from before). */
  bytesOf(id: string): number | undefined;
}

/** One task as it ran (or was cancelled) on a worker. */
export interface GraphTaskRun {
  id: string;
  rank: number;
  /** Epoch ms: the function's start and end (for a cancelled or lost task: dispatch and abort). */
  startMs: number;
  endMs: number;
  cpuMs: number;
  /** Waiting for inputs from other workers before the function started, ms. */
  waitMs: number;
  status: "ok" | "error" | "cancelled";
  resultBytes?: number;
  /** Why it failed (a task error from the worker, or the worker's exit). */
  error?: RemoteError | Error;
}

/** One input as it reached its task. */
export interface GraphEdgeRun {
  from: string;
  to: string;
  bytes: number;
  path: GraphEdgePath;
}

export interface GraphResult {
  /** The outputs' values, for those that were computed (or fetched back). */
  values: Map<string, unknown>;
  runs: GraphTaskRun[];
  edges: GraphEdgeRun[];
  /** Results left on workers for a later run. */
  kept: Record<string, KeptResult>;
  /** Epoch ms of the first dispatch and of the last result. */
  startMs: number;
  endMs: number;
  /** Bytes copied from the kernel to the workers (variables, arguments) and back (outputs). */
  bytesIn: number;
  bytesOut: number;
  /** Bytes copied worker to worker, by path (see GraphRecord.bytesMoved). */
  bytesMoved: GraphRecord["bytesMoved"];
  workers: number;
  /** Names of the runtimes by the runs' ranks, where w0, w1, … says too little (a cluster's host:pid/w0). */
  lanes?: string[];
  /** Set when the run was stopped (interrupt, timeout): running tasks were cancelled, the rest not run. */
  aborted?: Error;
}

export type GraphHooks = Pick<JobHooks, "onStream" | "onProgress" | "signal"> & {
  /** A task ran, failed or was cancelled (the live graph chart). */
  onRun?(run: GraphTaskRun): void;
};
