import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { CellExecutor } from "./executor";

// Cells run through the real converter and the real executor, as in the kernel.
let executor: CellExecutor;
before(() => {
  executor = new CellExecutor(process.cwd(), () => ({}));
});
after(() => executor.close());

async function value(src: string): Promise<unknown> {
  return (await executor.execute(src)).value;
}

describe("top-level variables across cells", () => {
  it("later cells see and reassign them, and functions of either cell share the binding", async () => {
    await value("let h = 0; function getH() { return h; }");
    await value("function setH(v: number) { h = v; }");
    assert.equal(await value("h = 42; getH()"), 42);
    assert.equal(await value("setH(7); h"), 7);
    assert.equal(await value("getH()"), 7);
    assert.equal(await value("h++"), 7);
    assert.equal(await value("h += 10; getH()"), 18);
  });

  it("a top-level loop that writes the variable is seen by later cells", async () => {
    await value("let acc = 0; for (let i = 0; i < 1000; i++) { acc = (acc + i * 7) % 1000003; }");
    assert.equal(await value("acc"), 3496500 % 1000003);
    await value("for (let i = 0; i < 10; i++) { acc++; }");
    assert.equal(await value("acc"), (3496500 % 1000003) + 10);
  });

  it("re-running a cell that declares a const redeclares it", async () => {
    assert.equal(await value("const c = 1; c"), 1);
    assert.equal(await value("const c = 2; c"), 2);
    assert.equal(await value("c * 10"), 20);
  });

  it("redeclaring a name leaves the earlier cell's functions with their own variable", async () => {
    await value("let r = 1; function getR() { return r; }");
    await value("let r = 'new';");
    assert.equal(await value("getR()"), 1);
    assert.equal(await value("r"), "new");
  });

  it("re-running imports redefines them", async () => {
    for (let i = 0; i < 2; i++) {
      await value('import { cpus } from "os"; import * as os from "os"; import fs, { readFileSync } from "fs";');
    }
    assert.equal(
      await value("typeof cpus + typeof os.cpus + typeof fs.readFileSync + typeof readFileSync"),
      "function".repeat(4),
    );
  });

  it("type-checks against earlier cells", async () => {
    await value("let n = 1;");
    await assert.rejects(executor.execute('n = "text"'), /Type 'string' is not assignable to type 'number'/);
    assert.equal(await value("n"), 1);
  });

  it("completes names from earlier cells", async () => {
    await value("const completeMeLater = 1;");
    assert.ok(executor.complete("completeMe", 10).matches.includes("completeMeLater"));
  });

  it("assign() replaces a const, value and type", async () => {
    await value("const out = 1;");
    executor.assign("out", [1, 2, 3], "number[]");
    assert.equal(await value("out.length"), 3);
    assert.deepEqual(executor.locals.out, [1, 2, 3]);
  });

  it("a cell that throws before its declaration keeps the earlier binding", async () => {
    await value("let kept = 'old';");
    await assert.rejects(executor.execute("throw new Error('stop'); let kept = 'new';"), /stop/);
    assert.equal(await value("kept"), "old");
  });

  it("keeps the variables object in V8's fast mode after many redefinitions", async () => {
    // The speed of `exports.x` in later cells depends on it (see bindings.ts); `npm run bench`
    // measures the speed itself.
    v8.setFlagsFromString("--allow-natives-syntax");
    const hasFastProperties = vm.runInThisContext("(o) => %HasFastProperties(o)") as (o: object) => boolean;
    for (let i = 0; i < 12; i++) {
      await value(`let fast${i % 4} = ${i}; const again = ${i};`);
      assert.ok(hasFastProperties(executor.locals), `after cell ${i}`);
    }
  });
});

describe("a cell's value is its completion value", () => {
  const cases: [string, unknown][] = [
    ["1 + 1", 2],
    ["let rank = 0; if (rank === 0) { 'sent'; } else { 'got'; }", "sent"],
    ["for (let i = 0; i < 3; i++) i * 2", 4],
    ["let w = 1; if (w) { w++ } else w--;", 1],
    ["1; let notAValue = 2;", 1],
    ["try { throw new Error('x'); } catch { 'caught'; } finally { 'finally'; }", "caught"],
    ["enum Color { Red, Green } Color.Green", 1],
    ["const t = await Promise.resolve(5); t + 1", 6],
    ["'a string'", "a string"],
  ];
  for (const [src, expected] of cases) {
    it(src, async () => assert.deepEqual(await value(src), expected));
  }

  it("awaits a call of a cast at the top level, in a statement, a declaration and a block", async () => {
    // The converter does not report these as top-level await (see awaitsAtTopLevel).
    await value("async function addLater(a: number, b: number) { return a + b }\nconst addAlias = addLater;");
    assert.equal(await value("await (addLater as any)(1, 2)"), 3);
    assert.equal(await value("await (<any>addLater)(1, 2)"), 3);
    assert.equal(await value("const sumLater = await (addAlias as any)(1, 2); sumLater"), 3);
    assert.equal(await value("if (true) { await (addLater as any)(1, 2) }"), 3);
    assert.equal(await value("sumLater + 1"), 4);
  });

  it("has no value when the completion value is undefined", async () => {
    assert.deepEqual(await executor.execute("let none = 1;"), { hasValue: false, value: undefined });
    assert.deepEqual(await executor.execute("1; if (false) {}"), { hasValue: false, value: undefined });
  });

  it("prepare() returns the value on every run", async () => {
    const run = executor.prepare("let k = 0; for (let i = 0; i < 5; i++) k += i; k");
    assert.equal((await run()).value, 10);
    assert.equal((await run()).value, 10);
  });
});

describe("remembered conversions", () => {
  it("a source run again against the same declarations runs again, with its value and side effects", async () => {
    await value("let runs = 0;");
    for (let i = 1; i <= 3; i++) assert.equal(await value("runs += 1; runs"), i);
  });

  it("a cell that imports a local module is checked again after the module changes on disk", async () => {
    const { execFileSync } = await import("node:child_process");
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    // In a process of its own: the converter resolves modules from its working directory, as the
    // kernel's is the notebook's folder.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-recheck-"));
    try {
      fs.writeFileSync(path.join(dir, "shape.js"), "exports.side = 3;\n");
      fs.writeFileSync(path.join(dir, "shape.d.ts"), "export declare const side: number;\n");
      const script = `
        const fs = require("node:fs");
        const { CellExecutor } = require(${JSON.stringify(__filename.replace(/\.test\.js$/, ".js"))});
        const ex = new CellExecutor(process.cwd(), () => ({}));
        const cell = 'import { side } from "./shape";\\nconst area: number = side * side;\\narea';
        (async () => {
          // Twice: the second run is against the declarations the first left, as any later one is.
          await ex.execute(cell);
          const first = (await ex.execute(cell)).value;
          fs.writeFileSync("shape.d.ts", "export declare const side: string;\\n");
          const deadline = Date.now() + 10000;
          let error;
          while (!error && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 250));
            error = await ex.execute(cell).then(() => undefined, (e) => e.message);
          }
          console.log(JSON.stringify({ first, error }));
          process.exit(0);
        })();`;
      const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8" }));
      assert.equal(out.first, 9);
      assert.match(String(out.error), /The left-hand side of an arithmetic operation must be of type/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
