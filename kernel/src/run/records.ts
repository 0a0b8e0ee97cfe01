/**
 * The JSON records carried by paralab's display bundles (docs/records.md).
 *
 * Plain data only: no classes, no functions, no node: or DOM imports, so that the
 * kernel (which writes them) and the JupyterLab extension (which reads them) share
 * this file unchanged. Every record has `version` and `kind`; a reader should
 * ignore fields it does not know and refuse a version it does not know.
 * The schema is documented in docs/records.md.
 *
 * Times: fields named `…Ms` that are instants (`startMs`, `endMs`, `tMs`) are
 * epoch milliseconds (Date.now() clock); fields that are durations (`wallMs`,
 * `cpuMs`, `durationMs`) are milliseconds.
 */

export const RUN_MIME = "application/vnd.paralab.run.v1+json";
export const SCALING_MIME = "application/vnd.paralab.scaling.v1+json";
export const MONITOR_MIME = "application/vnd.paralab.monitor.v1+json";
export const GRAPH_MIME = "application/vnd.paralab.graph.v1+json";

export type ParalabMime = typeof RUN_MIME | typeof SCALING_MIME | typeof MONITOR_MIME | typeof GRAPH_MIME;
export const PARALAB_MIMES: readonly ParalabMime[] = [RUN_MIME, SCALING_MIME, MONITOR_MIME, GRAPH_MIME];

/** One utilization sample: % busy per core over the interval that ends at `tMs`. */
export interface CoreSample {
  /** End of the sampled interval, epoch ms. */
  tMs: number;
  /** % busy per core, 0..100, index = core number (os.cpus() order). */
  cores: number[];
}

export type TaskStatus = "ok" | "error" | "cancelled";

/**
 * One task of a run: an SPMD body on one worker, or one map chunk. Timing is per chunk
 * (measuring each of 100,000 tiny items would cost more than the items).
 */
export interface TaskRecord {
  /** Worker that ran it (0..workers-1). */
  rank: number;
  /** SPMD: the rank; map: index of the first element of the chunk. */
  index: number;
  /** Map: elements in the chunk (a task is one dispatch of `count` elements); SPMD: 1. Absent means 1. */
  count?: number;
  /** Epoch ms. */
  startMs: number;
  /** Epoch ms. */
  endMs: number;
  /** CPU time the task used on its worker, ms. */
  cpuMs: number;
  /** Time its worker's thread was ready to run but waited for a core during the task, ms (absent where unknown). */
  waitMs?: number;
  status: TaskStatus;
  /** Bytes copied to the worker for this task (estimated, see transfer/bytes.ts; includes the job's variables on a worker's first task). */
  bytesIn?: number;
  /** Bytes of results copied back. */
  bytesOut?: number;
}

/** `--compare`: the same work run serially (on one worker), then in parallel. */
export interface CompareResult {
  serialMs: number;
  parallelMs: number;
  /** serialMs / parallelMs: the measured speedup. */
  speedup: number;
  /** Where the serial pass ran, e.g. "on one worker thread (w0)" (older records: in the kernel). */
  serialWhere?: string;
  /**
   * Newer records: serialMs, parallelMs and speedup are medians over `rounds` (the speedup of a
   * round is its serialMs ÷ its parallelMs, both from the same round), and these their spreads.
   */
  serialMsMin?: number;
  serialMsMax?: number;
  parallelMsMin?: number;
  parallelMsMax?: number;
  speedupMin?: number;
  speedupMax?: number;
  /** Each timed round's wall times, in the order they ran (serial, parallel, serial, parallel …). */
  rounds?: { serialMs: number; parallelMs: number }[];
  repeat?: RepeatInfo;
  /**
   * In-task CPU of the serial and the parallel pass (medians over the rounds), ms. The same work:
   * when the parallel pass needs much more, its cores slowed each other down.
   */
  inTaskCpuMs?: { serial: number; parallel: number };
}

