import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskMagics, parseCell, splitArgs } from "./parse";

describe("parseCell", () => {
  it("treats a cell without magics as one code segment", () => {
    assert.deepEqual(parseCell("const x = 1;\nx"), [{ type: "code", code: "const x = 1;\nx", line: 0 }]);
  });

  it("reads a cell magic with its options and body", () => {
    const [seg] = parseCell("%%parallel --workers 2 --map xs\nitem * 2");
    assert.equal(seg.type, "magic");
    assert.deepEqual(seg.type === "magic" && seg.call, {
      kind: "cell",
      name: "parallel",
      args: ["--workers", "2", "--map", "xs"],
      argText: "--workers 2 --map xs",
      body: "item * 2",
      bodyLine: 1,
      line: 0,
    });
  });

  it("splits line magics from the code around them, keeping line numbers", () => {
    const segs = parseCell("let a = 1;\n%workers\na + 1");
    assert.deepEqual(
      segs.map((s) => (s.type === "code" ? ["code", s.code, s.line] : ["magic", s.call.name, s.call.line])),
      [
        ["code", "let a = 1;", 0],
        ["magic", "workers", 1],
        ["code", "a + 1", 2],
      ],
    );
  });

  it("keeps the raw text after a line magic", () => {
    const [seg] = parseCell("%time [1, 2].map((x) => x * 2)");
    assert.equal(seg.type === "magic" && seg.call.argText, "[1, 2].map((x) => x * 2)");
  });
});

describe("splitArgs", () => {
  const table: [string, string[]][] = [
    ["--a 1 --b two", ["--a", "1", "--b", "two"]],
    [`--title "two words" --x 'y z'`, ["--title", "two words", "--x", "y z"]],
    [String.raw`a\ b`, ["a b"]],
    ["  ", []],
    ["--map [1, 2, 3] --as x", ["--map", "[1, 2, 3]", "--as", "x"]],
    ["--map ['a b', \"c\"]", ["--map", "['a b', \"c\"]"]],
    ["--map Array.from({ length: 8 }, (_, i) => i)", ["--map", "Array.from({ length: 8 }, (_, i) => i)"]],
  ];
  for (const [input, expected] of table) {
    it(`splits ${JSON.stringify(input)}`, () => assert.deepEqual(splitArgs(input), expected));
  }

  it("rejects an unterminated quote", () => {
    assert.throws(() => splitArgs('--title "oops'), /unterminated " quote in the magic's options/);
  });
});

describe("maskMagics", () => {
  it("blanks magic lines but keeps offsets", () => {
    const cell = "%%parallel --workers 2\nMath.ma";
    const masked = maskMagics(cell);
    assert.equal(masked.length, cell.length);
    assert.equal(masked, " ".repeat(22) + "\nMath.ma");
  });

  it("keeps the code of %time and %timeit visible", () => {
    assert.equal(maskMagics("%timeit -n 3 Math.max(1)"), " ".repeat(13) + "Math.max(1)");
  });
});
