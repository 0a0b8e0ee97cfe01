/**
 * CPU time and last core of a Linux thread or process, from
 * /proc/<pid>/task/<tid>/stat (or /proc/<pid>/stat). Linux only; elsewhere the
 * readers return undefined.
 * A worker tells the kernel its tid (proc/schedstat.ts ownThreadId), so that the kernel can read
 * that thread's stat file from outside.
 */
import * as fs from "node:fs";

/** Clock ticks per second of the utime/stime fields (USER_HZ; 100 on every mainstream Linux). */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ThreadStat {
  /** Thread id (or process id for /proc/<pid>/stat). */
  tid: number;
  /** Thread name (the comm field, without the parentheses). */
  name: string;
  /** R running, S sleeping, D disk wait, Z zombie, ... */
  state: string;
  /** User CPU time, ms. */
  userMs: number;
  /** System CPU time, ms. */
  systemMs: number;
  /** userMs + systemMs. */
  cpuMs: number;
  /** The core it last ran on (field 39, "processor"). */
  processor: number;
}

/**
 * Parses one stat line (proc(5)). The name (field 2) is in parentheses and may
 * itself hold spaces and parentheses, so fields are counted from the last ")".
 * Returns undefined for text that is not a stat line.
 */
export function parseThreadStat(text: string, ticksPerSecond = CLOCK_TICKS_PER_SECOND): ThreadStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const tid = Number(text.slice(0, open).trim());
  const name = text.slice(open + 1, close);
  // rest[0] is field 3 (state), so field k is rest[k - 3].
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (k: number): string | undefined => rest[k - 3];
  const state = field(3);
  const utime = Number(field(14));
  const stime = Number(field(15));
  const processor = Number(field(39));
  if (
    !Number.isInteger(tid) ||
    !state ||
    !Number.isFinite(utime) ||
    !Number.isFinite(stime) ||
    !Number.isInteger(processor)
  ) {
    return undefined;
  }
  const msPerTick = 1000 / ticksPerSecond;
  const userMs = utime * msPerTick;
  const systemMs = stime * msPerTick;
  return { tid, name, state, userMs, systemMs, cpuMs: userMs + systemMs, processor };
}

function readStat(file: string): ThreadStat | undefined {
  try {
    return parseThreadStat(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** A thread of a process: /proc/<pid>/task/<tid>/stat. */
export function readThreadStat(pid: number, tid: number): ThreadStat | undefined {
  return readStat(`/proc/${pid}/task/${tid}/stat`);
}

/** A whole process (all its threads): /proc/<pid>/stat. */
export function readProcessStat(pid: number): ThreadStat | undefined {
  return readStat(`/proc/${pid}/stat`);
}
