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

test("summarizeRun", () => {
  const cases: [Partial<RunRecord>, string][] = [
    [
      {},
      "8 tasks on 2 workers (thread) in 123 ms wall, 240 ms CPU; speedup 1.95x over serial CPU time, efficiency 98%; 1.2 kB copied in, 0.3 kB out",
    ],
    [
      {
        speedup: 1.9,
        efficiency: 0.95,
        workerKind: "process",
        wallMs: 12_345,
        cpuMs: 1500,
        bytesIn: 12,
        bytesOut: 2_500_000,
      },
      "8 tasks on 2 workers (process) in 12.3 s wall, 1.50 s CPU; speedup 1.90x over serial CPU time, efficiency 95%; 12 B copied in, 2.5 MB out",
    ],
    [
      { title: "pi", workers: 1, compare: { serialMs: 250, parallelMs: 123, speedup: 2.03 } },
      "pi: 8 tasks on 1 worker (thread) in 123 ms wall, 240 ms CPU; speedup 1.95x over serial CPU time, efficiency 195%; 1.2 kB copied in, 0.3 kB out; compare: serial 250 ms, parallel 123 ms, speedup 2.03x",
    ],
  ];
  for (const [partial, expected] of cases) assert.equal(summarizeRun(run(partial)), expected);
  const withErrors = run({});
  withErrors.tasks[0].status = "error";
  withErrors.tasks[1].status = "cancelled";
  withErrors.tasks[2].status = "cancelled";
  assert.match(summarizeRun(withErrors), /; 1 failed, 2 cancelled$/);
});

test("summarizeScaling and summarizeMonitor", () => {
  const s = summarizeScaling(sampleScalingRecord(0.1));
  assert.match(s, /^scaling on 1, 2, 4, 8 workers: 1\.\d\dx, /);
  assert.match(
    s,
    /Amdahl fit on the points with ≤ 4 workers: serial fraction 0\.\d{3}, speedup limit \d+\.\dx; 4 cores$/,
  );
  const m = summarizeMonitor(sampleMonitorRecord(2, 10));
  assert.match(m, /^CPU monitor, 10\.0 s on 2 cores: mean \d+% \(core 0 \d+%, core 1 \d+%\), now \d+%$/);
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