/** How a --compare or --scaling measurement was repeated (README, Magics: how runs are measured, `--repeat N`). */
export interface RepeatInfo {
  /** Timed rounds, after the warm-up. */
  rounds: number;
  /**
   * Why that many: "repeat": --repeat N; "settled": the speedup's spread came within 10 % of its
   * median; "limit": 5 rounds (or about 15 s) with the spread still wider; "long": a pass took
   * over 3 s, so one round.
   */
  rule: "repeat" | "settled" | "limit" | "long";
  /** Wall time of the warm-up pass(es), which every worker ran before the timed passes, ms (not counted). */
  warmupMs: number;
}

/** Busy % of each worker (index = rank) over the interval that ends at `tMs`, from its thread's CPU clock. */
export interface WorkerSample {
  /** End of the interval, epoch ms. */
  tMs: number;
  workers: number[];
  /**
   * % of the interval each worker's thread was ready to run but waited for a core (schedstat's
   * run_delay): other threads, of this or other programs, held the cores. Absent when all are 0.
   */
  waiting?: number[];
}

/**
 * How disturbed a run's reading was: what other programs took from the machine, and how long the
 * workers were kept from a core while they held tasks. Summary and chart say so in words when it
 * matters (charts/disturbance.ts); a quiet run gets no note.
 */
export interface Disturbance {
  /**
   * Average cores that other programs used during the run: the machine's busy time (/proc/stat)
   * less the kernel's and its workers' own CPU, plus steal time (other VMs on a shared host).
   * Read from 10 ms ticks: meaningful over runs of a few hundred ms.
   */
  otherCores: number;
  /**
   * The workers' threads' time ready to run but waiting for a core (schedstat run_delay) while
   * they held tasks, all tasks together, ms.
   */
  waitedMs: number;
  /** The time the workers held tasks: the sum of the tasks' durations, ms. */
  inTaskMs: number;
}

/**
 * Set on a chart drawn before its run ended (SPEC §5, live charts): `running` while the run lasts
 * (sent as update_display_data and replaced by the final record), or how the run ended when it did
 * not finish (the chart then shows what finished and what was cancelled). To keep each update
 * small, a long run's adjacent tasks on a lane are folded into one TaskRecord (a strip whose
 * `count` sums their items): `tasks` says how many tasks the records stand for.
 */
export interface LiveState {
  state: "running" | "interrupted" | "failed" | "timed out";
  /** Items (map), ranks (SPMD) or graph tasks settled so far, and in all. */
  done: number;
  total: number;
  unit: "item" | "rank" | "task";
  /** Tasks ended so far, before folding (the record's tasks may be fewer: strips). */
  tasks: number;
}

/** `application/vnd.paralab.run.v1+json`: one `%%parallel` run. */
export interface RunRecord {
  version: 1;
  kind: "run";
  mode: "spmd" | "map";
  title?: string;
  workers: number;
  /** "cluster": `paralab worker`s on other processes or machines (README, Clusters). */
  workerKind: "thread" | "process" | "cluster";
  /** Lane names by rank when `w0`, `w1`… say too little (a cluster's `host:pid/w0`). */
  lanes?: string[];
  /** Cores on the machine (os.availableParallelism()). */
  cores: number;
  /** Epoch ms. */
  startMs: number;
  /** Epoch ms. */
  endMs: number;
  /** endMs - startMs. */
  wallMs: number;
  /** Total CPU time of all tasks, ms. */
  cpuMs: number;
  /**
   * cpuMs / wallMs: how many workers were busy on average (parallelism). Not a speedup: a worker
   * spinning on a lock counts as busy.
   */
  busyWorkers?: number;
  /** Older records only: the serial time compared with. Use compare.serialMs. */
  serialCpuMs?: number;
  /** Measured speedup (T_serial / T_parallel); present only when a serial time was measured (--compare). */
  speedup?: number;
  /** speedup / workers, 0..1; only with speedup. */
  efficiency?: number;
  /** Map: number of elements mapped (tasks are chunks of them). */
  items?: number;
  /** Bytes copied to the workers (structured clone), and back. */
  bytesIn: number;
  bytesOut: number;
  tasks: TaskRecord[];
  /** Per-core utilization during the run (tMs between startMs and endMs), from /proc/stat. */
  samples: CoreSample[];
  /**
   * Per-worker utilization from the workers' thread clocks, a point every few ms from the start of
   * the run to its end, each the busy % over the workerWindowMs before it (clocks of running
   * threads move in scheduler ticks): the chart for runs shorter than per-core counters resolve.
   */
  workerSamples?: WorkerSample[];
  /** How much time before its tMs each of workerSamples covers (less at the start of the run). */
  workerWindowMs?: number;
  /** Epoch ms the first of workerSamples covers from (at or before startMs). */
  workerSamplesFromMs?: number;
  compare?: CompareResult;
  /** Absent for cluster runs (the kernel sees only its own machine) and in older records. */
  disturbance?: Disturbance;
  /** Present only on a chart of a run that has not finished (see LiveState). */
  live?: LiveState;
}

