import * as assert from "node:assert/strict";
import { test } from "node:test";
import { timed, verdictOf } from "./check";

const quiet = { value: 0, wallMs: 900, otherCores: 0.05, disturbed: false };
const busy = { value: 0, wallMs: 900, otherCores: 1.4, disturbed: true };

test("a check passes or fails on its own verdict, in its own words", () => {
  assert.deepEqual(verdictOf("1.1", { passed: true, pass: "right", fail: "wrong" }), {
    exercise: "1.1",
    verdict: "pass",
    message: "right",
    note: undefined,
  });
  assert.equal(verdictOf("1.1", { passed: false, pass: "right", fail: "wrong", timing: quiet }).verdict, "fail");
});

test("a timed check that fails on a busy machine is not judged; one that passes says how busy it was", () => {
  const failed = verdictOf("6.1", { passed: false, pass: "fast", fail: "slow", timing: [quiet, busy] });
  assert.equal(failed.verdict, "not judged");
  assert.match(
    failed.note!,
    /^measured while other programs used 1\.4 of the \d+ cores: run it again on a quieter machine$/,
  );
  const passed = verdictOf("6.1", { passed: true, pass: "fast", fail: "slow", timing: busy });
  assert.equal(passed.verdict, "pass");
  assert.match(passed.note!, /^measured while other programs used 1\.4 of the \d+ cores$/);
});

test("timed returns the work's value and its wall time, and reads the machine over at least 200 ms", async () => {
  const started = Date.now();
  const t = await timed(async () => "done");
  assert.equal(t.value, "done");
  assert.ok(t.wallMs >= 0 && t.wallMs < 100);
  assert.ok(Date.now() - started >= 195, "the machine's load needs 200 ms of /proc/stat ticks");
  assert.equal(typeof t.otherCores, "number");
  await assert.rejects(() => timed(async () => Promise.reject(new Error("boom"))), /boom/);
  await assert.rejects(() => timed(42 as never), /timed: expected a function to time, got number/);
});
