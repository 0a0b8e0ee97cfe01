import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseBenchArgs } from "./args";

const IDS = ["kernel", "tiny", "gpu"];

describe("parseBenchArgs", () => {
  const cases: [string[], object][] = [
    [[], { quick: false, full: false, jsonPath: "build/bench.json" }],
    [["--quick"], { quick: true, full: false, jsonPath: "build/bench.json" }],
    [
      ["--full", "--only", "tiny,gpu"],
      { quick: false, full: true, only: ["tiny", "gpu"], jsonPath: "build/bench.json" },
    ],
    [["--json", "/tmp/b.json"], { quick: false, full: false, jsonPath: "/tmp/b.json" }],
  ];
  for (const [argv, expected] of cases) {
    it(`reads ${JSON.stringify(argv)}`, () => assert.deepEqual(parseBenchArgs(argv, IDS), expected));
  }

  it("names unknown options and sections, and missing values", () => {
    assert.throws(() => parseBenchArgs(["--fast"], IDS), /unknown option --fast/);
    assert.throws(
      () => parseBenchArgs(["--only", "tiny,cpu"], IDS),
      /unknown section cpu\. Sections: kernel, tiny, gpu/,
    );
    assert.throws(() => parseBenchArgs(["--only"], IDS), /--only needs a value/);
  });
});
