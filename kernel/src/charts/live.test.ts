import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { afterReplyAtOnce, type MimeBundle, type OutputSink, type DisplayContent } from "../output";
import type { TaskRecord } from "../run/records";
import { RUN_MIME } from "../run/records";
import { chartConfigsFor } from "./index";
import { LIVE_TASK_BUDGET, liveRunRecord, summarizeLive, TaskFold, thinCoreSamples } from "./live";
import { LiveChart, liveBundle } from "./live-chart";
import { summarize } from "./summary";

function task(
  rank: number,
  index: number,
  start: number,
  end: number,
  status: TaskRecord["status"] = "ok",
): TaskRecord {
  return { rank, index, startMs: start, endMs: end, cpuMs: end - start, status, bytesIn: 10, bytesOut: 5 };
}

/** `n` back-to-back tasks of `ms` on each of `lanes` lanes, as a pool reports them (in end order). */
function map(n: number, lanes: number, ms: number, status = (_i: number): TaskRecord["status"] => "ok"): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (let i = 0; i < n; i++) {
    const rank = i % lanes;
    const k = Math.floor(i / lanes);
    out.push(task(rank, i, 1000 + k * ms, 1000 + (k + 1) * ms - ms / 10, status(i)));
  }
  return out;
}

const items = (tasks: TaskRecord[]) => tasks.reduce((n, t) => n + (t.count ?? 1), 0);

describe("TaskFold", () => {
  test("a short run's tasks are kept as they are", () => {
    const fold = new TaskFold();
    const tasks = map(40, 2, 10);
    for (const t of tasks) fold.add(t);
    assert.equal(fold.tasks().length, 40);
    assert.deepEqual(
      fold.tasks().sort((a, b) => a.index - b.index),
      tasks,
    );
  });

  test("100,000 tasks fold to the budget, every item, CPU ms and byte counted", () => {
    const fold = new TaskFold();
    const tasks = map(100_000, 2, 0.05);
    const t0 = performance.now();
    for (const t of tasks) fold.add(t);
    const ms = performance.now() - t0;
    const folded = fold.tasks();
    assert.ok(folded.length <= LIVE_TASK_BUDGET, `${folded.length} records`);
    assert.ok(folded.length >= LIVE_TASK_BUDGET / 8, `${folded.length} records: folded more than needed`);
    assert.equal(items(folded), 100_000);
    assert.equal(fold.added, 100_000);
    const cpu = (ts: TaskRecord[]) => ts.reduce((s, t) => s + t.cpuMs, 0);
    assert.ok(Math.abs(cpu(folded) - cpu(tasks)) < 1e-6 * cpu(tasks));
    assert.equal(
      folded.reduce((s, t) => s + (t.bytesIn ?? 0), 0),
      1_000_000,
    );
    // Strips stay in their lanes and in time order, and cover the lane's time.
    for (const rank of [0, 1]) {
      const lane = folded.filter((t) => t.rank === rank);
      for (let i = 1; i < lane.length; i++) assert.ok(lane[i].startMs >= lane[i - 1].endMs);
      assert.equal(lane[0].startMs, 1000);
    }
    // Amortized O(1) per task: well under a microsecond-scale budget per task (generous: shared machine).
    assert.ok(ms < 2000, `${ms} ms for 100,000 tasks`);
  });

  test("the JSON of a 100,000-task update stays small", () => {
    const fold = new TaskFold();
    for (const t of map(100_000, 8, 0.05)) fold.add(t);
    const record = liveRunRecord({
      mode: "map",
      workers: 8,
      workerKind: "thread",
      cores: 2,
      startMs: 1000,
      nowMs: 2000,
      fold,
      done: 100_000,
      total: 200_000,
      state: "running",
      samples: Array.from({ length: 5000 }, (_, i) => ({ tMs: 1000 + i, cores: [50, 50] })),
    });
    assert.ok(record.samples.length <= 200);
    assert.ok(JSON.stringify(record).length < 150_000, `${JSON.stringify(record).length} bytes`);
  });

  test("alternating statuses still fold within the budget (the worst status shows)", () => {
    const fold = new TaskFold(50);
    for (const t of map(10_000, 2, 1, (i) => (i % 4 < 2 ? "ok" : "error"))) fold.add(t);
    const folded = fold.tasks();
    assert.ok(folded.length <= 50, `${folded.length}`);
    assert.equal(items(folded), 10_000);
    assert.ok(folded.some((t) => t.status === "error"));
  });

  test("a task recorded out of order (cancelled at the interrupt) goes to its place", () => {
    const fold = new TaskFold();
    fold.add(task(0, 0, 0, 10));
    fold.add(task(0, 2, 20, 30));
    fold.add(task(0, 1, 10, 50, "cancelled"));
    assert.deepEqual(
      fold.tasks().map((t) => t.index),
      [0, 1, 2],
    );
  });
});

