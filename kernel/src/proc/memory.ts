/**
 * Memory figures from Linux's /proc, for deciding whether a pool fits before starting it:
 * what the system can still give (MemAvailable) and what a process holds privately (RssAnon +
 * RssShmem: its heaps and stacks, not the program's file pages, which processes share).
 * Elsewhere they fall back to os.freemem() and process.memoryUsage.rss(), or undefined.
 */
import * as fs from "node:fs";
import * as os from "node:os";

/** Bytes the system can give without swapping (MemAvailable), or os.freemem() where there is no /proc. */
export function availableMemoryBytes(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/meminfo", "latin1"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return os.freemem();
}

/** Private memory of a process (RssAnon + RssShmem), bytes; this process when pid is omitted. */
export function privateMemoryBytes(pid?: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid ?? "self"}/status`, "latin1");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    const bytes = (kb("RssAnon") + kb("RssShmem")) * 1024;
    if (Number.isFinite(bytes)) return bytes;
  } catch {
    // gone, or not Linux
  }
  return pid === undefined ? process.memoryUsage.rss() : undefined;
}
