import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as ts from "typescript";
import { GPU_THIS_DECL, wrapBodyForTypeCheck } from "./this-decl";

/** Semantic diagnostics of one in-memory file. */
function check(code: string): string[] {
  const fileName = "/cell.ts";
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => (f === fileName ? code : readFile(f));
  host.fileExists = (
    (exists) => (f: string) =>
      f === fileName || exists(f)
  )(host.fileExists.bind(host));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, v) => (f === fileName ? ts.createSourceFile(f, code, v) : getSourceFile(f, v));
  const program = ts.createProgram([fileName], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === fileName)
    .map(
      (d) =>
        `${d.file!.getLineAndCharacterOfPosition(d.start!).line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
}

describe("GPU_THIS_DECL", () => {
  it("types this.thread, this.output and this.constants", () => {
    const body =
      "let sum = 0;\nfor (let i = 0; i < this.constants.n; i++) sum += a[this.thread.y][i] * this.output.x;\nreturn sum;";
    assert.deepEqual(check(GPU_THIS_DECL + wrapBodyForTypeCheck(body, ["a"], ["number[][]"])), []);
  });

  it("reports misuse on the body line after the header", () => {
    const body = "let s = 0;\nreturn this.thread.w + s;";
    const diagnostics = check(GPU_THIS_DECL + GPU_THIS_DECL + wrapBodyForTypeCheck(body, ["a"]));
    assert.equal(diagnostics.length, 1);
    // lines: 0 and 1 the two declarations, 2 the header, 3 the body's first line
    assert.match(diagnostics[0], /^4: Property 'w' does not exist/);
  });
});