test("thinCoreSamples averages neighbours down to the budget", () => {
  const samples = Array.from({ length: 1000 }, (_, i) => ({ tMs: i, cores: [i % 2 ? 100 : 0, 40] }));
  const thin = thinCoreSamples(samples, 100);
  assert.equal(thin.length, 100);
  assert.deepEqual(thin[0].cores, [50, 40]);
  assert.equal(thin[thin.length - 1].tMs, 999);
});

describe("live records", () => {
  const fold = new TaskFold();
  for (const t of map(6, 2, 100)) fold.add(t);
  const base = {
    mode: "map" as const,
    workers: 2,
    workerKind: "thread" as const,
    cores: 2,
    startMs: 1000,
    nowMs: 4100,
    fold,
    done: 412,
    total: 1000,
  };

  test("running: the summary line, and a chart drawn from it like a final one", () => {
    const record = liveRunRecord({ ...base, state: "running" });
    assert.equal(summarize(record), "running: 412 of 1,000 items, 3.10 s");
    assert.equal(record.items, 1000);
    assert.equal(record.wallMs, 3100);
    const configs = chartConfigsFor(RUN_MIME, record);
    assert.ok(configs.length >= 1);
  });

  test("an interrupted run says what finished, what was cancelled and what did not run", () => {
    const f = new TaskFold();
    f.add(task(0, 0, 1000, 1100));
    f.add(task(1, 1, 1000, 1200, "cancelled"));
    const record = liveRunRecord({ ...base, fold: f, done: 1, total: 10, state: "interrupted" });
    assert.equal(
      summarizeLive(record),
      "interrupted after 3.10 s: 1 of 10 items done, 1 item cancelled, 8 items not run",
    );
  });

  test("the bundle: record, progress line and HTML, no PNG", () => {
    const data = liveBundle(RUN_MIME, liveRunRecord({ ...base, state: "running" }));
    assert.deepEqual(Object.keys(data).sort(), [RUN_MIME, "text/html", "text/plain"].sort());
    assert.match(data["text/plain"] as string, /^running: 412 of 1,000 items, 3.10 s\n\[█+░+\] 412\/1,000 items/);
  });
});

test("LiveChart: nothing for a short run, then updates in place every 250 ms and the final in place", async () => {
  const sent: { content: DisplayContent; update: boolean }[] = [];
  const sink: OutputSink = {
    afterReply: afterReplyAtOnce,
    stream: () => undefined,
    display: (content, update) => sent.push({ content, update: Boolean(update) }),
    clear: () => undefined,
    result: () => undefined,
  };
  const partial = (): MimeBundle => ({ "text/plain": "running" });
  const short = new LiveChart(sink, partial);
  const shortId = short.finish({ data: { "text/plain": "final" }, metadata: {} });
  // A new output, with an id so that its PNG can complete it later (charts/lazy.ts showChart).
  assert.deepEqual(
    sent.map((s) => [s.content.data["text/plain"], s.update, s.content.transient?.display_id]),
    [["final", false, shortId]],
  );
  assert.match(shortId ?? "", /^[0-9a-f]{16}$/);
  sent.length = 0;
  const long = new LiveChart(sink, partial);
  await new Promise((r) => setTimeout(r, 1200));
  long.finish({ data: { "text/plain": "final" }, metadata: {} });
  const ids = new Set(sent.map((s) => s.content.transient?.display_id));
  assert.equal(ids.size, 1);
  assert.equal(sent[0].update, false);
  assert.ok(sent.slice(1).every((s) => s.update));
  // Shown at 400 ms, then at 650, 900, 1150 (timers may run late on a busy machine, never early).
  assert.ok(sent.length >= 2 && sent.length <= 5, `${sent.length} messages`);
  assert.equal(sent[sent.length - 1].content.data["text/plain"], "final");
  assert.equal(long.updates, sent.length - 1);
});
