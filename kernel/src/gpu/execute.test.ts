import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GpuKernelError, GpuUnavailableError } from "../errors";
import { GpuMode, probeModes, workingModes } from "./modes";
import { clearGpuCache, GpuJob, runGpu } from "./execute";

after(() => clearGpuCache());

const MATMUL = [
  "let sum = 0;",
  "for (let i = 0; i < this.constants.n; i++) {",
  "  sum += a[this.thread.y][i] * b[i][this.thread.x];",
  "}",
  "return sum;",
].join("\n");

function plan(body: string, extra: Partial<GpuJob> = {}): GpuJob {
  return {
    body,
    params: ["a"],
    output: [4],
    mode: "auto",
    constants: {},
    precision: "single",
    lineOffset: 2,
    ...extra,
  };
}

function randomMatrix(n: number, seed: number): Float32Array[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => Float32Array.from({ length: n }, next));
}

function matmulJs(a: Float32Array[], b: Float32Array[]): number[][] {
  const n = a.length;
  return a.map((row) =>
    Array.from({ length: n }, (_, x) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += row[i] * b[i][x];
      return sum;
    }),
  );
}

describe("runGpu: matrix multiply 64x64", async () => {
  const modes = workingModes(await probeModes());
  const a = randomMatrix(64, 1);
  const b = randomMatrix(64, 2);
  const expected = matmulJs(a, b);
  for (const mode of modes) {
    it(`agrees with plain JS in mode ${mode}`, async () => {
      const result = await runGpu(plan(MATMUL, { params: ["a", "b"], output: [64, 64], mode, constants: { n: 64 } }), [
        a,
        b,
      ]);
      assert.equal(result.mode, mode);
      const rows = result.value as Float32Array[];
      assert.equal(rows.length, 64);
      let maxDiff = 0;
      for (let y = 0; y < 64; y++) {
        assert.equal(rows[y].length, 64);
        for (let x = 0; x < 64; x++) maxDiff = Math.max(maxDiff, Math.abs(rows[y][x] - expected[y][x]));
      }
      assert.ok(maxDiff < 1e-4 * 64, `max diff ${maxDiff}`);
    });
  }
});

