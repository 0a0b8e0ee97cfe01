import assert from "node:assert/strict";
import { describe, it } from "node:test";
import ts from "typescript";
import type { KernelCode } from "../executor/kernel-code";
import { checkOptionsObject } from "../options/object";
import { parseOptions } from "../options/words";
import { PARALLEL_OPTIONS } from "./parallel-options";
import { planParallel, type ParallelPlan, type PoolDefaults } from "./plan";
import { prepareJob, type GivenItems } from "./prepare";
import { mapExprAtSize } from "./weak";

const LOCAL: PoolDefaults = { size: 2, kind: "thread" };

function magic(words: string): ParallelPlan {
  const o = parseOptions("%%parallel", words.split(" ").filter(Boolean), PARALLEL_OPTIONS);
  return { ...planParallel({ caller: "%%parallel", body: "item", bodyLine: 2 }, o, LOCAL), typecheck: false };
}

function api(caller: "parallel.map" | "parallel.spmd", options: object): ParallelPlan {
  const o = checkOptionsObject(caller, options, PARALLEL_OPTIONS);
  return planParallel({ caller, body: "f(item)", bodyLine: 1 }, o, LOCAL);
}

/** A kernel that runs snippets as JavaScript (types stripped) and remembers them. */
function fakeKernel(): KernelCode & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    locals: {},
    assign: () => undefined,
    convert: () => undefined,
    prepare: () => () => Promise.reject(new Error("unused")),
    execute: (source: string) => {
      ran.push(source);
      const js = ts.transpile(source, { target: ts.ScriptTarget.ES2022 });
      return Promise.resolve({ value: (0, eval)(js) as unknown } as never);
    },
  };
}

describe("--weak: planned with --scaling, or a clear error naming both", () => {
  it("plans weak scaling in both forms", () => {
    assert.equal(magic("--map xs --scaling 1,2 --weak").weak, true);
    assert.equal(magic("--map xs --scaling 1,2").weak, false);
    assert.equal(api("parallel.spmd", { scaling: [1, 2], weak: true }).weak, true);
  });
  const errors: [() => unknown, RegExp][] = [
    [
      () => magic("--weak"),
      /%%parallel: --weak makes --scaling grow the work .*add --scaling \(e\.g\. %%parallel --scaling 1,2,4 --weak\), or drop --weak\./,
    ],
    [() => magic("--map xs --compare --weak"), /--weak makes --scaling grow the work with the workers; add --scaling/],
    [
      () => api("parallel.map", { weak: true }),
      /parallel\.map: options\.weak makes options\.scaling grow .*\{ scaling: \[1, 2, 4\], weak: true \}/,
    ],
    [
      () => api("parallel.spmd", { weak: true, repeat: 2 }),
      /options\.repeat repeats the timed passes|options\.weak makes options\.scaling/,
    ],
  ];
  for (const [plan, message] of errors) {
    it(`rejects ${message.source.slice(0, 60)}`, () => assert.throws(plan, { name: "MagicOptionError", message }));
  }
});

describe("the --map expression at each pool size", () => {
  it("binds size around the expression", () => {
    assert.equal(mapExprAtSize("xs.slice(0, size)", 4), "((size: number) => (xs.slice(0, size)))(4)");
  });

  const cases: [string, string, number[], number | undefined][] = [
    ["4 items per worker", "Array.from({ length: 4 * size }, (_, i) => i)", [1, 2, 4], undefined],
    ["a range of size × 3", "[...Array(3 * size).keys()]", [2, 4], undefined],
  ];
  for (const [name, expr, sizes] of cases) {
    it(`${name}: evaluated once per size`, async () => {
      const kernel = fakeKernel();
      const plan = { ...magic(`--scaling ${sizes.join(",")} --weak`), mode: "map" as const, mapExpr: expr };
      const job = await prepareJob(plan, kernel, []);
      assert.deepEqual(job.warnings, []);
      const per = expr.includes("4 * size") ? 4 : 3;
      assert.equal(job.items!.length, per * Math.min(...sizes), "the smallest size's items");
      for (const n of sizes) assert.equal((await job.itemsFor!(n)).length, per * n);
    });
  }

  it("strong scaling evaluates the expression as written, once", async () => {
    const kernel = fakeKernel();
    const plan = { ...magic("--scaling 1,2"), mode: "map" as const, mapExpr: "[1, 2, 3]" };
    const job = await prepareJob(plan, kernel, []);
    assert.equal(job.itemsFor, undefined);
    assert.deepEqual(kernel.ran, ["[1, 2, 3]"]);
  });

  it("warns when the expression does not use size (the work would not grow)", async () => {
    const plan = { ...magic("--scaling 1,2 --weak"), mode: "map" as const, mapExpr: "[1, 2, 3]" };
    const job = await prepareJob(plan, fakeKernel(), []);
    assert.equal(job.warnings.length, 1);
    assert.match(
      job.warnings[0],
      /--weak: the --map expression \[1, 2, 3\] does not use size .* does not grow with the workers/,
    );
  });

  it("a failing expression names the size", async () => {
    const plan = { ...magic("--scaling 1,2 --weak"), mode: "map" as const, mapExpr: "nope(size)" };
    await assert.rejects(
      prepareJob(plan, fakeKernel(), []),
      /--map nope\(size\) could not be evaluated in the kernel with size = 1/,
    );
  });

  const apiCases: [string, object, GivenItems, RegExp | number][] = [
    ["a function of the size, with weak", { scaling: [1, 2], weak: true }, (n: number) => Array(4 * n).fill(1), 8],
    [
      "fixed items with weak: a warning",
      { scaling: [1, 2], weak: true },
      [1, 2],
      /got fixed items, so .* does not grow with the workers/,
    ],
    ["a function without weak: an error", { scaling: [1, 2] }, (n: number) => [n], /only weak scaling calls/],
  ];
  for (const [name, options, items, expected] of apiCases) {
    it(`parallel.map: ${name}`, async () => {
      const plan = api("parallel.map", options);
      const prepared = prepareJob(plan, fakeKernel(), [], items);
      if (expected instanceof RegExp && /error/.test(name)) return assert.rejects(prepared, expected);
      const job = await prepared;
      if (typeof expected === "number") assert.equal((await job.itemsFor!(2)).length, expected);
      else assert.match(job.warnings.join(""), expected);
    });
  }
});
