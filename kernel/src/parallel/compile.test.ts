import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as vm from "node:vm";
import { compileBody } from "./compile";

/** Runs a compiled SPMD body in a fresh sloppy-mode context, as a worker does; returns its value and globals. */
function run(body: string, context: vm.Context = vm.createContext({})): { value: unknown; context: vm.Context } {
  const compiled = compileBody(body, { contextNames: ["rank"], varNames: [], persistDeclarations: true, bodyLine: 2 });
  const fn = vm.runInContext(compiled.source, context) as (ctx: unknown) => unknown;
  return { value: fn({ rank: 0, vars: {} }), context };
}

test("SPMD declarations: uncaptured names are locals while the body runs, published when it ends", () => {
  const { value, context } = run(
    "let n = 0;\nfor (let i = 0; i < 10; i++) n++;\nconst [a, { b }] = [1, { b: 2 }];\nn + a + b",
  );
  assert.equal(value, 13);
  assert.deepEqual([context.n, context.a, context.b], [10, 1, 2]);
  // the loop ran on a local: nothing was visible on the global object before the end
  const seen = run("let n = 0;\nconst during = Object.hasOwn(globalThis, 'n');\nn++;\nduring").value;
  assert.equal(seen, false);
});

test("SPMD declarations: names a kept function captures stay globals, so later cells see its changes", () => {
  const { context } = run("let count = 0;\nfunction bump() { return ++count; }\ncount");
  vm.runInContext("bump(); bump();", context);
  assert.equal(context.count, 2);
});

test("SPMD declarations are published when the body throws or returns early", () => {
  const context = vm.createContext({});
  assert.throws(() => run("const before = 1;\nthrow new Error('boom');", context), /boom/);
  assert.equal(context.before, 1);
  assert.equal(run("const x = 1;\nif (rank === 0) return 'early';\nx", context).value, "early");
  assert.equal(context.x, 1);
});
