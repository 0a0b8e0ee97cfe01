import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOptionsObject } from "../options/object";
import { parseOptions, splitWords } from "../options/words";
import { GPU_OPTIONS, planGpu } from "./plan";

const magic = (options: string, body = "return 1;") =>
  planGpu({ caller: "%%gpu", body, bodyLine: 2 }, parseOptions("%%gpu", splitWords(options), GPU_OPTIONS));

describe("planGpu", () => {
  it("plans a cell with its defaults", () => {
    const plan = magic("--output 4,2 --in a,b --constants n=3");
    assert.deepEqual(
      {
        output: plan.output,
        params: plan.params,
        mode: plan.mode,
        constants: plan.constants,
        precision: plan.precision,
      },
      { output: [4, 2], params: ["a", "b"], mode: "auto", constants: { n: 3 }, precision: "single" },
    );
  });

  const bad: [string, RegExp][] = [
    ["--in a", /%%gpu: --output is required: the size of the result. Try: %%gpu --output 512,512/],
    ["--output 0", /--output must be a comma-separated list of positive integers, got "0"/],
    ["--output -4,2", /--output must be a comma-separated list of positive integers/],
    ["--output 2,2,2,2", /--output takes 1 to 3 dimensions, got 4 \(2,2,2,2\)/],
    ["--output 100000,100000", /--output 100000,100000 is 10000000000 elements, more than the limit/],
    ["--output 4 --mode webgl", /--mode must be one of auto, gpu, webgpu, headlessgl, webasm, cpu, got "webgl"/],
    ["--output 4 --in a,a", /--in lists a twice/],
    ["--output 4 --precision double", /--precision must be one of single, unsigned/],
  ];
  for (const [options, message] of bad) {
    it(`refuses ${options} before gpu.js loads`, () =>
      assert.throws(() => magic(options), { name: "MagicOptionError", message }));
  }

  it("refuses an empty body", () => assert.throws(() => magic("--output 4", "  "), /the kernel has no body/));

  it("plans gpu.kernel's options object with the same rules", () => {
    const options = checkOptionsObject("gpu.kernel", { output: [8], mode: "cpu" }, GPU_OPTIONS);
    const plan = planGpu({ caller: "gpu.kernel", body: "return 1;", bodyLine: 1, params: ["a"] }, options);
    assert.deepEqual([plan.output, plan.mode, plan.params], [[8], "cpu", ["a"]]);
    assert.throws(
      () => planGpu({ caller: "gpu.kernel", body: "return 1;", bodyLine: 1 }, {}),
      /gpu.kernel: options.output is required/,
    );
    assert.throws(() => checkOptionsObject("gpu.kernel", { in: ["a"] }, GPU_OPTIONS), /unknown option in/);
  });
});
