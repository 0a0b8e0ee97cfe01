/**
 * How disturbed a run's reading was (README, Magics: how runs are measured): the CPU other programs took from the machine
 * while it ran, and the time the workers were ready to run but waited for a core while they held
 * tasks. Thread CPU ÷ wall cannot tell the two apart from waiting on purpose (recv, a lock, a
 * timer); run_delay can. The arithmetic is pure; `readCpuLedger` takes the readings.
 */
import * as fs from "node:fs";
import { processCpuMs } from "../proc/schedstat";

/** The machine's CPU counters since boot, all cores together (/proc/stat), ms. */
export interface MachineCpu {
  /** All programs: user, nice, system, irq and softirq time. */
  machineBusyMs: number;
  /** Time a hypervisor gave this machine's cores to other machines (steal). */
  stealMs: number;
  /** Idle and I/O-wait time. */
  idleMs: number;
}

/** The machine's and paralab's CPU counters at one instant. */
export interface CpuLedger extends MachineCpu {
  /** Epoch ms. */
  tMs: number;
  /** The kernel's process (its threads and thread workers) and its process workers, ms. */
  ownMs: number;
}

/** /proc/stat counts in USER_HZ ticks, 100 per second on every Linux that Node runs on. */
const MS_PER_TICK = 10;

/** The machine's counters from the first line of /proc/stat, or undefined where there is none. */
export function parseProcStat(text: string): MachineCpu | undefined {
  const line = text.slice(0, text.indexOf("\n"));
  const f = line.trim().split(/\s+/);
  if (f[0] !== "cpu" || f.length < 8) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f.slice(1).map(Number);
  const busy = user + nice + system + irq + softirq;
  if (!Number.isFinite(busy + idle + iowait)) return undefined;
  return {
    machineBusyMs: busy * MS_PER_TICK,
    stealMs: (Number.isFinite(steal) ? steal : 0) * MS_PER_TICK,
    idleMs: (idle + iowait) * MS_PER_TICK,
  };
}

/** The machine's counters now, or undefined where /proc/stat cannot be read (not Linux). */
export function readMachineCpu(): MachineCpu | undefined {
  try {
    return parseProcStat(fs.readFileSync("/proc/stat", "latin1"));
  } catch {
    return undefined;
  }
}

/**
 * The counters now. `processWorkerPids` are the pool's child processes, whose CPU is paralab's
 * own, not other programs'. Undefined where /proc/stat cannot be read (not Linux).
 */
export function readCpuLedger(processWorkerPids: readonly number[], now = Date.now()): CpuLedger | undefined {
  const machine = readMachineCpu();
  if (!machine) return undefined;
  const own = process.cpuUsage();
  let ownMs = (own.user + own.system) / 1000;
  for (const pid of processWorkerPids) ownMs += processCpuMs(pid) ?? 0;
  return { tMs: now, ...machine, ownMs };
}

/**
 * Average number of cores that other programs (and, on a VM, other machines through steal time)
 * used between two ledgers. Never negative: counters of 10 ms ticks can read below paralab's own
 * exact clocks over short spans.
 */
export function otherProgramsCores(before: CpuLedger, after: CpuLedger): number {
  const spanMs = after.tMs - before.tMs;
  if (!(spanMs > 0)) return 0;
  const others =
    after.machineBusyMs - before.machineBusyMs - (after.ownMs - before.ownMs) + (after.stealMs - before.stealMs);
  return Math.max(0, others / spanMs);
}
