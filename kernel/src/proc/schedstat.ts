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
  return ownThreadTimes().cpuMs;
}

/** The calling thread's CPU time and wait for a core, ms (no wait where schedstat cannot be read). */
export function ownThreadTimes(): ThreadTimes {
  if (linux) {
    try {
      const times = parseSchedstatTimes(fs.readFileSync("/proc/thread-self/schedstat", "latin1"));
      if (times) return times;
    } catch {
      linux = false;
    }
  }
  const u = process.cpuUsage();
  return { cpuMs: (u.user + u.system) / 1000, waitMs: 0 };
}

/** Another thread's CPU time, ms (tid omitted: the process's main thread), or undefined when unreadable. */
export function threadCpuMs(pid: number, tid?: number): number | undefined {
  return threadTimes(pid, tid)?.cpuMs;
}

/** What a thread's scheduler clocks say, ms since the thread started. */
export interface ThreadTimes {
  /** Time on a CPU. */
  cpuMs: number;
  /** Time it was ready to run but waited for a CPU (run_delay): other threads held the cores. */
  waitMs: number;
}

/** Another thread's times (tid omitted: the process's main thread), or undefined when unreadable. */
export function threadTimes(pid: number, tid?: number): ThreadTimes | undefined {
  try {
    return parseSchedstatTimes(fs.readFileSync(schedstatFile(pid, tid), "latin1"));
  } catch {
    return undefined;
  }
}

function schedstatFile(pid: number, tid?: number): string {
  return tid === undefined ? `/proc/${pid}/schedstat` : `/proc/${pid}/task/${tid}/schedstat`;
}

/**
 * Reads threads' schedstat files kept open: a read of an open file costs about a tenth of an
 * open, read and close (1.3 µs against 16 µs here), which matters to a sampler that reads every
 * worker's clock every few ms on the kernel's own thread. close() releases the files.
 */
export class SchedstatReader {
  readonly #files = new Map<string, number>();
  readonly #buffer = Buffer.alloc(128);

  /** A thread's times (tid omitted: the process's main thread), or undefined when unreadable. */
  read(pid: number, tid?: number): ThreadTimes | undefined {
    const file = schedstatFile(pid, tid);
    let fd = this.#files.get(file);
    try {
      if (fd === undefined) {
        fd = fs.openSync(file, "r");
        this.#files.set(file, fd);
      }
      const n = fs.readSync(fd, this.#buffer, 0, this.#buffer.length, 0);
      return parseSchedstatTimes(this.#buffer.toString("latin1", 0, n));
    } catch {
      // The thread has ended (ESRCH) or never was: forget its file.
      if (fd !== undefined) this.#forget(file, fd);
      return undefined;
    }
  }

  /** The thread has ended (or will not be read again): close its file now. */
  forget(pid: number, tid?: number): void {
    const file = schedstatFile(pid, tid);
    const fd = this.#files.get(file);
    if (fd !== undefined) this.#forget(file, fd);
  }

  close(): void {
    for (const [file, fd] of this.#files) this.#forget(file, fd);
  }

  #forget(file: string, fd: number): void {
    this.#files.delete(file);
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/** Every thread of a process together (a process worker's JS thread, GC and I/O helpers), ms. */
export function processCpuMs(pid: number): number | undefined {
  let threads: string[];
  try {
    threads = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let sum = 0;
  for (const tid of threads) sum += threadTimes(pid, Number(tid))?.cpuMs ?? 0;
  return sum;
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

/** "<ns on cpu> <ns waiting on a runqueue> <timeslices>" */
export function parseSchedstatTimes(text: string): ThreadTimes | undefined {
  const [cpu, wait] = text.split(" ");
  const cpuMs = Number(cpu) / 1e6;
  const waitMs = Number(wait) / 1e6;
  return Number.isFinite(cpuMs) && Number.isFinite(waitMs) ? { cpuMs, waitMs } : undefined;
}
