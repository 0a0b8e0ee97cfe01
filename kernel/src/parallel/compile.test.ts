import assert from "node:assert/strict";
import { describe, it } from "node:test";
import vm from "node:vm";
import { compileBody, type CompileOptions } from "./compile";

const SPMD: CompileOptions = { contextNames: ["rank", "size"], varNames: [], persistDeclarations: true, bodyLine: 1 };
const MAP: CompileOptions = { contextNames: ["item", "index"], varNames: [], persistDeclarations: false, bodyLine: 1 };

/** Runs a compiled body as a worker does: in its own realm (one per worker), file name "cell". */
async function run(body: string, o: CompileOptions, ctx: object, realm = vm.createContext({})): Promise<unknown> {
  const fn = vm.runInContext(compileBody(body, o).source, realm, { filename: "cell" }) as (ctx: object) => unknown;
  return await fn({ vars: {}, ...ctx });
}

describe("compileBody: a body's value is its completion value", () => {
  it("gives each rank the value of the if branch it took", async () => {
    const body = "if (rank === 0) {\n  const sent = 'sent';\n  sent;\n} else {\n  'got';\n}";
    assert.deepEqual(await Promise.all([0, 1].map((rank) => run(body, SPMD, { rank, size: 2 }))), ["sent", "got"]);
  });

  it("lets an explicit return win", async () => {
    const body = "if (rank === 0) return 'early';\n'late'";
    assert.deepEqual(await Promise.all([0, 1].map((rank) => run(body, SPMD, { rank, size: 2 }))), ["early", "late"]);
  });

  const cases: [string, CompileOptions, object, unknown][] = [
    ["item * 2", MAP, { item: 21, index: 0 }, 42],
    ["if (item % 2) { 'odd'; } else { 'even'; }", MAP, { item: 3, index: 0 }, "odd"],
    ["let s = 0;\nfor (let i = 0; i <= item; i++) { s += i; }", MAP, { item: 4, index: 0 }, 10],
    ["let s = 0;\nfor (let i = 0; i <= item; i++) { s += i; }\ns", MAP, { item: 4, index: 0 }, 10],
    ["try {\n  JSON.parse('{');\n} catch {\n  'bad json';\n}", MAP, { item: 0, index: 0 }, "bad json"],
    ["switch (rank) { case 0: 'zero'; break; default: 'other'; }", SPMD, { rank: 1, size: 2 }, "other"],
    ["const v = await Promise.resolve(rank);\nif (v) { v + 1; }", SPMD, { rank: 1, size: 2 }, 2],
    ["let x = 1;", SPMD, { rank: 0, size: 1 }, undefined],
    ["let $value = 5; $value + 1", MAP, { item: 0, index: 0 }, 6],
    ["enum E { A, B }\nE.B", MAP, { item: 0, index: 0 }, 1],
  ];
  for (const [body, o, ctx, expected] of cases) {
    it(JSON.stringify(body), async () => assert.deepEqual(await run(body, o, ctx), expected));
  }

  it("SPMD declarations persist to the worker's next cell", async () => {
    const realm = vm.createContext({});
    assert.equal(
      await run("let x = rank * 10;\nfunction twice(n: number) { return 2 * n; }", SPMD, { rank: 2, size: 3 }, realm),
      undefined,
    );
    assert.equal(await run("if (x > 0) { twice(x) + 1; }", { ...SPMD, varNames: [] }, { rank: 2, size: 3 }, realm), 41);
  });

  it("SPMD declarations no closure captures are locals while the body runs, published when it ends", async () => {
    const realm = vm.createContext({});
    const body =
      "let n = 0;\nconst during = Object.hasOwn(globalThis, 'n');\nfor (let i = 0; i < 10; i++) n++;\nconst [a, { b }] = [1, { b: 2 }];\n[during, n + a + b]";
    assert.equal(JSON.stringify(await run(body, SPMD, { rank: 0, size: 1 }, realm)), "[false,13]"); // another realm's array
    assert.deepEqual([realm.n, realm.a, realm.b, realm.during], [10, 1, 2, false]);
  });

  it("SPMD declarations a kept function captures stay globals, so later cells see its changes", async () => {
    const realm = vm.createContext({});
    await run("let count = 0;\nfunction bump() { return ++count; }", SPMD, { rank: 0, size: 1 }, realm);
    vm.runInContext("bump(); bump();", realm);
    assert.equal(realm.count, 2);
    assert.equal(await run("count", SPMD, { rank: 0, size: 1 }, realm), 2);
  });

  it("SPMD declarations are published when the body throws or returns early", async () => {
    const realm = vm.createContext({});
    await assert.rejects(run("const before = 1;\nthrow new Error('boom');", SPMD, { rank: 0, size: 1 }, realm), /boom/);
    assert.equal(realm.before, 1);
    assert.equal(
      await run("const x = 1;\nif (rank === 0) return 'early';\nx", SPMD, { rank: 0, size: 1 }, realm),
      "early",
    );
    assert.equal(realm.x, 1);
  });

  it("maps a traceback's line to the cell's line", async () => {
    const body =
      "let a = 1;\nif (a) {\n  for (let i = 0; i < 2; i++) {\n    if (i === 1) throw new Error('boom');\n  }\n}";
    // The body starts on the cell's second line (bodyLine is 1-based).
    const compiled = compileBody(body, { ...MAP, bodyLine: 2 });
    const fn = vm.runInNewContext(compiled.source, {}, { filename: "cell" }) as (ctx: object) => unknown;
    const error = (() => {
      try {
        fn({ vars: {}, item: 0, index: 0 });
      } catch (e) {
        return e as Error;
      }
    })();
    const line = Number(/\bcell:(\d+)/.exec(error?.stack ?? "")?.[1]);
    // The throw is on the body's 4th line, so on the cell's 5th.
    assert.equal(compiled.cellLine(line), 5);
  });
});
