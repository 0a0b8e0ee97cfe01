/**
 * Names in Redis. BullMQ keeps its own keys under `paralab:QUEUE:…`; paralab's (runs, workers,
 * control) live under `paralab.cluster:QUEUE:…`, so that no job id can ever collide with them.
 */

/** BullMQ's key prefix for paralab queues (BullMQ's default is "bull"). */
export const BULLMQ_PREFIX = "paralab";
/** Name of every BullMQ job paralab adds (one chunk of map items, or one batch of graph tasks). */
export const JOB_NAME = "chunk";

export function clusterKeys(queue: string) {
  const base = `paralab.cluster:${queue}`;
  return {
    /** Sorted set of live workers' ids (score: last heartbeat, epoch ms). */
    workers: `${base}:workers`,
    /** Hash describing one worker; expires when its heartbeats stop. */
    worker: (id: string) => `${base}:worker:${id}`,
    /** Pub/sub channel kernels use to cancel runs. */
    control: `${base}:control`,
    /** Stream of one run's events (output, results, refusals), read by its kernel. */
    events: (run: string) => `${base}:run:${run}:events`,
    /** A run's variables, serialized once and fetched by each worker process that needs them. */
    vars: (run: string) => `${base}:run:${run}:vars`,
    /**
     * A graph task's result that later tasks read (README, Magics: task graphs): `results` is the kernel's
     * namespace, so that a later compute of the same kernel can reuse what an earlier one kept.
     */
    result: (results: string, nodeId: string) => `${base}:results:${results}:${nodeId}`,
    /** Which runtime holds each task of a run, and since when: a retry names the worker that died. */
    holders: (run: string) => `${base}:run:${run}:holders`,
    /** What the kernel sends one rank of an SPMD run (go, comm replies, deadlock probes). */
    toRank: (run: string, rank: number) => `${base}:run:${run}:rank:${rank}`,
    /**
     * One `paralab worker` process's own list of tasks (id host:pid), beside the shared queue: a
     * graph task whose inputs that process holds goes there (README, Clusters: task graphs). A plain
     * list, not a BullMQ queue: one push and one blocking pop, where BullMQ takes a few round trips a
     * task, and no lock to renew: a kernel sees a dead worker in the registry and sends its tasks
     * elsewhere.
     */
    home: (workerId: string) => `${base}:home:${workerId}`,
    /** Set when a run was cancelled, for tasks picked up again later (retries after a stall). */
    cancelled: (run: string) => `${base}:run:${run}:cancelled`,
  };
}

/** BullMQ job id of a task: unique per run, and no ':' (BullMQ refuses it in custom ids). */
export function jobId(run: string, task: number): string {
  return `${run}-${task}`;
}

/** Run ids are made by kernels; workers check them before using them in key names. */
export const RUN_ID = /^[a-z0-9]{6,40}$/;

/** Keys a run leaves behind expire even when its kernel dies before cleaning up. */
export const RUN_TTL_S = 24 * 3600;
