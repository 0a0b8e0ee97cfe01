import { test, describe } from "node:test";
import * as assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import * as os from "node:os";
import { Sampler } from "./sampler";
import type { CpuTimes } from "./cpu";
import { busyCores } from "./cpu";
import { readThreadStat } from "../proc/thread-stat";
import { otherProgramsCores, readCpuLedger, type CpuLedger } from "./disturbance";
import type { CoreSample } from "../run/records";

/** A fake machine: two cores whose counters advance as the test says. */
function fakeMachine() {
  let now = 1_000_000;
  const cpus: CpuTimes[] = [0, 1].map(() => ({ user: 0, nice: 0, sys: 0, idle: 0, irq: 0 }));
  return {
    now: () => now,
    readCpus: () => cpus.map((c) => ({ ...c })),
    /** Advances time by ms with the given % busy per core. */
    advance(ms: number, busy: number[]) {
      now += ms;
      cpus.forEach((c, i) => {
        c.user += (ms * busy[i]) / 100;
        c.idle += ms - (ms * busy[i]) / 100;
      });
    },
  };
}

describe("Sampler with a fake clock", () => {
  test("samples, subscribe/unsubscribe, samplesBetween", () => {
    const m = fakeMachine();
    const s = new Sampler({ now: m.now, readCpus: m.readCpus, minIntervalMs: 0 });
    s.start();
    s.stop(); // no timer: the test drives sampleNow()
    const seen: CoreSample[] = [];
    const off = s.subscribe((x) => seen.push(x));
    const t0 = m.now();
    m.advance(100, [100, 0]);
    s.sampleNow();
    m.advance(100, [50, 50]);
    s.sampleNow();
    off();
    m.advance(100, [0, 100]);
    s.sampleNow();
    assert.deepEqual(
      s.samples().map((x) => x.cores),
      [
        [100, 0],
        [50, 50],
        [0, 100],
      ],
    );
    assert.equal(seen.length, 2);
    assert.equal(s.cores, 2);
    // Interval (t0+100, t0+200] overlaps [t0+150, t0+160]; so does nothing else.
    assert.deepEqual(
      s.samplesBetween(t0 + 150, t0 + 160).map((x) => x.tMs),
      [t0 + 200],
    );
    assert.equal(s.samplesBetween(t0, t0 + 300).length, 3);
    assert.equal(s.latest()?.tMs, t0 + 300);
  });

  test("ring buffer keeps the last retentionMs", () => {
    const m = fakeMachine();
    const s = new Sampler({ now: m.now, readCpus: m.readCpus, retentionMs: 1000, minIntervalMs: 0 }).start();
    s.stop();
    for (let i = 0; i < 1000; i++) {
      m.advance(100, [10, 20]);
      s.sampleNow();
    }
    const kept = s.samples();
    assert.equal(kept.length, 11); // tMs within [last - 1000, last]
    assert.equal(kept[kept.length - 1].tMs - kept[0].tMs, 1000);
  });

  test("sampleNow skips readings closer than minIntervalMs", () => {
    const m = fakeMachine();
    const s = new Sampler({ now: m.now, readCpus: m.readCpus, minIntervalMs: 30 }).start();
    s.stop();
    m.advance(10, [100, 100]);
    assert.equal(s.sampleNow(), undefined);
    m.advance(30, [100, 100]);
    assert.deepEqual(s.sampleNow()?.cores, [100, 100]);
  });

  test("a throwing listener does not stop the others", () => {
    const m = fakeMachine();
    const s = new Sampler({ now: m.now, readCpus: m.readCpus, minIntervalMs: 0 }).start();
    s.stop();
    let n = 0;
    s.subscribe(() => {
      throw new Error("boom");
    });
    s.subscribe(() => n++);
    m.advance(100, [0, 0]);
    s.sampleNow();
    assert.equal(n, 1);
  });
});

describe("Sampler period", () => {
  test("busy() switches fast/slow, counted for overlapping runs", () => {
    const s = new Sampler({ fastPeriodMs: 50, slowPeriodMs: 500 });
    assert.equal(s.periodMs, 500);
    s.busy(true);
    s.busy(true);
    assert.equal(s.periodMs, 50);
    s.busy(false);
    assert.equal(s.periodMs, 50);
    s.busy(false);
    assert.equal(s.periodMs, 500);
    s.busy(false);
    assert.equal(s.isBusy, false);
    s.setPeriod(200);
    assert.equal(s.periodMs, 200);
    assert.throws(() => s.setPeriod(0), /period must be a positive number of milliseconds, got 0/);
    assert.throws(() => new Sampler({ fastPeriodMs: -1 }), /fastPeriodMs must be a positive/);
  });

  test("the timer samples at the period and stops", async () => {
    const s = new Sampler({ fastPeriodMs: 20, slowPeriodMs: 1000 }).start();
    s.busy(true);
    await new Promise((r) => setTimeout(r, 230));
    s.stop();
    const n = s.samples().length;
    assert.ok(n >= 6 && n <= 14, `${n} samples in 230 ms at 20 ms`);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(s.samples().length, n, "no samples after stop()");
    assert.ok(s.overheadPercent >= 0 && s.overheadPercent < 10, `overhead ${s.overheadPercent}%`);
  });
});

