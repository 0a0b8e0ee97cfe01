import assert from "node:assert/strict";
import { test } from "node:test";
import { ClockedWorker, thin, WorkerClockSampler } from "./worker-clocks";

test("busy % per worker from CPU clock deltas, with a replaced worker restarting its baseline", () => {
  let now = 1000;
  const cpu = new Map<string, number>([
    ["1:11", 0],
    ["1:12", 0],
  ]);
  let workers: ClockedWorker[] = [
    { rank: 0, pid: 1, osThreadId: 11, kind: "thread" },
    { rank: 1, pid: 1, osThreadId: 12, kind: "thread" },
  ];
  const sampler = new WorkerClockSampler(() => workers, {
    periodMs: 1e9,
    now: () => now,
    readCpuMs: (w) => cpu.get(`${w.pid}:${w.osThreadId}`),
  }).start();
  now += 10;
  cpu.set("1:11", 10); // w0 busy the whole 10 ms
  cpu.set("1:12", 5); // w1 half of it
  sampler.tick();
  now += 10;
  workers = [workers[0], { rank: 1, pid: 1, osThreadId: 13, kind: "thread" }];
  cpu.set("1:11", 20);
  cpu.set("1:13", 400); // a new thread: its own clock, not a jump of 395 ms
  const samples = sampler.stop();
  assert.deepEqual(samples, [
    { tMs: 1010, workers: [100, 50] },
    { tMs: 1020, workers: [100, 0] },
  ]);
});

test("thinning keeps the time-weighted mean of each merged stretch", () => {
  const samples = Array.from({ length: 8 }, (_, i) => ({ tMs: (i + 1) * 10, workers: [i % 2 ? 100 : 0] }));
  const thinned = thin(samples, 4);
  assert.equal(thinned.length, 4);
  assert.deepEqual(
    thinned.map((s) => s.tMs),
    [20, 40, 60, 80],
  );
  for (const s of thinned.slice(1)) assert.equal(s.workers[0], 50);
});
