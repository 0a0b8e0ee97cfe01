/** Per-thread CPU time, OS thread id and memory, read inside the worker. */
import * as fs from "node:fs";
import { performance } from "node:perf_hooks";
import * as v8 from "node:v8";
import type { WorkerKind, WorkerStats } from "../run/messages";

let schedstat = process.platform === "linux";

/**
 * CPU time of the calling OS thread in ms. Linux: first field of /proc/thread-self/schedstat
 * (ns on CPU). Elsewhere: process.cpuUsage(), which is process-wide (exact for child processes,
 * an over-estimate for worker threads).
 */
export function threadCpuMs(): number {
  if (schedstat) {
    try {
      const text = fs.readFileSync("/proc/thread-self/schedstat", "latin1");
      return Number(text.slice(0, text.indexOf(" "))) / 1e6;
    } catch {
      schedstat = false;
    }
  }
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The kernel-level thread id (Linux), e.g. "1234/task/1240" -> 1240. */
export function osThreadId(): number | undefined {
  try {
    const link = fs.readlinkSync("/proc/thread-self");
    const tid = Number(link.slice(link.lastIndexOf("/") + 1));
    return Number.isFinite(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Epoch ms with sub-ms precision, comparable across threads and processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Threads share the process RSS, so they report their own V8 heap; processes report RSS. */
export function workerStats(kind: WorkerKind): WorkerStats {
  const memoryBytes = kind === "thread" ? v8.getHeapStatistics().used_heap_size : process.memoryUsage.rss();
  return { cpuTimeMs: threadCpuMs(), memoryBytes };
}
