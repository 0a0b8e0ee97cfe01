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
