/**
 * What a cluster run tells the user when it cannot go on: each error names the cluster, what was
 * done and what was lost, and what to do. Pure apart from reading a connection's state.
 */
import {
  ClusterConnectionLostError,
  ClusterNoWorkersError,
  ClusterSignatureError,
  ClusterTaskLostError,
  ClusterUnreachableError,
  CloneError,
} from "../errors";
import type { ClusterAddress } from "./address";
import { ANSWER_WITHIN_MS, isGone, type Redis } from "./connect";
import type { WorkerInfo } from "./registry";
import { encode } from "./wire";

export function everyWorkerRefused(a: ClusterAddress, live: WorkerInfo[]): ClusterSignatureError {
  return new ClusterSignatureError(
    `every worker on ${a.display} refused the tasks (${live.map((w) => w.id).join(", ")}): ` +
      `their signatures do not match the workers' key. Give the kernel the workers' key: set PARALAB_CLUSTER_KEY ` +
      `before starting the kernel, or %cluster ${a.display} --key-file FILE with the workers' key file.`,
  );
}

/** The workers' registry shows that none has the kernel's key: each would refuse every task. */
export function noWorkerWithTheKey(a: ClusterAddress, live: WorkerInfo[]): ClusterSignatureError {
  return new ClusterSignatureError(
    `no worker on ${a.display} has this kernel's cluster key (${live.map((w) => w.id).join(", ")} have another): ` +
      `they would refuse every task. Give the kernel the workers' key: set PARALAB_CLUSTER_KEY before starting ` +
      `the kernel, or %cluster ${a.display} --key-file FILE with the workers' key file.`,
  );
}

export function noWorkerLeft(
  a: ClusterAddress,
  lastSeen: string,
  done: string,
  startHint: string,
): ClusterNoWorkersError {
  return new ClusterNoWorkersError(
    `no paralab worker is left on ${a.display} (last seen: ${lastSeen}); ${done}, the rest were not run. ${startHint}`,
  );
}

export function taskLost(task: number, items: string, reason: string | undefined, done: string): ClusterTaskLostError {
  return new ClusterTaskLostError(
    `task ${task} (${items}) was lost: ${reason ?? "BullMQ failed it"}. ` +
      `Its workers stopped while they ran it, more than once (killed, or out of memory?). ` +
      `${done}. Check the workers' logs and run the cell again.`,
  );
}

/** ioredis's ways of saying that the connection is gone (after its reconnect attempts). */
export function isConnectionLoss(e: unknown, redis: Redis): boolean {
  return (
    isGone(redis) ||
    !(e instanceof Error) ||
    /Connection is closed|Stream isn't writeable|max retries|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/i.test(e.message)
  );
}

/** Redis kept the connection but answered nothing: paused (SIGSTOP), overloaded, or its machine is gone. */
export function redisSilent(a: ClusterAddress, silentMs: number, done: string): ClusterConnectionLostError {
  return new ClusterConnectionLostError(
    `Redis at ${a.display} did not answer for ${Math.round(silentMs / 1000)} s during the run: it is paused ` +
      `(SIGSTOP), overloaded, or its machine stopped answering. ${done}; their results and the rest of the run ` +
      `are lost. The kernel is fine and the local pool still works (%cluster off); run the cell again once Redis answers.`,
  );
}

/** Redis did not answer a command between runs (listing the workers). */
export function unanswered(a: ClusterAddress, hint: string): ClusterUnreachableError {
  return new ClusterUnreachableError(
    `Redis at ${a.display} did not answer within ${ANSWER_WITHIN_MS / 1000} s: it is paused (SIGSTOP), overloaded, ` +
      `or its machine stopped answering. ${hint}`,
  );
}

/** A command of the kernel's that Redis did not answer in time (connect.ts, ANSWER_WITHIN_MS). */
export function isUnanswered(e: unknown): boolean {
  return e instanceof Error && /Command timed out/i.test(e.message);
}

export function connectionLost(a: ClusterAddress, e: unknown, done: string): ClusterConnectionLostError {
  const why =
    e instanceof Error && !/Stream isn't writeable|max retries/i.test(e.message) ? e.message : "the connection closed";
  return new ClusterConnectionLostError(
    `lost the connection to Redis at ${a.display} during the run (${why}): ` +
      `${done}; their results and the rest of the run are lost. ` +
      `Tasks already in the queue may still run when Redis is back, but no one collects them. ` +
      `The kernel is fine and the local pool still works (%cluster off); run the cell again once Redis is back.`,
    { cause: e },
  );
}

export function describeItems(start: number, count: number): string {
  return count === 1 ? `item ${start}` : `items ${start}-${start + count - 1}`;
}

/** The first variable (or item) that cannot be serialized, named in a CloneError. */
export function cloneError(values: Record<string, unknown>, cause: unknown): CloneError {
  for (const [name, value] of Object.entries(values)) {
    try {
      encode(value);
    } catch (e) {
      return new CloneError(name, (e as Error).message, { cause });
    }
  }
  return new CloneError("the task", (cause as Error).message, { cause });
}
