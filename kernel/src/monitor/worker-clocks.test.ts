import assert from "node:assert/strict";
import { test } from "node:test";
import { ClockedWorker, thin, WINDOW_MS, WorkerClockSampler } from "./worker-clocks";

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

test("a clock that moves in 4 ms scheduler ticks, read every 2 ms, reads busy, not 0 and 100 in turn", () => {
  let now = 0;
  const sampler = new WorkerClockSampler(() => [{ rank: 0, pid: 1, osThreadId: 11, kind: "thread" }], {
    periodMs: 1e9,
    now: () => now,
    // Always running; schedstat only moves when the tick lands.
    readCpuMs: () => Math.floor(now / 4) * 4,
  }).start();
  for (now = 2; now < 100; now += 2) sampler.tick();
  const samples = sampler.stop();
  assert.ok(samples.length >= 40, `${samples.length} points in 100 ms`);
  assert.ok(samples[0].tMs >= 8, "no point covers less than two ticks");
  const busy = samples.map((s) => s.workers[0]);
  assert.ok(
    busy.every((b) => b >= 75),
    `busy % per point: ${busy.join(" ")}`,
  );
  assert.ok(
    samples.filter((s) => s.tMs >= WINDOW_MS).every((s) => s.workers[0] === 100),
    "a full window holds whole ticks",
  );
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

test("each point says how much of its window each worker waited for a core; totals add up every worker's wait", () => {
  let now = 0;
  const times = new Map<number, { cpuMs: number; waitMs: number }>([
    [11, { cpuMs: 0, waitMs: 0 }],
    [12, { cpuMs: 0, waitMs: 0 }],
  ]);
  const sampler = new WorkerClockSampler(
    () => [
      { rank: 0, pid: 1, osThreadId: 11, kind: "thread" },
      { rank: 1, pid: 1, osThreadId: 12, kind: "thread" },
    ],
    { periodMs: 1e9, now: () => now, readTimes: (w) => ({ ...times.get(w.osThreadId!)! }) },
  ).start();
  now = 20;
  times.set(11, { cpuMs: 20, waitMs: 0 }); // w0 ran throughout
  times.set(12, { cpuMs: 5, waitMs: 15 }); // w1 waited for a core for 15 of the 20 ms
  sampler.tick();
  now = 40;
  times.set(11, { cpuMs: 40, waitMs: 0 });
  times.set(12, { cpuMs: 25, waitMs: 15 });
  const samples = sampler.stop();
  assert.deepEqual(samples[0], { tMs: 20, workers: [100, 25], waiting: [0, 75] });
  assert.deepEqual(samples[1], { tMs: 40, workers: [100, 100] }, "a window without waiting carries no waiting field");
  assert.deepEqual(sampler.totals, { cpuMs: 65, waitMs: 15 });
});
