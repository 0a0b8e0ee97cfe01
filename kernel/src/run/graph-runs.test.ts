import assert from "node:assert/strict";
import { test } from "node:test";
import { batchesByRank, endedRun, reportedRun, unsendableArguments } from "./graph-runs";

test("a reported run keeps the worker's times; a failed one has no result size", () => {
  const o = { nodeId: "f#1", resultBytes: 8, startMs: 10, endMs: 15, cpuMs: 4, waitMs: 1 };
  assert.deepEqual(reportedRun(o, 2), {
    id: "f#1",
    rank: 2,
    startMs: 10,
    endMs: 15,
    cpuMs: 4,
    waitMs: 1,
    status: "ok",
    resultBytes: 8,
    error: undefined,
  });
  const error = { name: "RangeError", message: "bad" };
  assert.equal(reportedRun({ ...o, error }, 0).status, "error");
  assert.equal(reportedRun({ ...o, error }, 0).resultBytes, undefined);
});

test("a run that ended without a report is an error with its cause, or cancelled without one", () => {
  const failed = endedRun("g#2", 1, 100, new Error("worker w1 stopped"));
  assert.equal(failed.status, "error");
  assert.equal(failed.error?.message, "worker w1 stopped");
  assert.ok(failed.endMs >= 100 && failed.cpuMs === 0);
  const cancelled = endedRun("g#3", -1, 100);
  assert.equal(cancelled.status, "cancelled");
  assert.ok(!("error" in cancelled));
});

test("assignments become one batch per rank, in order; unsendable arguments name every task", () => {
  const a = (id: string, rank: number) => ({ id, rank, inputs: [], keep: false });
  const batches = batchesByRank([a("x", 1), a("y", 0), a("z", 1)]);
  assert.deepEqual(
    [...batches].map(([r, b]) => [r, b.map((t) => t.id)]),
    [
      [1, ["x", "z"]],
      [0, ["y"]],
    ],
  );
  const e = unsendableArguments(["x", "z"], new Error("could not be cloned"));
  assert.equal(e.name, "CloneError");
  assert.match(e.message, /the arguments of x, z/);
  assert.match(e.message, /could not be cloned/);
});
