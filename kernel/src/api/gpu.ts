import * as ts from "@tslab/typescript-for-tslab";
import { markKernelOnly } from "../transfer/kernel-only";
import { MagicOptionError } from "../errors";
import { checkOptionsObject } from "../options/object";
import { GPU_OPTIONS, gpuJobOf, planGpu } from "../gpu/plan";
import type { GpuMode } from "../gpu/mode-names";
import type { GpuValue } from "../gpu/execute";

/** `this` inside a gpu.js kernel function. */
export interface GpuKernelThis {
  thread: { x: number; y: number; z: number };
  output: { x: number; y: number; z: number };
  constants: Record<string, number>;
}

/** The options of %%gpu, as fields (README, Magics: %%gpu); `--compare` is the magic's alone. */
export interface GpuKernelOptions {
  output: number[];
  mode?: GpuMode | "auto";
  constants?: Record<string, number>;
  precision?: "single" | "unsigned";
}

/**
 * The programmatic form of %%gpu: `const k = gpu.kernel(function (a) { return a[this.thread.x] * 2; },
 * { output: [n] }); const doubled = await k(xs);`. Planned by the same planner as the magic;
 * compiled on first call (per argument shapes) and cached.
 */
export const gpu = {
  kernel<A extends unknown[]>(
    fn: (this: GpuKernelThis, ...args: A) => number,
    options: GpuKernelOptions,
  ): (...args: A) => Promise<GpuValue> {
    if (typeof fn !== "function") {
      throw new MagicOptionError(
        `gpu.kernel: the kernel must be a function, got ${typeof fn}. Try: gpu.kernel(function (a) { return a[this.thread.x]; }, { output: [4] })`,
      );
    }
    const { params, body } = splitFunction(fn);
    const plan = planGpu(
      { caller: "gpu.kernel", body, bodyLine: 1, params },
      checkOptionsObject("gpu.kernel", options, GPU_OPTIONS),
    );
    return async (...args: A) => {
      const { runGpu } = await import("../gpu/execute");
      const result = await runGpu(gpuJobOf(plan, plan.body), args);
      return result.value;
    };
  },
};

markKernelOnly(gpu, "gpu");

/** A function's parameter names and body, read from its source with the TypeScript parser. */
function splitFunction(fn: (...args: never[]) => unknown): { params: string[]; body: string } {
  const source = `(${fn.toString()})`;
  const file = ts.createSourceFile("kernel.js", source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const statement = file.statements[0];
  const expr = statement && ts.isExpressionStatement(statement) ? statement.expression : undefined;
  const inner = expr && ts.isParenthesizedExpression(expr) ? expr.expression : undefined;
  if (!inner || !(ts.isFunctionExpression(inner) || ts.isArrowFunction(inner)) || !ts.isBlock(inner.body)) {
    throw new MagicOptionError(
      "gpu.kernel: write the kernel as function (a, b) { ...; return value; } (gpu.js needs `this.thread`, which arrow functions do not have).",
    );
  }
  if (ts.isArrowFunction(inner)) {
    throw new MagicOptionError(
      "gpu.kernel: an arrow function has no `this`, so it cannot read this.thread.x; write function (a) { ... } instead.",
    );
  }
  const params = inner.parameters.map((p) => p.name.getText(file));
  const block = inner.body;
  const body = source.slice(block.getStart(file) + 1, block.getEnd() - 1);
  return { params, body };
}
