import assert from "node:assert/strict";
import { test } from "node:test";
import { CellOutput, DEFAULT_OUTPUT_LIMITS, OutputLimits, OutputTimers, outputLimitsFrom } from "./cell-output";

/** Timers that fire only when the test says time has passed. */
function manualTimers(): OutputTimers & { fire(): void; pending(): number } {
  const waiting = new Set<() => void>();
  return {
    set: (fn) => {
      waiting.add(fn);
      return fn;
    },
    clear: (handle) => void waiting.delete(handle as () => void),
    fire: () => {
      const due = [...waiting];
      waiting.clear();
      for (const fn of due) fn();
    },
    pending: () => waiting.size,
  };
}

function recorder(limits: Partial<OutputLimits> = {}) {
  const sent: { type: string; content: Record<string, unknown> }[] = [];
  const timers = manualTimers();
  const out = new CellOutput(
    (type, content) => sent.push({ type, content: content as Record<string, unknown> }),
    7,
    { ...DEFAULT_OUTPUT_LIMITS, ...limits },
    timers,
  );
  const streams = () => sent.filter((m) => m.type === "stream").map((m) => `${m.content.name}:${m.content.text}`);
  return { out, sent, timers, streams };
}

test("lines printed in a burst leave as one stream message when the flush timer fires", () => {
  const { out, sent, timers, streams } = recorder();
  for (let i = 0; i < 1000; i++) out.stream("stdout", `line ${i}\n`);
  assert.equal(sent.length, 0);
  timers.fire();
  assert.equal(sent.length, 1);
  assert.equal(streams()[0].split("\n").length, 1001);
});

test("pending text leaves at once when it reaches the chunk size, without waiting for the timer", () => {
  const { out, sent } = recorder({ chunkBytes: 100 });
  for (let i = 0; i < 30; i++) out.stream("stdout", "0123456789");
  assert.equal(sent.length, 3);
  assert.ok(sent.every((m) => (m.content.text as string).length === 100));
});

test("stdout and stderr keep their order: switching streams sends what waits first", () => {
  const { out, timers, streams } = recorder();
  out.stream("stdout", "a\n");
  out.stream("stdout", "b\n");
  out.stream("stderr", "oops\n");
  out.stream("stdout", "c\n");
  timers.fire();
  assert.deepEqual(streams(), ["stdout:a\nb\n", "stderr:oops\n", "stdout:c\n"]);
});

test("a display, a result and the cell's end each send the text printed before them first", () => {
  const { out, sent } = recorder();
  out.stream("stdout", "before display\n");
  out.display({ data: { "text/plain": "d" }, metadata: {} });
  out.stream("stdout", "before result\n");
  out.result({ "text/plain": "42" });
  out.stream("stdout", "after result\n");
  out.close();
  assert.deepEqual(
    sent.map((m) => m.type),
    ["stream", "display_data", "stream", "execute_result", "stream"],
  );
  assert.equal(sent[3].content.execution_count, 7);
  assert.equal(out.resultText, "42");
});

test("a flood is cut at the limit on a line boundary, and the dropped bytes and lines are counted at the end", () => {
  const { out, sent, streams } = recorder({ streamLimitBytes: 1000 });
  const line = "x".repeat(99) + "\n";
  for (let i = 0; i < 50; i++) out.stream("stdout", line);
  out.close();
  const shown = streams()
    .filter((s) => s.startsWith("stdout:"))
    .join("");
  assert.equal(shown, "stdout:" + line.repeat(10));
  const notes = sent.filter((m) => m.content.name === "stderr").map((m) => m.content.text as string);
  assert.equal(notes.length, 2);
  assert.match(notes[0], /printed more than 1\.0 kB: the rest of its printed output is dropped/);
  assert.match(
    notes[1],
    /4\.0 kB of this cell's printed output \(40 lines\) were not shown: it passed the limit of 1\.0 kB per cell\. .*PARALAB_OUTPUT_LIMIT_MB=64/,
  );
});

test("one huge print is cut at the last line that fits", () => {
  const { out, streams } = recorder({ streamLimitBytes: 1000 });
  out.stream("stdout", ("y".repeat(249) + "\n").repeat(10));
  out.close();
  assert.equal(streams()[0], "stdout:" + ("y".repeat(249) + "\n").repeat(4));
});

