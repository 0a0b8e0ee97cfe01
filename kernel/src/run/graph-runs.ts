/**
 * What every graph runner (the pool's, a cluster's) records of its tasks, in one shape: the run a
 * worker reported, or one that ended without a report (failed before or while it ran, or
 * cancelled); the scheduler's assignments grouped into one batch per worker; and the error of a
 * batch whose arguments cannot be sent.
 */
import { CloneError } from "../errors";
import { epochMs } from "./clock";
import type { Assignment, GraphTaskRun } from "./graphs";
import type { GraphItemOutcome, RemoteError } from "./messages";

/** A task as its worker reported it. */
export function reportedRun(o: GraphItemOutcome, rank: number): GraphTaskRun {
  return {
    id: o.nodeId,
    rank,
    startMs: o.startMs,
    endMs: o.endMs,
    cpuMs: o.cpuMs,
    waitMs: o.waitMs,
    status: o.error ? "error" : "ok",
    resultBytes: o.error ? undefined : o.resultBytes,
    error: o.error,
  };
}

/** A task that failed without a report from its worker (`error`), or was cancelled: from `startMs` until now. */
export function endedRun(id: string, rank: number, startMs: number, error?: RemoteError | Error): GraphTaskRun {
  const run: GraphTaskRun = { id, rank, startMs, endMs: epochMs(), cpuMs: 0, waitMs: 0, status: "cancelled" };
  return error ? { ...run, status: "error", error } : run;
}

/** One batch per rank, in the scheduler's order. */
export function batchesByRank(assignments: readonly Assignment[]): Map<number, Assignment[]> {
  const batches = new Map<number, Assignment[]>();
  for (const a of assignments) batches.set(a.rank, [...(batches.get(a.rank) ?? []), a]);
  return batches;
}

/** Why a batch could not be sent: the arguments of its tasks cannot be copied. */
export function unsendableArguments(nodeIds: readonly string[], cause: unknown): CloneError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new CloneError(`the arguments of ${nodeIds.join(", ")}`, why, { cause });
}