const BUSY_MS = 1500;

test(
  "a busy worker thread reads as about one core, and its thread stat shows its CPU time",
  { skip: process.platform !== "linux" },
  async (t) => {
    const sampler = new Sampler({ fastPeriodMs: 100 }).start();
    sampler.busy(true);
    // Other processes on this machine (other builds, other tests) load the cores too:
    // measure them for 500 ms first and allow for them in the upper bound.
    const baseStart = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    sampler.sampleNow();
    const before = sampler.samplesBetween(baseStart + 50, Date.now());
    const baseline = before.length ? before.reduce((a, x) => a + busyCores(x.cores), 0) / before.length : 0;
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       const fs = require("node:fs");
       const tid = Number(/task\\/(\\d+)$/.exec(fs.readlinkSync("/proc/thread-self"))[1]);
       parentPort.postMessage({ tid, startMs: Date.now() });
       const end = Date.now() + ${BUSY_MS};
       let x = 0;
       while (Date.now() < end) x += Math.sqrt(x + 1);
       parentPort.postMessage({ endMs: Date.now(), x });`,
      { eval: true },
    );
    let tid = 0;
    let startMs = 0;
    let endMs = 0;
    let midStat: ReturnType<typeof readThreadStat>;
    // What other programs use while the loop runs, apart from this process (a test that starts meanwhile).
    let ledgerAtStart: CpuLedger | undefined;
    await new Promise<void>((resolve, reject) => {
      worker.on("message", (m: { tid?: number; startMs?: number; endMs?: number }) => {
        if (m.tid) {
          tid = m.tid;
          startMs = m.startMs!;
          ledgerAtStart = readCpuLedger([]);
          setTimeout(() => (midStat = readThreadStat(process.pid, tid)), BUSY_MS - 300);
        }
        if (m.endMs) {
          endMs = m.endMs;
          resolve();
        }
      });
      worker.on("error", reject);
    });
    const ledgerAtEnd = readCpuLedger([]);
    sampler.sampleNow();
    sampler.busy(false);
    await worker.terminate();
    const others = ledgerAtStart && ledgerAtEnd ? otherProgramsCores(ledgerAtStart, ledgerAtEnd) : 0;
    const overhead = sampler.overheadPercent;
    sampler.stop();

    // Skip the first 200 ms (the worker warming up), weight samples by their interval.
    const all = sampler.samples();
    let busySum = 0;
    let weight = 0;
    for (let i = 1; i < all.length; i++) {
      const from = all[i - 1].tMs;
      const to = all[i].tMs;
      if (from < startMs + 200 || to > endMs) continue;
      busySum += busyCores(all[i].cores) * (to - from);
      weight += to - from;
    }
    const cores = busySum / weight;
    const load = Math.max(baseline, others);
    const upper = Math.min(os.cpus().length + 0.01, 1.4 + load);
    t.diagnostic(
      `baseline ${baseline.toFixed(2)} cores, other programs during the loop ${others.toFixed(2)}, ` +
        `during the busy loop ${cores.toFixed(2)} cores, overhead ${overhead.toFixed(3)}%`,
    );
    assert.ok(weight >= 800, `only ${weight} ms of samples inside the busy period`);
    assert.ok(midStat, "thread stat readable while the worker runs");
    // The stat is that thread's: its CPU time cannot exceed the wall time it has been running.
    assert.ok(midStat.cpuMs > 0 && midStat.cpuMs <= BUSY_MS + 20, `worker thread CPU ${midStat.cpuMs} ms`);
    assert.ok(midStat.processor >= 0 && midStat.processor < os.cpus().length);
    assert.ok(overhead < 5, `sampler overhead ${overhead.toFixed(2)}%`);
    // One more busy thread shows as about one more core only where a core was free for it.
    if (load > os.cpus().length - 1.2) {
      t.skip(`the machine was too busy to see one more core (other programs: ${load.toFixed(2)} cores)`);
      return;
    }
    assert.ok(
      cores > 0.6 && cores < upper,
      `sampled ${cores.toFixed(2)} busy cores during a one-thread busy loop, expected 0.6..${upper.toFixed(2)} ` +
        `(other programs ${load.toFixed(2)} cores, ${os.cpus().length} cores)`,
    );
  },
);
