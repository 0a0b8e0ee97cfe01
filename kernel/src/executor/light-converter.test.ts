import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as ts from "@tslab/typescript-for-tslab";
import { converterModule, sourceDependencies } from "./light-converter";

test("a cell's source dependencies: the .ts files it imports, transitively, without declaration files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-deps-"));
  try {
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
    write("cell.ts", 'import { b } from "./b";\nimport { d } from "./d";\nexport const a = b + d;\n');
    write("b.ts", 'import { c } from "./c";\nexport const b = c + 1;\n');
    write("c.ts", 'import { b } from "./b";\nexport const c = 1;\nexport const cycle = () => b;\n');
    write("d.d.ts", "export declare const d: number;\n");
    write("unused.ts", "export const u = 0;\n");
    const program = ts.createProgram([path.join(dir, "cell.ts"), path.join(dir, "unused.ts")], {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Node10,
    });
    const deps = sourceDependencies(program, program.getSourceFile(path.join(dir, "cell.ts"))!);
    assert.deepEqual(deps.map((f) => path.basename(f)).sort(), ["b.ts", "c.ts", "cell.ts"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the converter on the light builder checks against earlier declarations and reports errors", () => {
  const converter = converterModule().createConverter({ isJS: false, isBrowser: false });
  try {
    const ok = converter.convert("export declare let n: number;", "const twice = n * 2;\ntwice");
    assert.deepEqual(ok.diagnostics, []);
    assert.match(ok.declOutput ?? "", /twice: number/);
    const bad = converter.convert("export declare let n: number;", "const s: string = n;");
    assert.equal(bad.diagnostics.length, 1);
    assert.match(String(bad.diagnostics[0].messageText), /Type 'number' is not assignable to type 'string'/);
  } finally {
    converter.close();
  }
});
