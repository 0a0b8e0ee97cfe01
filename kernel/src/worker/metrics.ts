/** What a worker reports about itself: its clock, CPU time and memory. */
import * as v8 from "node:v8";
import { ownThreadCpuMs, ownThreadId, ownThreadTimes, SchedstatReader, type ThreadTimes } from "../proc/schedstat";
import type { WorkerKind, WorkerStats } from "../run/messages";

export { epochMs } from "../run/clock";

/** Threads share the process RSS, so they report their own V8 heap; processes report RSS. */
export function workerStats(kind: WorkerKind, cpuTimeMs = ownThreadCpuMs()): WorkerStats {
  const memoryBytes = kind === "thread" ? v8.getHeapStatistics().used_heap_size : process.memoryUsage.rss();
  return { cpuTimeMs, memoryBytes };
}

// The worker reads its clocks at each task's start and end: its schedstat file stays open (a read
// of an open file costs a tenth of open, read, close), which tiny chunks notice.
let reader: SchedstatReader | undefined;
let tid: number | undefined | null = null;

/** This thread's CPU time and wait for a core, ms, as ownThreadTimes() gives them. */
export function taskClock(): ThreadTimes {
  if (tid === null) {
    tid = ownThreadId();
    if (tid !== undefined) reader = new SchedstatReader();
  }
  return (tid !== undefined && reader?.read(process.pid, tid)) || ownThreadTimes();
}