/** One measured point of a `--scaling` run. */
export interface ScalingPoint {
  workers: number;
  wallMs: number;
  /** Baseline wall time / wallMs (baseline: the 1-worker run, or the serial run). */
  speedup: number;
  /** With --repeat: the lowest and highest speedup measured at this worker count (the fit uses them). */
  speedupMin?: number;
  speedupMax?: number;
  /** With rounds: wallMs is their median, these its spread, and `rounds` each round's wall time in order. */
  wallMsMin?: number;
  wallMsMax?: number;
  rounds?: number[];
  /** Map mode: the items this point's passes ran (with --weak they grow with the workers). */
  items?: number;
  /** In-task CPU of this size's passes (median over the rounds), ms. */
  inTaskCpuMs?: number;
}

/** How well the Amdahl fit is determined by the points it was fitted on. */
export interface AmdahlFit {
  /** Points used: those with workers ≤ cores (oversubscribed points measure turn-taking, not the law). */
  points: number;
  /**
   * "exact": two points fix the one parameter exactly (an estimate, not a test of the law);
   * "fitted": three or more points within the cores (a least-squares fit; limit 1/s is claimed);
   * "none": fewer than two usable points;
   * "slowdown": the best speedup with 2 or more workers is below 1: overhead dominates, Amdahl's
   * law does not describe it, and the record has no serialFraction and an empty amdahl curve.
   */
  quality: "none" | "exact" | "fitted" | "slowdown";
  /** 1 / serialFraction, only when quality is "fitted" and s > 0. */
  limit?: number;
  /** "slowdown" only: the best speedup with 2 or more workers (below 1). */
  bestSpeedup?: number;
  /** "exact" and "fitted": root mean square of (speedup − Amdahl's speedup) over the fitted points, in x. */
  rmsError?: number;
  /**
   * When points carry spreads (speedupMin/speedupMax): the serial fractions whose curve passes
   * within every spread; null when none does (the law does not describe the points).
   */
  serialFractionRange?: { min: number; max: number } | null;
}

/** `application/vnd.paralab.scaling.v1+json`: `%%parallel --scaling 1,2,4`. */
/**
 * Gustafson's law fitted to weak scaling's scaled speedups: with a serial fraction s of the time on
 * N workers, N workers do N − s(N − 1) times one worker's work in the same time, S(N) = s + (1 − s)·N.
 */
export interface GustafsonFit {
  /** Points used: those with workers ≤ cores (as AmdahlFit.points). */
  points: number;
  /** As AmdahlFit.quality: "exact" from 2 points (an estimate), "fitted" from 3 or more within the cores. */
  quality: "none" | "exact" | "fitted" | "slowdown";
  /** The least-squares s in [0, 1]; absent for "none" and "slowdown". */
  serialFraction?: number;
  /** "exact" and "fitted": root mean square of (scaled speedup − Gustafson's), in x. */
  rmsError?: number;
  /** With spreads: the s whose line passes within every point's spread; null when none does. */
  serialFractionRange?: { min: number; max: number } | null;
  /** "slowdown" only: the best scaled speedup with 2 or more workers (below 1). */
  bestSpeedup?: number;
  /** The fitted line s + (1 − s)·N, for drawing; empty for "none" and "slowdown". */
  curve: { workers: number; speedup: number }[];
}

