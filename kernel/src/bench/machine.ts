/** The machine the numbers come from, and how busy other processes keep it. */
import * as fs from "node:fs";
import * as os from "node:os";
import { readMachineCpu } from "../monitor/disturbance";

export interface Machine {
  cpus: number;
  model: string;
  memoryGb: number;
  node: string;
  platform: string;
}

export function describeMachine(): Machine {
  return {
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model ?? "unknown",
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export interface CpuSnapshot {
  /** Busy and total CPU time of the whole machine (all cores), ms. */
  busyMs: number;
  totalMs: number;
  /** CPU time of this process and of its reaped children (kernels, engines, process workers), ms. */
  ownMs: number;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** Linux /proc counters; undefined elsewhere. */
export function cpuSnapshot(): CpuSnapshot | undefined {
  const machine = readMachineCpu();
  if (!machine) return undefined;
  try {
    const self = fs.readFileSync("/proc/self/stat", "latin1");
    const f = self
      .slice(self.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    // fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the command name
    const own = f[11] + f[12] + f[13] + f[14];
    const busyMs = machine.machineBusyMs + machine.stealMs;
    return { busyMs, totalMs: busyMs + machine.idleMs, ownMs: own * TICK_MS };
  } catch {
    return undefined;
  }
}

/**
 * Percent of the machine's CPU that other processes used between two snapshots (0..100): what
 * was busy minus what this benchmark and its children used. Children still running at `b` are
 * not counted as ours, so take `b` after they have exited.
 */
export function othersPercent(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): number | undefined {
  if (!a || !b || b.totalMs <= a.totalMs) return undefined;
  const others = b.busyMs - a.busyMs - (b.ownMs - a.ownMs);
  return Math.max(0, Math.min(100, (100 * others) / (b.totalMs - a.totalMs)));
}
