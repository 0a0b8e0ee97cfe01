import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as os from "node:os";
import { busyCores, coreBusyPercent, coreUtilization, snapshotCpus, type CpuTimes } from "./cpu";

const t = (user: number, sys: number, idle: number, nice = 0, irq = 0): CpuTimes => ({ user, nice, sys, idle, irq });

test("coreBusyPercent", () => {
  const cases: [string, CpuTimes, CpuTimes, number][] = [
    ["all idle", t(0, 0, 0), t(0, 0, 100), 0],
    ["all user", t(0, 0, 0), t(100, 0, 0), 100],
    ["half user half idle", t(10, 0, 10), t(60, 0, 60), 50],
    ["user + sys + nice + irq count as busy", t(0, 0, 0), t(10, 10, 60, 10, 10), 40],
    ["no time passed", t(5, 5, 5), t(5, 5, 5), 0],
    ["counters went backwards (core offlined)", t(100, 0, 100), t(10, 0, 10), 0],
    ["idle went backwards only", t(0, 0, 100), t(200, 0, 50), 0],
    ["a quarter busy", t(1000, 200, 3000), t(1020, 230, 3150), 25],
  ];
  for (const [name, prev, next, expected] of cases) {
    assert.ok(Math.abs(coreBusyPercent(prev, next) - expected) < 1e-9, `${name}: ${coreBusyPercent(prev, next)}`);
  }
});

test("coreUtilization per core, hot-plugged core reads 0", () => {
  const prev = { tMs: 0, cpus: [t(0, 0, 0), t(0, 0, 0)] };
  const next = { tMs: 100, cpus: [t(100, 0, 0), t(25, 0, 75), t(50, 0, 50)] };
  assert.deepEqual(coreUtilization(prev, next), [100, 25, 0]);
  assert.equal(busyCores([100, 25, 0]), 1.25);
});

test("snapshotCpus reads os.cpus()", () => {
  const s = snapshotCpus(42);
  assert.equal(s.tMs, 42);
  assert.equal(s.cpus.length, os.cpus().length);
  assert.ok(s.cpus.every((c) => c.idle >= 0 && c.user >= 0));
});