export interface ScalingRecord {
  version: 1;
  kind: "scaling";
  /**
   * Weak scaling (--weak): the work grows with the workers; each point's speedup is the scaled
   * speedup N × T(1) ÷ T(N), fitted by `gustafson` (no Amdahl fit: `fit` and `serialFraction` are
   * absent, `amdahl` empty). Absent in strong scaling and older records.
   */
  weak?: boolean;
  gustafson?: GustafsonFit;
  /** Absent in older records (then readers treat the fit as an estimate and claim no limit). */
  fit?: AmdahlFit;
  title?: string;
  points: ScalingPoint[];
  /** Amdahl's law serial fraction s fitted to the points, 0..1; absent when fit.quality is "slowdown". */
  serialFraction?: number;
  /** The fitted curve speedup(n) = 1 / (s + (1 - s) / n), for drawing. */
  amdahl: { workers: number; speedup: number }[];
  /** Cores on the machine. */
  cores: number;
  /** Newer records: how the passes were repeated (each point's wallMs and speedup are then medians). */
  repeat?: RepeatInfo;
  /** Every timed pass's disturbance together (see RunRecord.disturbance); absent for clusters and older records. */
  disturbance?: Disturbance;
}

/** `application/vnd.paralab.monitor.v1+json`: `%monitor`, updated in place. */
export interface MonitorRecord {
  version: 1;
  kind: "monitor";
  title?: string;
  cores: number;
  /** Epoch ms when monitoring began (default: the first sample's tMs). */
  startMs?: number;
  samples: CoreSample[];
  /** How long the monitor runs (or ran), ms. */
  durationMs: number;
  /** false while the monitor is still sampling. */
  done: boolean;
}

/**
 * A node of a task graph as the chart shows it. `pending`: not run yet (visualize before
 * compute); `kept`: its result was already there from an earlier compute, so it did not run.
 */
export type GraphNodeStatus = "ok" | "error" | "skipped" | "cancelled" | "kept" | "pending";

export interface GraphNodeRecord {
  /** Unique in the kernel, e.g. "load#3": the function's name and a counter. */
  id: string;
  /** The function's name. */
  label: string;
  /** Ids of the nodes it reads (its inputs), each once. */
  deps: string[];
  /** Longest path from a source, in nodes (sources are 0): the layout's column. */
  depth: number;
  status: GraphNodeStatus;
  /** Worker that ran it (or holds its kept result). */
  rank?: number;
  /** Epoch ms of the function's start and end on its worker (waiting for inputs excluded). */
  startMs?: number;
  endMs?: number;
  /** endMs - startMs: the task's share of the work T1. */
  durationMs?: number;
  cpuMs?: number;
  /** Time spent waiting for inputs from other workers before the function started, ms. */
  waitMs?: number;
  /** Estimated size of its result (see transfer/bytes.ts). */
  resultBytes?: number;
  /** On the critical path (the longest path, which is T∞). */
  critical?: boolean;
  /** Its value was returned to the kernel (it was given to compute). */
  output?: boolean;
  /** 1-based cell line of the `delayed(...)` call that made its function. */
  cellLine?: number;
}

/**
 * How an input reached the task that read it: `local` (it was made on the same worker: no copy),
 * `port` (thread to thread over a MessagePort, not through the kernel), `relay` (process to
 * process, relayed by the kernel process: child processes have no channel of their own),
 * `kernel` (the value was in the kernel, from an earlier compute, and was sent with the task).
 */
export type GraphEdgePath = "local" | "port" | "relay" | "redis" | "kernel";

export interface GraphEdgeRecord {
  from: string;
  to: string;
  /** Bytes copied along this edge (0 for local). */
  bytes: number;
  /** Absent before the graph has run. */
  path?: GraphEdgePath;
}

