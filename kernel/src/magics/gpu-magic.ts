import * as ts from "@tslab/typescript-for-tslab";
import { CompileError, InterruptedError, VariableError } from "../errors";
import { remapCellLines } from "../executor/executor";
import { formatDuration } from "../format";
import { GpuPlan, GPU_OPTIONS, gpuJobOf, planGpu } from "../gpu/plan";
import { GPU_THIS_DECL, wrapBodyForTypeCheck } from "../gpu/this-decl";
import type { Runners } from "../parallel/runners";
import { Magic, MagicContext } from "./registry";
import type { RunOnPool } from "../gpu/compare";

/** `%%gpu`: the cell body is a gpu.js kernel (README, Magics: %%gpu). gpu.js loads on first use (~0.1 s). */
export const gpuMagic: Magic = {
  name: "gpu",
  kinds: ["cell"],
  summary: "run the cell body as a gpu.js kernel (modes here: see --mode auto)",
  synopsis: "--output X[,Y[,Z]] [--in a,b] [--out c] [--mode MODE] [--constants k=v] [--precision P] [--compare]",
  description: [
    "The body is a gpu.js kernel function whose parameters are the --in variables, in order. It computes",
    "one output element at this.thread.x (y, z) and returns a number. Kernels are compiled once per source",
    "and options, and cached; the output separates compile time from run time.",
    "",
    "Example:",
    "  %%gpu --output 512,512 --in a,b --out c",
    "  let sum = 0;",
    "  for (let i = 0; i < 512; i++) sum += a[this.thread.y][i] * b[i][this.thread.x];",
    "  return sum;",
  ].join("\n"),
  options: GPU_OPTIONS,
  async run(call, options, ctx) {
    const plan = planGpu({ caller: "%%gpu", body: call.body, bodyLine: call.bodyLine }, options);
    const args = plan.params.map((name) => {
      if (!(name in ctx.code.locals)) {
        throw new VariableError(
          `%%gpu: --in names \`${name}\`, which is not a kernel variable. Define it in a cell first.`,
        );
      }
      return ctx.code.locals[name];
    });
    typecheckGpuBody(plan, ctx);
    const gpu = await import("../gpu/execute");
    const { probeModes, workingModes } = await import("../gpu/modes");
    const job = gpuJobOf(plan, transpileBody(plan));
    const say = (text: string) => ctx.sink.stream("stdout", text + "\n");
    let value: unknown;
    if (plan.compare) {
      const { compareGpu } = await import("../gpu/compare");
      const result = await untilInterrupted(compareGpu(job, args, poolRunner(ctx.runners)), ctx, gpu.clearGpuCache);
      value = result.gpu.value;
      const rows: [string, string, string][] = [
        [`gpu.js (${result.gpu.mode})`, formatDuration(result.gpu.runMs), "reference"],
        ["TypeScript, 1 core", formatDuration(result.serial.ms), agree(result.serial)],
      ];
      if (result.pool)
        rows.push([`TypeScript, ${result.pool.workers} workers`, formatDuration(result.pool.ms), agree(result.pool)]);
      const w = Math.max(...rows.map((r) => r[0].length));
      say(`Compile: ${formatDuration(result.gpu.compileMs)}${result.gpu.cached ? " (cached)" : ""}`);
      for (const [name, ms, check] of rows) say(`${name.padEnd(w)}  ${ms.padStart(10)}  ${check}`);
      say(`Speedup of gpu.js over 1 core: ${(result.serial.ms / Math.max(result.gpu.runMs, 1e-6)).toFixed(1)}x`);
    } else {
      const result = await untilInterrupted(gpu.runGpu(job, args), ctx, gpu.clearGpuCache);
      value = result.value;
      const auto = plan.mode === "auto" ? " (auto: fastest mode that works here)" : "";
      say(
        `gpu.js mode ${result.mode}${auto} · compile ${result.cached ? "cached" : formatDuration(result.compileMs)} · run ${formatDuration(result.runMs)} · output ${plan.output.join("×")}`,
      );
      if (plan.mode === "auto") {
        const others = (await probeModes()).filter((p) => !p.works).map((p) => p.mode);
        if (others.length)
          say(
            `Modes that cannot run here: ${others.join(", ")}; working: ${workingModes(await probeModes()).join(", ")}.`,
          );
      }
    }
    if (plan.out) ctx.code.assign(plan.out, value, "any");
    else ctx.showValue(value);
  },
};

function agree(a: { agree: boolean; maxAbsDiff: number }): string {
  return a.agree
    ? `agrees (max diff ${a.maxAbsDiff.toExponential(1)})`
    : `DIFFERS (max diff ${a.maxAbsDiff.toExponential(1)})`;
}

/** Checks the body as a typed function of its parameters, with gpu.js's `this` (gpu/this-decl.ts). */
function typecheckGpuBody(plan: GpuPlan, ctx: MagicContext): void {
  // Aliases first: a parameter `a: typeof a` would refer to itself.
  const aliases = plan.params.map((name, i) => `type ParalabGpuArg${i}$ = typeof ${name};`).join(" ");
  const types = plan.params.map((_, i) => `ParalabGpuArg${i}$`);
  // The `this` interface and the aliases go with the kernel's declarations; one header line.
  try {
    ctx.code.convert(wrapBodyForTypeCheck(plan.body, plan.params, types), `${GPU_THIS_DECL}${aliases}`);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    throw new CompileError(remapCellLines(e.message, 1, plan.bodyLine), { cause: e });
  }
}

/** TypeScript body → the JS body gpu.js parses (types stripped, lines kept). */
function transpileBody(plan: GpuPlan): string {
  const wrapped = `function k(${plan.params.join(", ")}) {\n${plan.body}\n}`;
  const js = ts.transpileModule(wrapped, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
  }).outputText;
  const open = js.indexOf("{\n");
  const close = js.lastIndexOf("}");
  return js.slice(open + 2, close).replace(/\n$/, "");
}

/** --compare's pool leg: each worker computes a contiguous slice of the output with the serial reference. */
function poolRunner(runners: Runners): RunOnPool {
  return async (job) => {
    const { runCpuKernel, shapeOutput } = await import("../gpu/serial");
    const pool = runners.local();
    await pool.ensureWorkers(runners.defaultSize);
    const source =
      `(async function (__ctx) { const { rank, size } = __ctx; const job = __ctx.vars.job; const run = (${runCpuKernel.toString()});` +
      " const n = job.output.reduce((a, b) => a * b, 1);" +
      " return run(job, Math.floor((n * rank) / size), Math.floor((n * (rank + 1)) / size)); })";
    const result = await pool.runSpmd({
      code: { source, filename: "gpu-compare", lineOffset: 0 },
      workers: pool.size,
      vars: { job },
    });
    const parts = result.values as Float32Array[];
    const flat = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      flat.set(part, offset);
      offset += part.length;
    }
    return { value: shapeOutput(flat, job.output), workers: result.workers };
  };
}

/**
 * The stop button ends the cell at once: gpu.js's webasm threads are destroyed with the kernel
 * cache (the next run compiles again). Mode cpu runs on the kernel's thread and ends on its own.
 */
function untilInterrupted<T>(work: Promise<T>, ctx: MagicContext, stop: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      stop();
      reject(new InterruptedError("Interrupted: the %%gpu cell was stopped; its gpu.js kernels were discarded."));
    };
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => ctx.signal.removeEventListener("abort", onAbort));
  });
}
