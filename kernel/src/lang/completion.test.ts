import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import vm from "node:vm";
import * as ts from "@tslab/typescript-for-tslab";
import { completionEdits } from "./completion";
import { applyEdits, uniqueName } from "./edits";

/** The snippet instrumented and run as a function body, as cells run. */
function runInstrumented(js: string): unknown {
  const file = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const name = uniqueName("$value", js);
  const body = applyEdits(js, completionEdits(file.statements, { name }));
  assert.equal(body.split("\n").length, js.split("\n").length, "the rewrite keeps line numbers");
  return vm.runInNewContext(`(function () { let ${name}; ${body}\nreturn ${name}; })()`);
}

/** What the snippet's completion value really is: a script's, which is eval's. */
function completionValue(js: string): unknown {
  return vm.runInNewContext(js);
}

// Each snippet is checked against the engine itself, not against a hand-written expectation.
const SNIPPETS: Record<string, string[]> = {
  "expression statements and declarations": [
    "1; 2",
    "1; let x = 2;",
    "1; var y = 2;",
    "1; function f() { return 5 }",
    "1; class A {}",
    "1; { }",
    "1; ;",
    "'str'",
    "'use strict'; 1",
    "let q = 1; q++",
    "(function () { 7; return 1; })(); [1, 2].map((x) => { x; })",
    "typeof notDeclaredAnywhere",
  ],
  "if / else": [
    "1; if (true) {}",
    "1; if (false) 2",
    "1; if (true) 2; else 3",
    "if (false) 2; else if (true) 3",
    "1; if (false) 2; else if (false) 3",
    "1; if (true) { 2; let z = 1; }",
    "let rank = 0; if (rank === 0) { 'sent'; } else { 'got'; }",
    "let rank = 1; if (rank === 0) { 'sent'; } else { 'got'; }",
    "if (true) if (false) 1",
    "if (true) for (let i = 0; i < 2; i++) i;",
  ],
  loops: [
    "let i = 0; while (i < 3) i++",
    "let i = 0; while (i < 3) { i++; }",
    "1; while (false) {}",
    "1; for (;;) { break; }",
    "1; for (;;) { 2; break; }",
    "for (let i = 0; i < 3; i++) { i * 10; }",
    "for (let i = 0; i < 3; i++) { if (i === 1) continue; i; }",
    "for (let i = 0; i < 3; i++) { i; if (i === 2) continue; }",
    "for (const k in { a: 1, b: 2 }) k",
    "for (const v of [1, 2, 3]) v * 2",
    "let n = 0; do { n++; 'do' + n; } while (n < 2)",
    "1; do { break; } while (true)",
    "1; do { 2; if (true) break; } while (true)",
    "for (let i = 0; i < 2; i++) if (i) 'one';",
    "for (let i = 0; i < 2; i++) if (i === 0) 'zero';",
    "for (let i = 0; i < 2; i++) for (let j = 0; j < i; j++) 'inner' + i + j;",
    "for (let i = 0; i < 3; i++) { for (let j = 0; j < 2 - i; j++) 'inner' + i + j; }",
    "let h = 0; for (let i = 0; i < 1000; i++) { h = (h + i * 7) % 1000003; } h",
    "let h = 0; for (let i = 0; i < 1000; i++) { h = (h + i * 7) % 1000003; }",
  ],
  "labels, break and continue": [
    "x: 1",
    "1; foo: { 2; break foo; }",
    "1; foo: { break foo; }",
    "a: { 1; if (true) break a; 2 }",
    "1; foo: bar: for (;;) { 3; break foo; }",
    "outer: for (let i = 0; i < 2; i++) { for (let j = 0; j < 2; j++) { 'ij' + i + j; continue outer; } }",
    "outer: for (let i = 0; i < 2; i++) { for (;;) { continue outer; } }",
    "let c = 0; while (c < 2) foo: if (c++ === 0) 'first';",
    "let c = 0; lbl: while (c < 3) { c++; if (c === 1) continue lbl; 'at' + c; }",
  ],
  switch: [
    "switch (2) { case 1: 'one'; case 2: 'two'; case 3: 'three'; break; default: 'd'; }",
    "1; switch (5) { case 1: 'one'; }",
    "switch (1) { case 1: 'one'; break; case 2: 'two' }",
    "switch (9) { case 1: 'one'; default: 'dflt'; case 2: 'two' }",
    "for (let i = 0; i < 2; i++) switch (i) { case 0: 'zero'; break; case 1: }",
  ],
  "try / catch / finally": [
    "1; try { 2 } catch (e) { 3 }",
    "1; try { 2; throw 0 } catch (e) { }",
    "try { 2; throw 0 } catch (e) { 3 }",
    "try { 2; throw 0 } catch { 'c'; } finally { 'f'; }",
    "1; try { } finally { 2 }",
    "try { 'a' } finally { 'b' }",
    "for (;;) { try { 1; break; } finally { 2; } }",
    "for (;;) { try { 1 } finally { 2; break; } }",
    "let k = 0; while (k < 3) { k++; try { if (k === 2) continue; k; } finally { 'fin'; } }",
    "while (true) { try { 'x'; break; } finally { try { 'inner'; } finally { 'innerfin'; } } }",
    "for (const s of ['a', 'b']) { try { s; } finally { if (s === 'b') { 'last'; break; } } }",
  ],
  "with (sloppy scripts)": ["var o = { a: 1 }; 0; with (o) { a }", "1; with ({}) {}"],
};

describe("completionEdits gives eval's completion value", () => {
  for (const [group, snippets] of Object.entries(SNIPPETS)) {
    it(group, () => {
      for (const js of snippets) {
        assert.equal(inspect(runInstrumented(js)), inspect(completionValue(js)), js);
      }
    });
  }

  it("keeps the code's lines where they were", () => {
    const js = "let a = 0;\nif (a) {\n  a;\n} else\n  for (;;)\n    if (a) break; else a++;\na";
    assert.equal(runInstrumented(js), completionValue(js));
  });

  it("does not count what the caller marks as bookkeeping", () => {
    const js = "1; bookkeeping(); 2; bookkeeping();";
    const file = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
    const isValue = (s: ts.ExpressionStatement) => !/^bookkeeping/.test(s.getText());
    const body = applyEdits(js, completionEdits(file.statements, { name: "v", isValue }));
    assert.equal(
      vm.runInNewContext(`(function () { let v; function bookkeeping() { return 'no'; } ${body} return v; })()`),
      2,
    );
  });

  it("treats what TypeScript emits for enums, namespaces and decorated classes as declarations", () => {
    const source = "1;\nenum E { A }\nnamespace N { export const z = 1; }\nfunction dec(c: any) {}\n@dec class D {}";
    const js = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None, experimentalDecorators: true },
    }).outputText;
    // A declaration's completion is empty in the source, so the value stays 1.
    assert.equal(runInstrumented(js), 1);
  });

  it("keeps the value of a hand-written function call that looks a little like an enum", () => {
    assert.equal(runInstrumented("let a = 0; (function (n) { return n + 1; })(a || 41)"), 42);
  });

  it("does not instrument nested functions and classes", () => {
    const js = "function f() { 'inside'; } class C { m() { 'method'; } } f(); new C().m(); 5";
    assert.equal(runInstrumented(js), 5);
    const out = applyEdits(
      js,
      completionEdits(ts.createSourceFile("c.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS).statements, {
        name: "v",
      }),
    );
    assert.match(out, /\{ 'inside'; \}/);
    assert.match(out, /\{ 'method'; \}/);
  });
});
