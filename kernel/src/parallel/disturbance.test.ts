import assert from "node:assert/strict";
import { test } from "node:test";
import type { TaskRecord } from "../run/records";
import type { Dispatched } from "./dispatch";
import { combineDisturbances, disturbanceOf } from "./disturbance";

function pass(startMs: number, endMs: number, tasks: Partial<TaskRecord>[], otherCores: number, workerWaitMs = 999) {
  return {
    startMs,
    endMs,
    result: { tasks: tasks.map((t) => ({ rank: 0, index: 0, cpuMs: 0, status: "ok", ...t })) },
    utilization: { cores: [], workers: [], contention: { otherCores, workerWaitMs } },
  } as unknown as Dispatched;
}

test("the wait for a core counts only within tasks, as the workers measured it", () => {
  // 4000 tiny tasks: 4 ms in tasks, of which 1 ms waiting; the observer's 999 ms covers the messaging too.
  const tiny = Array.from({ length: 4000 }, (_, i) => ({ startMs: i, endMs: i + 0.001, waitMs: 0.00025 }));
  const d = disturbanceOf(pass(0, 4000, tiny, 0.1))!;
  assert.ok(Math.abs(d.waitedMs - 1) < 1e-9 && Math.abs(d.inTaskMs - 4) < 1e-6, JSON.stringify(d));
  assert.ok(d.waitedMs <= d.inTaskMs);
});

test("without the workers' own figures (older workers), the observer's whole-run wait stands in", () => {
  const d = disturbanceOf(pass(0, 100, [{ startMs: 0, endMs: 100 }], 0.5, 40))!;
  assert.deepEqual(d, { otherCores: 0.5, waitedMs: 40, inTaskMs: 100 });
});

test("passes combine: waits and task time add up, other programs' cores average over wall time", () => {
  const serial = pass(0, 300, [{ startMs: 0, endMs: 300, waitMs: 90 }], 1.0);
  const parallel = pass(300, 400, [{ startMs: 300, endMs: 400, waitMs: 10 }], 0.2);
  assert.deepEqual(combineDisturbances([serial, parallel]), { otherCores: 0.8, waitedMs: 100, inTaskMs: 400 });
  assert.equal(combineDisturbances([]), undefined);
});
