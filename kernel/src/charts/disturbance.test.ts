import assert from "node:assert/strict";
import { test } from "node:test";
import { describeDisturbance, readDisturbance } from "./disturbance";
import { sampleRunRecord } from "./fixtures";
import { runUtilizationConfig } from "./run";
import { WAITING_LABEL } from "./waiting";

const run = { wallMs: 700, cores: 2, workers: 2 };

test("a quiet run gets no note", () => {
  assert.equal(describeDisturbance({ otherCores: 0.02, waitedMs: 12, inTaskMs: 1300 }, run), undefined);
  // Other programs busy on the core the workers did not need: the workers did not wait, no note.
  assert.equal(
    describeDisturbance({ otherCores: 0.9, waitedMs: 30, inTaskMs: 700 }, { ...run, workers: 1 }),
    undefined,
  );
});

test("on a quiet machine, paralab's own threads' share of the wait (up to 22% measured) gets no note", () => {
  // CI, quiet: 0.02 cores of other programs, the workers waited 11% of 515 ms in tasks.
  assert.equal(describeDisturbance({ otherCores: 0.016, waitedMs: 55, inTaskMs: 515 }, run), undefined);
  assert.equal(readDisturbance({ otherCores: 0.016, waitedMs: 55, inTaskMs: 515 }, 700).disturbed, false);
  // The same wait while other programs took a core is theirs: disturbed.
  assert.match(
    describeDisturbance({ otherCores: 1.2, waitedMs: 55, inTaskMs: 515 }, run)!,
    /^disturbed: other programs used 1\.2/,
  );
});

test("other programs that kept the workers from their cores are named, with both figures", () => {
  assert.equal(
    describeDisturbance({ otherCores: 1.23, waitedMs: 767, inTaskMs: 1300 }, run),
    "disturbed: other programs used 1.2 of the 2 cores during this run, and the workers waited for a core 59% " +
      "of the time they held a task, so these times measure the machine's load more than the parallelism",
  );
});

test("waiting without other programs is put down to paralab's own threads, not called a disturbance", () => {
  const text = describeDisturbance({ otherCores: 0.05, waitedMs: 300, inTaskMs: 1000 }, run)!;
  assert.match(
    text,
    /^the workers waited for a core 30% of the time they held a task, with little from other programs \(0\.1 cores\)/,
  );
  assert.match(text, /2 workers and the kernel's own thread \(which hands out the tasks\) took turns on 2 cores/);
  assert.doesNotMatch(text, /disturbed/);
});

test("a run too short to read other programs' share from 10 ms ticks says only what the thread clocks know", () => {
  const text = describeDisturbance({ otherCores: 1.5, waitedMs: 40, inTaskMs: 100 }, { ...run, wallMs: 60 })!;
  assert.match(
    text,
    /^the workers waited for a core 40% of the time they held a task: other programs or paralab's own threads/,
  );
  assert.equal(readDisturbance({ otherCores: 1.5, waitedMs: 40, inTaskMs: 100 }, 60).otherCores, undefined);
});

test("less than 10 ms in tasks is too little to judge a share", () => {
  assert.equal(readDisturbance({ otherCores: 1, waitedMs: 5, inTaskMs: 6 }, 300).disturbed, false);
});

test("the run chart shades where the workers waited for a core only when the run was disturbed", () => {
  const base = sampleRunRecord(2, 8);
  const workerSamples = Array.from({ length: 40 }, (_, i) => ({
    tMs: base.startMs + (i + 1) * 5,
    workers: [40, 45],
    waiting: [55, 50],
  }));
  const disturbed = { ...base, workerSamples, disturbance: { otherCores: 1.2, waitedMs: 200, inTaskMs: 380 } };
  const quiet = { ...base, workerSamples, disturbance: { otherCores: 0, waitedMs: 3, inTaskMs: 380 } };
  const labels = (r: typeof base) =>
    (runUtilizationConfig(r).data.datasets as { label?: string }[]).map((d) => d.label);
  assert.ok(labels(disturbed).includes(WAITING_LABEL));
  assert.ok(!labels(quiet).includes(WAITING_LABEL));
  const shaded = (runUtilizationConfig(disturbed).data.datasets as { label?: string; data: { y: number }[] }[]).find(
    (d) => d.label === WAITING_LABEL,
  )!;
  assert.equal(shaded.data[0].y, 52.5);
});
