import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskMagics, parseCell } from "./parse";

describe("parseCell", () => {
  it("treats a cell without magics as one code segment", () => {
    assert.deepEqual(parseCell("const x = 1;\nx"), [{ type: "code", code: "const x = 1;\nx", line: 1 }]);
  });

  it("reads a cell magic with its options and body", () => {
    const [seg] = parseCell("%%parallel --workers 2 --map xs\nitem * 2");
    assert.equal(seg.type, "magic");
    assert.deepEqual(seg.type === "magic" && seg.call, {
      kind: "cell",
      name: "parallel",
      argText: "--workers 2 --map xs",
      body: "item * 2",
      bodyLine: 2,
      line: 1,
    });
  });

  it("splits line magics from the code around them, keeping line numbers", () => {
    const segs = parseCell("let a = 1;\n%workers\na + 1");
    assert.deepEqual(
      segs.map((s) => (s.type === "code" ? ["code", s.code, s.line] : ["magic", s.call.name, s.call.line])),
      [
        ["code", "let a = 1;", 1],
        ["magic", "workers", 2],
        ["code", "a + 1", 3],
      ],
    );
  });

  it("refuses a cell magic below the first line, naming the line", () => {
    assert.throws(() => parseCell("const x = 1;\n%%parallel\nrank"), {
      name: "MagicOptionError",
      message: /%%parallel is on line 2 of the cell, but a cell magic must be its first line/,
    });
  });

  it("keeps the raw text after a line magic", () => {
    const [seg] = parseCell("%time [1, 2].map((x) => x * 2)");
    assert.equal(seg.type === "magic" && seg.call.argText, "[1, 2].map((x) => x * 2)");
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
