/**
 * What a task-graph run adds up, whichever transport ran its tasks (the pool moves inputs worker
 * to worker, a cluster through Redis): one run record per task, the outputs' values, the edges,
 * bytes and progress, and the scheduler told what succeeded or failed. The graph counterpart of
 * MapTally, so the same graph gives the same record on either.
 */
import { endedRun, reportedRun } from "./graph-runs";
import type { GraphEdgeRun, GraphHooks, GraphResult, GraphScheduler, GraphTaskRun, Release } from "./graphs";
import { epochMs } from "./clock";
import type { GraphItemOutcome, RemoteError } from "./messages";

export class GraphTally {
  private readonly values = new Map<string, unknown>();
  private readonly runs: GraphTaskRun[] = [];
  private readonly edges: GraphEdgeRun[] = [];
  private bytesIn = 0;
  private bytesOut = 0;
  private startMs = epochMs();
  /** Tasks settled (reported, lost or not sent), of scheduler.total. */
  done = 0;

  constructor(
    private readonly scheduler: GraphScheduler,
    private readonly outputs: ReadonlySet<string>,
    private readonly hooks: GraphHooks,
  ) {}

  /** The run's clock starts when its first tasks go out (after the transport's set-up). */
  started(): void {
    this.startMs = epochMs();
  }

  /** A batch left the kernel: its arguments (and variables) and the inputs it reads. */
  sent(bytesIn: number, edges: readonly GraphEdgeRun[]): void {
    this.bytesIn += bytesIn;
    this.edges.push(...edges);
  }

  /** Bytes sent once for the whole run (a cluster's variables and code, stored once). */
  sentShared(bytes: number): void {
    this.bytesIn += bytes;
  }

  /**
   * A runtime reported a task. Returns the results that no task needs any more (the transport
   * drops them where they are). `storedBytes`: the result's size where the transport keeps it.
   */
  reported(o: GraphItemOutcome, lane: number, rank: number, storedBytes = o.resultBytes): Release[] {
    this.ran(reportedRun(o, lane));
    if (o.error) {
      this.scheduler.failed(o.nodeId);
      return [];
    }
    if (this.outputs.has(o.nodeId)) this.valueBack(o.nodeId, o.value, o.resultBytes);
    return this.scheduler.succeeded(o.nodeId, rank, storedBytes, o.endMs - o.startMs);
  }

  /** A task failed without a report (its worker died, its arguments could not be sent): its dependents are skipped. */
  failed(id: string, lane: number, sinceMs: number, error: RemoteError | Error): void {
    this.ran(endedRun(id, lane, sinceMs, error));
    this.scheduler.failed(id);
  }

  /** A task an interrupt ended. */
  cancelled(id: string, lane: number, sinceMs: number): void {
    this.ran(endedRun(id, lane, sinceMs));
  }

  /** An output's value reached the kernel. */
  valueBack(id: string, value: unknown, bytes: number): void {
    this.values.set(id, value);
    this.bytesOut += bytes;
  }

  /** An output that was computed could not come back (its worker stopped, Redis lost it); `lane` held it, or -1. */
  valueLost(id: string, lane: number, error: Error): void {
    this.ran(endedRun(id, lane, epochMs(), error));
  }

  private ran(run: GraphTaskRun): void {
    this.runs.push(run);
    this.hooks.onRun?.(run);
  }

  /** Tasks settled: the Parallel panel's progress. */
  progress(count: number): void {
    this.done += count;
    this.hooks.onProgress?.(this.done, this.scheduler.total);
  }

  outcome(more: Pick<GraphResult, "kept" | "bytesMoved" | "workers" | "lanes" | "aborted">): GraphResult {
    return {
      values: this.values,
      runs: this.runs,
      edges: this.edges,
      startMs: this.startMs,
      endMs: epochMs(),
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      ...more,
    };
  }
}
