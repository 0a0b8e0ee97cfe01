/** What a worker reports about itself: its clock, CPU time and memory. */
import * as v8 from "node:v8";
import { ownThreadCpuMs } from "../proc/schedstat";
import type { WorkerKind, WorkerStats } from "../run/messages";

export { epochMs } from "../run/clock";

/** Threads share the process RSS, so they report their own V8 heap; processes report RSS. */
export function workerStats(kind: WorkerKind, cpuTimeMs = ownThreadCpuMs()): WorkerStats {
  const memoryBytes = kind === "thread" ? v8.getHeapStatistics().used_heap_size : process.memoryUsage.rss();
  return { cpuTimeMs, memoryBytes };
}
