import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOptionsObject } from "./object";
import { OptionSpec } from "./spec";

const specs: OptionSpec[] = [
  { flag: "--workers", type: "int", metavar: "N", help: "pool size", example: "4" },
  { flag: "--no-block", type: "flag", help: "return at once", magicOnly: true },
  { flag: "--schedule", type: "choice", choices: ["dynamic", "static"], help: "scheduling" },
  { flag: "--in", type: "list", metavar: "a,b", help: "variables", example: "a,b" },
  { flag: "--scaling", type: "intList", metavar: "1,2,4", help: "sizes", example: "1,2,4" },
  { flag: "--timeout", type: "number", metavar: "S", help: "seconds" },
  { flag: "--continue-on-error", type: "flag", help: "collect errors" },
  { flag: "--cluster", type: "optionalString", metavar: "URL", help: "cluster", example: "redis://h:6379" },
];

describe("checkOptionsObject", () => {
  it("accepts the fields named after the flags", () => {
    const given = { workers: 2, schedule: "static", in: ["a"], scaling: [1, 2], timeout: 0.5, continueOnError: true };
    assert.deepEqual(checkOptionsObject("parallel.map", given, specs), given);
    for (const cluster of [true, false, "redis://h"])
      assert.deepEqual(checkOptionsObject("parallel.map", { cluster }, specs), { cluster });
  });

  const errors: [unknown, RegExp][] = [
    [{ workers: 0 }, /parallel.map: options.workers must be a positive integer, got 0. Try: \{ workers: 4 \}/],
    [{ worker: 2 }, /unknown option worker. Did you mean workers\?/],
    [{ noBlock: true }, /unknown option noBlock/],
    [{ schedule: "random" }, /options.schedule must be one of dynamic, static, got "random"/],
    [{ in: ["1b"] }, /options.in must be an array of variable names, got \["1b"\]. Try: \{ in: \["a", "b"\] \}/],
    [
      { scaling: [1, 0] },
      /options.scaling must be an array of positive integers. Try|options.scaling must be an array of positive integers, got \[1, 0\]/,
    ],
    [{ timeout: -1 }, /options.timeout must be a positive number, got -1/],
    [{ continueOnError: "yes" }, /options.continueOnError must be true or false/],
    [
      { cluster: "" },
      /options.cluster must be true, false or a non-empty string, got "". Try: \{ cluster: "redis:\/\/h:6379" \}/,
    ],
    [42, /options must be an object such as \{ workers: 4 \}, got 42/],
  ];
  for (const [given, message] of errors) {
    it(`rejects ${JSON.stringify(given)}`, () =>
      assert.throws(() => checkOptionsObject("parallel.map", given as object, specs), {
        name: "MagicOptionError",
        message,
      }));
  }
});
