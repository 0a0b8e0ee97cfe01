import assert from "node:assert/strict";
import { test } from "node:test";
import type { WorkerInfo } from "../cluster/registry";
import { HeartbeatCpu } from "./cluster-view";

const worker = (id: string, heartbeatMs: number, cpuMs?: number): WorkerInfo => ({
  id,
  host: "h",
  pid: 1,
  slots: 1,
  busy: 0,
  cores: 2,
  heartbeatMs,
  startedMs: 0,
  version: "0",
  node: "20",
  ...(cpuMs === undefined ? {} : { cpuMs }),
});

test("a worker's CPU is its process's CPU time between its last two heartbeats, over their interval", () => {
  const cpu = new HeartbeatCpu();
  assert.equal(cpu.percent(worker("a", 1000, 50)), null, "one heartbeat says nothing yet");
  assert.equal(cpu.percent(worker("a", 2000, 1550)), 150, "1.5 s of CPU in 1 s: 150% of a core");
  // The panel asks more often than heartbeats come: the same heartbeat keeps its reading.
  assert.equal(cpu.percent(worker("a", 2000, 1550)), 150);
  assert.equal(cpu.percent(worker("a", 4000, 1750)), 10);
});

test("an older worker without cpuMs reads as unknown, and a CPU time that went back as 0, never negative", () => {
  const cpu = new HeartbeatCpu();
  assert.equal(cpu.percent(worker("old", 1000)), null);
  cpu.percent(worker("b", 1000, 5000));
  assert.equal(cpu.percent(worker("b", 2000, 100)), 0);
});

test("workers that left are forgotten: one coming back under the same id starts afresh", () => {
  const cpu = new HeartbeatCpu();
  cpu.percent(worker("c", 1000, 0));
  cpu.percent(worker("c", 2000, 500));
  cpu.forgetAllBut(new Set());
  assert.equal(cpu.percent(worker("c", 9000, 100)), null);
});
