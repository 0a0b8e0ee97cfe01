import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rewriteCellScript } from "./cell-script";

describe("rewriteCellScript: awaits", () => {
  // Emitted JavaScript → whether the cell function must be async.
  const cases: [string, boolean][] = [
    ["exports.tsLastExpr = await exports.ff(1, 2);", true],
    ["exports.tsLastExpr = await (exports.g || exports.ff)(1, 2);", true],
    ["await (exports.ff)(1, 2);", true],
    ["const r = await (p);\nexports.r = r;", true],
    ["if (true) {\n    await (exports.g || exports.ff)(1, 2);\n}", true],
    ["for await (const x of exports.xs) { }", true],
    ["class A {\n    [await exports.key]() { }\n}", true],
    ["exports.tsLastExpr = exports.ff(1, 2);", false],
    ["async function g() { await (exports.ff)(1, 2); }", false],
    ["const h = async () => await (exports.ff)(1, 2);", false],
    [
      "class A {\n    x = (async () => await exports.p)();\n    static { }\n    async m() { await (exports.p); }\n}",
      false,
    ],
  ];
  for (const [js, awaits] of cases) {
    it(`${JSON.stringify(js)} → ${awaits}`, () => {
      assert.equal(rewriteCellScript(js, "tsLastExpr").awaits, awaits);
    });
  }

  it("keeps a parenthesized await operand an await, so the body runs in an async function", async () => {
    const cell = rewriteCellScript("exports.tsLastExpr = await (exports.g || exports.ff)(1, 2);", "tsLastExpr");
    const run = new Function(
      "exports",
      `return (async function () { ${cell.body}\nreturn ${cell.value}; var ${cell.value}; })();`,
    ) as (e: object) => Promise<unknown>;
    assert.equal(await run({ ff: async (a: number, b: number) => a + b }), 3);
  });
});
