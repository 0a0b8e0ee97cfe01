/**
 * Who serves a queue: each `paralab worker` writes a small hash every HEARTBEAT_MS that expires
 * after WORKER_TTL_MS, so a worker that dies (even by SIGKILL) drops out of the list by itself.
 * Kernels read it for %cluster, to size runs, and to notice when no worker is left.
 */
import type { Redis } from "./connect";
import { clusterKeys } from "./keys";

export const HEARTBEAT_MS = 1000;
export const WORKER_TTL_MS = 5000;

export interface WorkerInfo {
  /** host:pid */
  id: string;
  host: string;
  pid: number;
  /** Runtimes (--concurrency). */
  slots: number;
  /** Runtimes running a task now. */
  busy: number;
  /** Cores of the worker's machine. */
  cores: number;
  /** Epoch ms, the worker's clock. */
  heartbeatMs: number;
  startedMs: number;
  version: string;
  node: string;
  /** keyId of the worker's key (absent from workers older than it). */
  keyId?: string;
  /** Tasks its runtimes finished, CPU of the whole process (runtimes included), and its RSS (absent from older workers). */
  tasksDone?: number;
  cpuMs?: number;
  memoryBytes?: number;
}

/** Writes (or refreshes) the worker's entry. */
export async function heartbeat(redis: Redis, queue: string, w: WorkerInfo): Promise<void> {
  const keys = clusterKeys(queue);
  const key = keys.worker(w.id);
  const fields = Object.entries(w).flatMap(([k, v]) => [k, String(v)]);
  await redis
    .multi()
    .hset(key, ...fields)
    .pexpire(key, WORKER_TTL_MS)
    .zadd(keys.workers, w.heartbeatMs, w.id)
    .exec();
}

export async function removeWorker(redis: Redis, queue: string, id: string): Promise<void> {
  const keys = clusterKeys(queue);
  await redis.multi().del(keys.worker(id)).zrem(keys.workers, id).exec();
}

function numberFields<K extends string>(f: Record<string, string>, names: K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const n of names) if (f[n] !== undefined && Number.isFinite(Number(f[n]))) out[n] = Number(f[n]);
  return out;
}

/** The live workers, by host then pid; forgets entries whose hash expired. */
export async function listWorkers(redis: Redis, queue: string): Promise<WorkerInfo[]> {
  const keys = clusterKeys(queue);
  const ids = await redis.zrange(keys.workers, 0, -1);
  if (!ids.length) return [];
  const multi = redis.multi();
  for (const id of ids) multi.hgetall(keys.worker(id));
  const replies = (await multi.exec()) ?? [];
  const live: WorkerInfo[] = [];
  const gone: string[] = [];
  replies.forEach(([err, h], i) => {
    const f = h as Record<string, string> | null;
    if (err || !f || !f.id) gone.push(ids[i]);
    else
      live.push({
        id: f.id,
        host: f.host,
        pid: Number(f.pid),
        slots: Number(f.slots),
        busy: Number(f.busy),
        cores: Number(f.cores),
        heartbeatMs: Number(f.heartbeatMs),
        startedMs: Number(f.startedMs),
        version: f.version,
        node: f.node,
        ...(f.keyId ? { keyId: f.keyId } : {}),
        ...numberFields(f, ["tasksDone", "cpuMs", "memoryBytes"]),
      });
  });
  if (gone.length) await redis.zrem(keys.workers, ...gone);
  return live.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
}