test("a line that does not fit whole is not shown in part, unless it alone is longer than the limit", () => {
  const partial = recorder({ streamLimitBytes: 1000 });
  partial.out.stream("stdout", "a".repeat(599) + "\n");
  partial.out.stream("stdout", "b".repeat(599) + "\n");
  partial.out.close();
  assert.equal(partial.streams()[0], "stdout:" + "a".repeat(599) + "\n");
  const giant = recorder({ streamLimitBytes: 1000 });
  giant.out.stream("stdout", "c".repeat(5000));
  giant.out.close();
  assert.equal(giant.streams()[0], "stdout:" + "c".repeat(1000));
});

test("a cell that stays within the limits ends without a note", () => {
  const { out, sent } = recorder({ streamLimitBytes: 1000, displayLimit: 3 });
  out.stream("stdout", "x".repeat(1000));
  for (let i = 0; i < 3; i++) out.display({ data: { "text/plain": String(i) }, metadata: {} });
  out.close();
  assert.ok(!sent.some((m) => /paralab/.test(String(m.content.text))));
});

test("displays past the limit are dropped and counted, and the end says how to update one in place", () => {
  const { out, sent } = recorder({ displayLimit: 2 });
  for (let i = 0; i < 5; i++) out.display({ data: { "text/plain": String(i) }, metadata: {} });
  out.clear(true);
  out.close();
  assert.equal(sent.filter((m) => m.type === "display_data").length, 2);
  assert.equal(sent.filter((m) => m.type === "clear_output").length, 0);
  assert.match(String(sent.at(-1)!.content.text), /4 displays of this cell were not shown: .*\(display\.update/);
});

test("many updates of one display merge into its newest state", () => {
  const { out, sent, timers } = recorder();
  for (let i = 0; i <= 500; i++)
    out.display({ data: { "text/plain": `${i}%` }, metadata: {}, transient: { display_id: "bar" } }, true);
  out.display({ data: { "text/plain": "other" }, metadata: {}, transient: { display_id: "other" } }, true);
  timers.fire();
  const updates = sent.filter((m) => m.type === "update_display_data");
  assert.deepEqual(
    updates.map((m) => (m.content.data as Record<string, string>)["text/plain"]),
    ["500%", "other"],
  );
  assert.equal(timers.pending(), 0);
});

test("the environment sets the text limit in megabytes; a bad value warns and keeps the default", () => {
  assert.equal(outputLimitsFrom({ PARALAB_OUTPUT_LIMIT_MB: "64" }, assert.fail).streamLimitBytes, 64_000_000);
  assert.equal(outputLimitsFrom({}, assert.fail), DEFAULT_OUTPUT_LIMITS);
  const warnings: string[] = [];
  assert.equal(
    outputLimitsFrom({ PARALAB_OUTPUT_LIMIT_MB: "lots" }, (w) => warnings.push(w)),
    DEFAULT_OUTPUT_LIMITS,
  );
  assert.match(
    warnings[0],
    /PARALAB_OUTPUT_LIMIT_MB must be a positive number of megabytes, got "lots"; using 4\.0 MB/,
  );
});

test("work after the reply runs only when the handler finishes the cell, and what it updates leaves at once", async () => {
  const { out, sent, timers } = recorder();
  const ran: string[] = [];
  out.display({ data: { "text/plain": "chart" }, metadata: {}, transient: { display_id: "d1" } });
  out.afterReply(async () => {
    ran.push("png");
    out.display(
      { data: { "text/plain": "chart", "image/png": "iVBO" }, metadata: {}, transient: { display_id: "d1" } },
      true,
    );
  });
  out.close();
  assert.deepEqual(ran, []);
  await out.finishAfterReply();
  assert.deepEqual(ran, ["png"]);
  assert.equal(timers.pending(), 0);
  assert.deepEqual(
    sent.map((m) => m.type),
    ["display_data", "update_display_data"],
  );
  assert.equal((sent[1].content.data as Record<string, unknown>)["image/png"], "iVBO");
});

test("a failure after the reply is said on stderr, and later work still runs", async () => {
  const { out, streams } = recorder();
  const ran: string[] = [];
  out.afterReply(() => {
    throw new Error("canvas gone");
  });
  out.afterReply(() => void ran.push("second"));
  await out.finishAfterReply();
  assert.deepEqual(ran, ["second"]);
  assert.match(streams().join(""), /stderr:\n\[paralab\] finishing this cell's output failed: canvas gone/);
});

test("work handed over after the cell has finished runs at once (an interrupted cell's run ends later)", async () => {
  const { out, sent } = recorder();
  await out.finishAfterReply();
  out.afterReply(() =>
    out.display({ data: { "image/png": "iVBO" }, metadata: {}, transient: { display_id: "d" } }, true),
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    sent.map((m) => m.type),
    ["update_display_data"],
  );
});