/** Work and span (section 3.3.1): the unit is ms once run, tasks (each counted as 1) before. */
export interface WorkSpan {
  /** ms: measured; tasks: before running, each task counted as 1; cost: before running, each task counted as its delayed(fn, { cost }) (1 where none was given). */
  unit: "ms" | "tasks" | "cost";
  /** T1: the sum of the task times (or the number of tasks, or their expected costs). */
  work: number;
  /** T∞: the length of the longest path (the critical path). */
  span: number;
  /** work / span: the most workers that can be kept busy on average. */
  parallelism: number;
  /** The node ids along the critical path, source first. */
  criticalPath: string[];
}

/** `application/vnd.paralab.graph.v1+json`: a task graph, drawn before (`ran: false`) or after compute. */
export interface GraphRecord {
  version: 1;
  kind: "graph";
  title?: string;
  ran: boolean;
  workers: number;
  workerKind: string;
  cores: number;
  /** Epoch ms (ran only). */
  startMs?: number;
  endMs?: number;
  /** Wall time of the compute, from the first dispatch to the last result, ms (ran only). */
  wallMs?: number;
  /** Nodes in topological order; at most a few thousand (see nodesOmitted). */
  nodes: GraphNodeRecord[];
  edges: GraphEdgeRecord[];
  /** Nodes left out of `nodes` (and their edges) to keep the record small; the figures count them. */
  nodesOmitted?: number;
  /** Counts by status over the whole graph. */
  counts: Partial<Record<GraphNodeStatus, number>>;
  workSpan: WorkSpan;
  /** Bytes copied from the kernel to the workers (variables, arguments) and back (the results compute returns). */
  bytesIn: number;
  bytesOut: number;
  /**
   * Bytes that went worker to worker by path: port, relay (also through the kernel process), and
   * on a cluster redis (written once by the task that made them, read by each task that used them).
   */
  bytesMoved: { port: number; relay: number; redis?: number };
  /** Names of the timeline's lanes by rank (a cluster's runtimes, host:pid/w0); absent: w0, w1, … */
  lanes?: string[];
  /** How disturbed the run's times were, as for a run (RunRecord.disturbance); absent before running and on a cluster. */
  disturbance?: Disturbance;
  /** Present only on a chart of a compute that has not finished (see LiveState). */
  live?: LiveState;
}

export type ParalabRecord = RunRecord | ScalingRecord | MonitorRecord | GraphRecord;

/** The record kind a MIME type carries, or undefined if it is not a paralab type. */
export function kindOfMime(mime: string): ParalabRecord["kind"] | undefined {
  switch (mime) {
    case RUN_MIME:
      return "run";
    case SCALING_MIME:
      return "scaling";
    case MONITOR_MIME:
      return "monitor";
    case GRAPH_MIME:
      return "graph";
    default:
      return undefined;
  }
}

/** The MIME type for a record. */
export function mimeOfRecord(record: ParalabRecord): ParalabMime {
  switch (record.kind) {
    case "run":
      return RUN_MIME;
    case "scaling":
      return SCALING_MIME;
    case "monitor":
      return MONITOR_MIME;
    case "graph":
      return GRAPH_MIME;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Checks that `data` looks like the record `mime` carries (version, kind and the
 * arrays the charts iterate). Returns a reason when it does not, undefined when it does.
 */
export function checkRecord(mime: string, data: unknown): string | undefined {
  const kind = kindOfMime(mime);
  if (kind === undefined) return `unknown MIME type ${mime}`;
  if (!isObject(data)) return `${mime}: expected an object`;
  if (data.version !== 1) return `${mime}: unsupported version ${String(data.version)}`;
  if (data.kind !== kind) return `${mime}: expected kind "${kind}", got ${JSON.stringify(data.kind)}`;
  const arrays: Record<ParalabRecord["kind"], string[]> = {
    run: ["tasks", "samples"],
    scaling: ["points", "amdahl"],
    monitor: ["samples"],
    graph: ["nodes", "edges"],
  };
  for (const field of arrays[kind]) {
    if (!Array.isArray(data[field])) return `${mime}: field ${field} must be an array`;
  }
  return undefined;
}
