import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BackgroundError,
  clause,
  CloneError,
  GraphCycleError,
  GraphTaskError,
  ResultCloneError,
  TaskAbortedError,
  TaskFailedError,
  WorkerExitError,
} from "./errors";

describe("clause", () => {
  const cases: [string, string][] = [
    ["could not be cloned.", "could not be cloned"],
    ["could not be cloned. ", "could not be cloned"],
    ["no period", "no period"],
    ["and so on...", "and so on..."],
    ["see 1.5", "see 1.5"],
    ["", ""],
  ];
  for (const [text, expected] of cases)
    it(`${JSON.stringify(text)} → ${JSON.stringify(expected)}`, () => assert.equal(clause(text), expected));
});

describe("no message says '..'", () => {
  // Causes as V8 and our own errors word them: whole sentences, ending in a period.
  const sentence = "(x) => x could not be cloned.";
  const ours = `\`the arguments of inc#1\` cannot be cloned to a worker (${sentence}). Create it inside the cell, or pass plain data (numbers, strings, arrays, plain objects, typed arrays, Maps, Sets).`;
  const errors: [string, Error][] = [
    ["CloneError", new CloneError("the arguments of inc#1", sentence)],
    [
      "GraphTaskError with a CloneError cause",
      new GraphTaskError(
        { id: "inc#1", fn: "inc", cellLine: 2, worker: "w0" },
        { name: "CloneError", message: ours },
        { failed: ["inc#1", "inc#3"], skipped: ["inc#2"], finished: 0 },
      ),
    ],
    [
      "WorkerExitError",
      new WorkerExitError(0, {
        exitCode: 7,
        signal: null,
        cause: "the cell called process.exit(7).",
        indices: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      }),
    ],
    ["TaskAbortedError", new TaskAbortedError(new Error("The operation was aborted."))],
    ["TaskFailedError", new TaskFailedError(0, 3, { name: "Error", message: "bad input." })],
    ["ResultCloneError", new ResultCloneError(1, undefined, { path: ".cb", what: "a function", fix: "return data" })],
    ["BackgroundError", new BackgroundError("worker w1", "rejection", { name: "Error", message: "late." })],
    [
      "GraphCycleError",
      new GraphCycleError("compute", [
        { id: "a#1", fn: "a" },
        { id: "b#2", fn: "b", cellLine: 4 },
      ]),
    ],
  ];
  for (const [label, e] of errors) {
    // "..." in code such as `.catch(...)` is an ellipsis, not a doubled period.
    it(label, () => assert.doesNotMatch(e.message, /(?<!\.)\.\.(?!\.)/, e.message));
  }

  it("a long list of task indices is shortened with an ellipsis", () => {
    const e = errors[2][1];
    assert.match(
      e.message,
      /task\(s\) 1, 2, 3, …, 10 \(10 items\)\. Probable cause: the cell called process\.exit\(7\)\. The worker/,
    );
  });
});

describe("WorkerExitError: a worker stopped on purpose says what stopped it, never an exit code", () => {
  const cases: [Parameters<typeof WorkerExitError.stopped>, RegExp][] = [
    [
      [1, "restart", { indices: [3] }],
      /^\[w1\] was stopped while running task\(s\) 3: the pool was restarted \(%workers restart\)\. Its state is lost; run the cell again\.$/,
    ],
    [
      [2, "resize", { spmd: true }],
      /^\[w2\] was stopped while running its part of the SPMD cell: the pool was made smaller \(%workers N\)\./,
    ],
    [[0, "memory"], /^\[w0\] was stopped: the pool was restarted to take a new heap limit \(%workers --memory\)\./],
    [[0, "interrupt"], /^\[w0\] was stopped: the cell was interrupted while the worker started\./],
    [[0, "memory-check"], /^\[w0\] was stopped: the pool would not fit in memory\./],
    [
      [4, "close", { worker: "h:9/w4" }],
      /^\[h:9\/w4\] was stopped: the pool was closed \(the kernel is shutting down\)\./,
    ],
  ];
  for (const [args, expected] of cases) {
    it(args[1], () => {
      const e = WorkerExitError.stopped(...args);
      assert.ok(e instanceof WorkerExitError);
      assert.equal(e.name, "WorkerExitError");
      assert.equal(e.stopReason, args[1]);
      assert.match(e.message, expected);
      assert.doesNotMatch(e.message, /exit code|null|Probable cause/);
    });
  }

  it("a worker that never started says so, without an exit code", () => {
    assert.match(
      WorkerExitError.notStarted(2, false).message,
      /^\[w2\] the worker could not be started: it died 3 times/,
    );
    assert.match(WorkerExitError.notStarted(0, true).message, /^no worker could be started: each died 3 times/);
    assert.doesNotMatch(WorkerExitError.notStarted(0, true).message, /exit code|null/);
  });

  it("a real exit keeps its code or signal, and an unknown code is left out", () => {
    const cause = "the cell called process.exit(3)";
    assert.match(
      new WorkerExitError(1, { exitCode: 3, signal: null, cause }).message,
      /^\[w1\] worker exited \(exit code 3\)\. Probable cause/,
    );
    assert.match(
      new WorkerExitError(1, { exitCode: null, signal: "SIGKILL", cause }).message,
      /worker exited \(signal SIGKILL\)/,
    );
    const unknown = new WorkerExitError(1, { exitCode: null, signal: null, cause });
    assert.match(unknown.message, /^\[w1\] worker exited\. Probable cause/);
    assert.equal(unknown.stopReason, undefined);
  });
});
