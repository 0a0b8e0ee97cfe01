import { test } from "node:test";
import * as assert from "node:assert/strict";
import { formatBytes } from "../format";
import { displayBundle, recordBundle, summarizeMonitor, summarizeRun, summarizeScaling } from "./mime";
import { MONITOR_MIME, RUN_MIME, SCALING_MIME, type RunRecord } from "../run/records";
import { sampleMonitorRecord, sampleRunRecord, sampleScalingRecord } from "./fixtures";

function run(partial: Partial<RunRecord>): RunRecord {
  return {
    version: 1,
    kind: "run",
    mode: "map",
    workers: 2,
    workerKind: "thread",
    cores: 2,
    startMs: 0,
    endMs: 123,
    wallMs: 123,
    cpuMs: 240,
    bytesIn: 1200,
    bytesOut: 300,
    tasks: Array.from({ length: 8 }, (_, i) => ({
      rank: i % 2,
      index: i,
      startMs: 0,
      endMs: 10,
      cpuMs: 30,
      status: "ok" as const,
    })),
    samples: [],
    ...partial,
  };
}

test("summarizeRun: busy workers, never a speedup without a serial pass", () => {
  const cases: [Partial<RunRecord>, string][] = [
    [
      {},
      "8 tasks on 2 workers (thread) in 123 ms wall, 240 ms in-task CPU; 2.0 of 2 workers busy on average; 1.2 kB copied in, 0.3 kB out",
    ],
    [
      { workerKind: "process", wallMs: 12_345, cpuMs: 1500, bytesIn: 12, bytesOut: 2_500_000 },
      "8 tasks on 2 workers (process) in 12.3 s wall, 1.50 s in-task CPU; 0.1 of 2 workers busy on average; 12 B copied in, 2.5 MB out",
    ],
    [
      { wallMs: 2, cpuMs: 0.5 },
      "8 tasks on 2 workers (thread) in 2.00 ms wall, 500 µs in-task CPU; too short to judge parallelism (under 20 ms wall or 10 ms in-task CPU, start-up and messaging dominate): give the workers more work to measure it; 1.2 kB copied in, 0.3 kB out",
    ],
    [
      { wallMs: 630, cpuMs: 1.9 },
      "8 tasks on 2 workers (thread) in 630 ms wall, 1.90 ms in-task CPU; 0.0 of 2 workers busy on average (the workers mostly waited); 1.2 kB copied in, 0.3 kB out",
    ],
    [
      { items: 0, tasks: [], wallMs: 1, cpuMs: 0 },
      "0 items in 0 tasks on 2 workers (thread) in 1.00 ms wall, 0 ms in-task CPU; nothing ran; 1.2 kB copied in, 0.3 kB out",
    ],
  ];
  for (const [partial, expected] of cases) assert.equal(summarizeRun(run(partial)), expected);
  for (const [partial] of cases) assert.doesNotMatch(summarizeRun(run(partial)), /speedup|efficiency/);
  const withErrors = run({});
  withErrors.tasks[0].status = "error";
  withErrors.tasks[1].status = "cancelled";
  withErrors.tasks[2].status = "cancelled";
  assert.match(summarizeRun(withErrors), /; 1 failed, 2 cancelled$/);
});

test("summarizeRun with --compare: the measured speedup, and what to make of one above the workers", () => {
  const compared = (serialMs: number, parallelMs: number) =>
    summarizeRun(
      run({
        compare: { serialMs, parallelMs, speedup: serialMs / parallelMs, serialWhere: "on one worker thread (w0)" },
      }),
    );
  assert.match(
    compared(240, 130),
    /; serial pass on one worker thread \(w0\) 240 ms, parallel 130 ms: speedup 1\.85x, efficiency 92%$/,
  );
  assert.match(compared(250, 123), /speedup 2\.03x, efficiency 102% \(above the ideal 2x by 2%: within timing noise/);
  assert.match(
    compared(300, 123),
    /speedup 2\.44x, efficiency 122% \(well above the ideal 2x: more than timing noise, likely a cache effect/,
  );
  assert.match(compared(12, 6), /too short to judge a speedup/);
});
test("summarizeScaling and summarizeMonitor", () => {
  const s = summarizeScaling(sampleScalingRecord(0.1));
  assert.match(s, /^scaling on 1, 2, 4, 8 workers: 1\.\d\dx, /);
  assert.match(
    s,
    /Amdahl fit on 3 points: serial fraction 0\.\d{3} \(the points fit with an RMS error of 0\.\d\dx\), speedup limit \d+\.\dx, 1 point above 4 workers left out \(oversubscribed workers take turns\); 4 cores$/,
  );
  const two = summarizeScaling(sampleScalingRecord(0.1, [1, 2], 2));
  assert.match(
    two,
    /Amdahl estimate from 2 points: serial fraction ≈ 0\.\d{3} \(two points fix the one parameter exactly/,
  );
  assert.doesNotMatch(two, /speedup limit \d/);
  const m = summarizeMonitor(sampleMonitorRecord(2, 10));
  assert.match(
    m,
    /^Machine CPU monitor \(all programs\), 10\.0 s on 2 cores: mean \d+% \(core 0 \d+%, core 1 \d+%\), now \d+%$/,
  );
  assert.match(summarizeMonitor({ ...sampleMonitorRecord(), samples: [], done: false }), /running.*no samples yet/);
});

test("formatBytes", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [1234, "1.2 kB"],
    [123_456, "123 kB"],
    [2_500_000, "2.5 MB"],
  ];
  for (const [n, s] of cases) assert.equal(formatBytes(n), s);
});

test("displayBundle carries the record, a PNG and the text", () => {
  const record = sampleRunRecord(2, 4);
  const b = displayBundle(RUN_MIME, record, "hello");
  assert.deepEqual(Object.keys(b.data).sort(), [RUN_MIME, "image/png", "text/plain"].sort());
  assert.equal(b.data[RUN_MIME], record);
  assert.equal(b.data["text/plain"], "hello");
  const png = Buffer.from(b.data["image/png"] as string, "base64");
  assert.equal(png.toString("latin1", 1, 4), "PNG");
  assert.deepEqual(b.metadata, {});
  // JSON-serialisable (it goes over the wire).
  assert.deepEqual(JSON.parse(JSON.stringify(b.data[RUN_MIME])), record);
});

test("displayBundle without PNG, and when the PNG cannot be drawn", () => {
  assert.equal(displayBundle(MONITOR_MIME, sampleMonitorRecord(), "m", { png: false }).data["image/png"], undefined);
  const broken = displayBundle(RUN_MIME, { kind: "run" }, "text");
  assert.equal(broken.data["image/png"], undefined);
  assert.match(broken.data["text/plain"] as string, /^text\n\(chart image unavailable: .*version/);
});

test("recordBundle picks the MIME type and summary", () => {
  assert.ok(SCALING_MIME in recordBundle(sampleScalingRecord(), { png: false }).data);
  assert.match(
    recordBundle(sampleRunRecord(2, 4), { png: false }).data["text/plain"] as string,
    /^4 tasks on 2 workers/,
  );
});
