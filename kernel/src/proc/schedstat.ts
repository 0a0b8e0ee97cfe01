/**
 * CPU time of one thread from Linux's schedstat (nanoseconds on CPU, exact, unlike stat's 10 ms
 * ticks), read by the thread itself (/proc/thread-self) or from outside (/proc/<pid>/task/<tid>).
 * Elsewhere, a thread's own reading falls back to process.cpuUsage() (process-wide) and an
 * outside reading is undefined.
 */
import * as fs from "node:fs";

let linux = process.platform === "linux";

/** The calling thread's CPU time, ms. */
export function ownThreadCpuMs(): number {
  if (linux) {
    try {
      return parseSchedstat(fs.readFileSync("/proc/thread-self/schedstat", "latin1"));
    } catch {
      linux = false;
    }
  }
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Another thread's CPU time, ms (tid omitted: the whole process), or undefined when unreadable. */
export function threadCpuMs(pid: number, tid?: number): number | undefined {
  try {
    const file = tid === undefined ? `/proc/${pid}/schedstat` : `/proc/${pid}/task/${tid}/schedstat`;
    return parseSchedstat(fs.readFileSync(file, "latin1"));
  } catch {
    return undefined;
  }
}

/** The calling thread's kernel-level id (Linux), e.g. "1234/task/1240" → 1240. */
export function ownThreadId(): number | undefined {
  try {
    const link = fs.readlinkSync("/proc/thread-self");
    const tid = Number(link.slice(link.lastIndexOf("/") + 1));
    return Number.isFinite(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

function parseSchedstat(text: string): number {
  return Number(text.slice(0, text.indexOf(" "))) / 1e6;
}