describe("runGpu: output shapes and inputs", () => {
  it("1D from a typed array", async () => {
    const r = await runGpu(plan("return a[this.thread.x] * 2;"), [new Float32Array([1, 2, 3, 4])]);
    assert.deepEqual(Array.from(r.value as Float32Array), [2, 4, 6, 8]);
  });

  it("2D rows [y][x] from a nested array", async () => {
    const r = await runGpu(plan("return a[this.thread.y][this.thread.x] + this.thread.x;", { output: [3, 2] }), [
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    assert.deepEqual(
      (r.value as Float32Array[]).map((row) => Array.from(row)),
      [
        [1, 3, 5],
        [4, 6, 8],
      ],
    );
  });

  it("3D [z][y][x] with this.output", async () => {
    const r = await runGpu(
      plan("return this.thread.z * 100 + this.thread.y * 10 + this.thread.x + this.output.x * 0;", {
        params: [],
        output: [2, 3, 4],
      }),
      [],
    );
    const value = r.value as Float32Array[][];
    assert.equal(value.length, 4);
    assert.equal(value[0].length, 3);
    assert.equal(value[0][0].length, 2);
    assert.equal(value[3][2][1], 321);
  });

  it("numbers as inputs and constants", async () => {
    const r = await runGpu(
      plan("return s * this.thread.x + this.constants.k;", { params: ["s"], constants: { k: 0.5 } }),
      [3],
    );
    assert.deepEqual(Array.from(r.value as Float32Array), [0.5, 3.5, 6.5, 9.5]);
  });

  it("precision unsigned runs in every working mode", async () => {
    for (const mode of workingModes(await probeModes())) {
      const r = await runGpu(plan("return a[this.thread.x] / 4;", { mode, precision: "unsigned", output: [3] }), [
        [1, 2, 3],
      ]);
      assert.deepEqual(Array.from(r.value as Float32Array), [0.25, 0.5, 0.75], mode);
    }
  });

  it("two concurrent first runs share one compile", async () => {
    const p = plan("return a[this.thread.x] - 1;", { mode: "cpu" });
    const [one, two] = await Promise.all([runGpu(p, [[1, 2, 3, 4]]), runGpu(p, [[1, 2, 3, 4]])]);
    assert.deepEqual([one.cached, two.cached], [false, false]);
    assert.equal((await runGpu(p, [[1, 2, 3, 4]])).cached, true);
  });

  it("different constants compile a different kernel", async () => {
    const p = plan("return this.constants.k;", { params: [], output: [2] });
    const one = await runGpu({ ...p, constants: { k: 1 } }, []);
    const two = await runGpu({ ...p, constants: { k: 2 } }, []);
    assert.deepEqual(
      [Array.from(one.value as Float32Array), Array.from(two.value as Float32Array)],
      [
        [1, 1],
        [2, 2],
      ],
    );
    assert.equal(two.cached, false);
  });
});

describe("runGpu: cache", () => {
  it("compiles once, then reports cached with compileMs 0", async () => {
    const p = plan("return a[this.thread.x] + 41;", { mode: "cpu" });
    const first = await runGpu(p, [[1, 2, 3, 4]]);
    const second = await runGpu(p, [[5, 6, 7, 8]]);
    assert.equal(first.cached, false);
    assert.ok(first.compileMs > 0);
    assert.equal(second.cached, true);
    assert.equal(second.compileMs, 0);
    assert.deepEqual(Array.from(second.value as Float32Array), [46, 47, 48, 49]);
  });

  it("recompiles when the input shape changes", async () => {
    const p = plan("return a[this.thread.x];", { mode: "webasm", output: [2] });
    await runGpu(p, [[1, 2]]);
    const wider = await runGpu(p, [[7, 8, 9]]);
    assert.equal(wider.cached, false);
    assert.deepEqual(Array.from(wider.value as Float32Array), [7, 8]);
  });
});

describe("runGpu: errors", () => {
  it("an unusable mode lists the modes that work", async () => {
    const working = workingModes(await probeModes());
    const broken = (await probeModes()).find((p) => !p.works);
    if (!broken) return; // every mode works on this machine
    await assert.rejects(runGpu(plan("return 1;", { mode: broken.mode as GpuMode }), [[1]]), (e: Error) => {
      assert.ok(e instanceof GpuUnavailableError);
      assert.equal(e.name, "GpuUnavailableError");
      assert.match(
        e.message,
        new RegExp(
          `^%%gpu: --mode ${broken.mode} cannot run here \\(.+\\)\\. Modes that work on this machine: ${working.join(", ")}\\.$`,
        ),
      );
      assert.equal(e.reason, broken.reason);
      return true;
    });
  });

  it("rejects inputs gpu.js cannot take, naming the --in variable", async () => {
    await assert.rejects(runGpu(plan("return 1;"), ["text"]), {
      name: "GpuError",
      message: /--in a is a string \("text"\); kernel inputs must be numbers/,
    });
    await assert.rejects(runGpu(plan("return 1;"), [[[1, 2], [3]]]), { message: /--in a is a ragged/ });
    await assert.rejects(runGpu(plan("return 1;"), []), { message: /takes 1 input\(s\) \(--in a\), got 0/ });
  });

  const kernelErrors: [string, string, RegExp][] = [
    [
      "syntax error",
      "let s = 0;\n  let t = ;\nreturn 1;",
      /^%%gpu: syntax error at cell line 3, column 11: Unexpected token\.$/,
    ],
    [
      "object literal",
      "let s = 0;\nconst o = {k: 1};\nreturn o.k;",
      /an object literal is not supported in a gpu\.js kernel at cell line 3, column 11: `\{k: 1\}`/,
    ],
    [
      "try/catch",
      "try { return 1; } catch (e) { return 2; }",
      /try\/catch is not supported in a gpu\.js kernel at cell line 2, column 1/,
    ],
    [
      "callback",
      "let s = 0;\nconst c = a.map((v) => v);\nreturn c[0];",
      /nested functions \(callbacks .*\) are not supported .* at cell line 3, column 17/,
    ],
    ["unknown name", "let s = 0;\nreturn s + nope;", /nope is not defined at cell line 3, column 12/],
    ["string literal", "return 'x';", /Non-numeric literal not supported .* at cell line 2, column 8/],
  ];
  for (const mode of ["webasm", "cpu"] as const) {
    for (const [what, body, message] of kernelErrors) {
      it(`${what} gives a GpuKernelError with the cell line (${mode})`, async () => {
        await assert.rejects(runGpu(plan(body, { mode }), [[1, 2, 3, 4]]), (e: Error) => {
          assert.ok(e instanceof GpuKernelError, `${e.name}: ${e.message}`);
          assert.equal(e.name, "GpuKernelError");
          assert.match(e.message, message);
          return true;
        });
      });
    }
  }
});
