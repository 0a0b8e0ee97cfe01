/**
 * Kernel side: the BullMQ queues of single `paralab worker` processes (keys.homeQueue), on the
 * kernel's one Redis connection. A graph task whose inputs a process holds is added to its queue;
 * one Queue object per process is made on first use and shared by the runs.
 */
import { Queue } from "bullmq";
import type { Redis } from "./connect";
import { BULLMQ_PREFIX } from "./keys";

const byConnection = new WeakMap<Redis, Map<string, Queue>>();

/** The queue named `name`, through `redis` (which stays the caller's to close). */
export function homeQueueOn(redis: Redis, name: string): Queue {
  let queues = byConnection.get(redis);
  if (!queues) byConnection.set(redis, (queues = new Map()));
  let q = queues.get(name);
  if (!q) {
    q = new Queue(name, { connection: redis, prefix: BULLMQ_PREFIX });
    q.on("error", () => undefined); // reported by the run that meets it
    queues.set(name, q);
  }
  return q;
}
