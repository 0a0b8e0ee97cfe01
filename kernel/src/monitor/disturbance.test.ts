import assert from "node:assert/strict";
import { test } from "node:test";
import { CpuLedger, otherProgramsCores, parseProcStat, readCpuLedger } from "./disturbance";

test("/proc/stat's first line gives the machine's busy and steal time in ms (10 ms ticks)", () => {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const text = "cpu  95560 10 10890 30282 674 3 162 522 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n";
  assert.deepEqual(parseProcStat(text), {
    machineBusyMs: (95560 + 10 + 10890 + 3 + 162) * 10,
    stealMs: 5220,
    idleMs: (30282 + 674) * 10,
  });
  assert.equal(parseProcStat("intr 1 2 3\n"), undefined);
  assert.deepEqual(parseProcStat("cpu  1 0 1 5 0 0 0\n"), { machineBusyMs: 20, stealMs: 0, idleMs: 50 });
});

const at = (tMs: number, machineBusyMs: number, ownMs: number, stealMs = 0): CpuLedger => ({
  tMs,
  machineBusyMs,
  ownMs,
  stealMs,
  idleMs: 0,
});

test("other programs' cores: the machine's busy time less paralab's own, per ms of wall time", () => {
  const cases: [CpuLedger, CpuLedger, number][] = [
    // 1 s, the machine busy 2 s of core time, paralab 2 s of it: nobody else ran.
    [at(0, 0, 0), at(1000, 2000, 2000), 0],
    // paralab used 0.8 s, the machine 2 s: others took 1.2 cores.
    [at(0, 100, 50), at(1000, 2100, 850), 1.2],
    // a VM whose host gave 0.5 s of its cores to other machines: that counts too.
    [at(0, 0, 0, 0), at(1000, 1000, 1000, 500), 0.5],
    // tick counters below paralab's exact clocks over a short span: never negative.
    [at(0, 0, 0), at(100, 10, 25), 0],
    // no time passed
    [at(5, 0, 0), at(5, 10, 0), 0],
  ];
  for (const [before, after, cores] of cases) {
    assert.ok(Math.abs(otherProgramsCores(before, after) - cores) < 1e-9, `${JSON.stringify([before, after])}`);
  }
});

test("a real reading counts the kernel's own CPU, which the machine's counters include too", () => {
  const before = readCpuLedger([], 0);
  if (!before) return; // not Linux
  const cpu0 = process.cpuUsage();
  while (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system < 100_000);
  const after = readCpuLedger([], 300)!;
  assert.ok(after.ownMs - before.ownMs >= 100, `own CPU grew by ${after.ownMs - before.ownMs} ms`);
  // Our 100 ms are in the machine's busy time as well, give or take a 10 ms tick on each side.
  assert.ok(
    after.machineBusyMs - before.machineBusyMs >= 80,
    `machine busy grew by ${after.machineBusyMs - before.machineBusyMs} ms`,
  );
});
