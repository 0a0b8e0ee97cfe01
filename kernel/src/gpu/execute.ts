/**
 * Runs a `%%gpu` plan: validates it, compiles the body with gpu.js once per
 * (source, output, mode, constants, precision, argument shapes) and runs it.
 *
 * ```ts
 * const result = await runGpu(
 *   { body: "return a[this.thread.x] * this.constants.k;", params: ["a"], output: [4],
 *     mode: "auto", constants: { k: 2 }, precision: "single", lineOffset: 2 },
 *   [new Float32Array([1, 2, 3, 4])],
 * );
 * // result.value: Float32Array [2, 4, 6, 8]; result.mode: "webasm"; result.compileMs, result.runMs
 * ```
 */
import type { GPU } from "gpu.js";
import { checkKernelSyntax, explainKernelError, KernelSource, makeKernelSource } from "./diagnose";
import { backendOf, createGpu, createKernel, KernelShortcut } from "./engine";
import { GpuError, GpuUnavailableError } from "../errors";
import { GPU_MODES, GpuMode, isGpuMode, pickAutoMode, probeModes, workingModes } from "./modes";

/** What runGpu runs: a checked GpuJob (gpu/plan.ts) with its body transpiled to JS. */
export interface GpuJob {
  /** JS function BODY (already transpiled from TS) using this.thread.x/y/z, this.constants.k and the parameters */
  body: string;
  /** names of the --in variables, in order */
  params: string[];
  /** 1-3 sizes: [x], [x, y] or [x, y, z] (gpu.js order: the first is the innermost) */
  output: number[];
  mode: GpuMode | "auto";
  constants: Record<string, number>;
  precision: "single" | "unsigned";
  /** cell line of the body's first line, for error messages */
  lineOffset: number;
}

/** What gpu.js returns: 1D Float32Array, 2D rows [y][x], 3D [z][y][x]. */
export type GpuValue = Float32Array | Float32Array[] | Float32Array[][];

export interface GpuRunResult {
  value: GpuValue;
  /** the mode that actually ran the kernel (after "auto" and any gpu.js fallback) */
  mode: GpuMode;
  /** gpu.js back end name, e.g. "webasm", "cpu", "headlessgl" */
  backend: string;
  /** parse + gpu.js build on the first run; 0 when cached */
  compileMs: number;
  /** the kernel call, including upload and readback */
  runMs: number;
  cached: boolean;
  /** set when gpu.js degraded the kernel to its cpu back end, with gpu.js's reason */
  fallbackReason?: string;
}

/** Compiled kernels kept; the least recently used is destroyed beyond this. */
export const KERNEL_CACHE_SIZE = 16;

interface CacheEntry {
  kernel: KernelShortcut;
  mode: GpuMode;
}

const cache = new Map<string, CacheEntry>();
const compiling = new Map<string, Promise<KernelShortcut>>();
const gpus = new Map<GpuMode, GPU>();

export async function runGpu(plan: GpuJob, args: unknown[]): Promise<GpuRunResult> {
  const shapes = validateArgs(plan, args);
  const mode = await resolveMode(plan.mode);
  const source = makeKernelSource(plan.params, plan.body, plan.lineOffset);
  const key = JSON.stringify([source.text, plan.output, mode, sortedEntries(plan.constants), plan.precision, shapes]);

  let entry = cache.get(key);
  const cached = entry !== undefined;
  let compileMs = 0;
  if (entry) {
    cache.delete(key); // re-insert below: most recently used last
  } else {
    const started = performance.now();
    // a second call with the same key while the first compiles waits for it
    let pending = compiling.get(key);
    if (!pending) {
      pending = compile(source, plan, mode, args).finally(() => compiling.delete(key));
      compiling.set(key, pending);
    }
    entry = { kernel: await pending, mode };
    compileMs = performance.now() - started;
  }
  cache.set(key, entry);
  evictBeyond(KERNEL_CACHE_SIZE);

  const started = performance.now();
  let value: unknown;
  try {
    value = await entry.kernel(...args);
  } catch (e) {
    throw explainKernelError(e, source, mode, "run");
  }
  const runMs = performance.now() - started;

  const backend = backendOf(entry.kernel);
  const fallbackReason = entry.kernel.kernel.fallbackReason ?? undefined;
  return {
    value: value as GpuValue,
    mode: modeOfBackend(backend, mode),
    backend,
    compileMs,
    runMs,
    cached,
    ...(fallbackReason ? { fallbackReason } : {}),
  };
}

/** Destroys every cached kernel (for kernel restart or shutdown). */
export function clearGpuCache(): void {
  evictBeyond(0);
}

/** Number of compiled kernels held. */
export function gpuCacheSize(): number {
  return cache.size;
}

/** The mode a plan runs in: "auto" becomes the fastest working mode; an unusable mode throws. */
export async function resolveMode(requested: string): Promise<GpuMode> {
  if (requested !== "auto" && !isGpuMode(requested)) {
    throw new GpuError(`%%gpu: --mode ${requested} is not a mode. Use one of: auto, ${GPU_MODES.join(", ")}.`);
  }
  const probes = await probeModes();
  if (requested === "auto") return pickAutoMode(probes);
  const probe = probes.find((p) => p.mode === requested);
  if (probe?.works) return requested;
  const working = workingModes(probes);
  throw new GpuUnavailableError(
    `%%gpu: --mode ${requested} cannot run here (${probe?.reason ?? "not probed"}). ` +
      `Modes that work on this machine: ${working.join(", ") || "none"}.`,
    requested,
    probe?.reason,
    working,
  );
}

/**
 * Checks that each argument is something gpu.js takes (number, typed array,
 * array of numbers, nested arrays up to 3D) and returns their shapes, which
 * are part of the cache key.
 */
export function validateArgs(plan: GpuJob, args: unknown[]): string[] {
  if (args.length !== plan.params.length) {
    throw new GpuError(
      `%%gpu: the kernel takes ${plan.params.length} input(s) (--in ${plan.params.join(",") || "(none)"}), ` +
        `got ${args.length} value(s).`,
    );
  }
  return args.map((arg, i) => {
    const shape = shapeOf(arg, 0);
    if (shape === undefined) {
      throw new GpuError(
        `%%gpu: --in ${plan.params[i]} is ${describeValue(arg)}; kernel inputs must be numbers, typed arrays, ` +
          "or arrays of numbers (nested up to 3 levels, rows of equal length).",
      );
    }
    return shape;
  });
}

/** A shape signature such as "n", "Float32Array[512]" or "[512][512]", or undefined when gpu.js cannot take it. */
function shapeOf(value: unknown, depth: number): string | undefined {
  if (typeof value === "number") return depth === 0 ? "n" : "";
  if (typeof value === "boolean" && depth === 0) return "b";
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    if (typeof (value as unknown as { [i: number]: unknown })[0] === "bigint") return undefined;
    return `${value.constructor.name}[${(value as unknown as ArrayLike<number>).length}]`;
  }
  if (Array.isArray(value)) {
    if (depth >= 3 || value.length === 0) return undefined;
    const first = shapeOf(value[0], depth + 1);
    if (first === undefined) return undefined;
    for (let i = 1; i < value.length; i++) {
      if (shapeOf(value[i], depth + 1) !== first) return undefined; // ragged or mixed
    }
    return `[${value.length}]${first}`;
  }
  // a gpu.js Input (input(flatArray, [w, h])): passed through as is
  if (depth === 0 && value && typeof value === "object" && Array.isArray((value as { size?: unknown }).size)) {
    const input = value as { size: number[]; value: unknown };
    if (ArrayBuffer.isView(input.value)) return `input(${input.size.join(",")})`;
  }
  return undefined;
}

async function compile(source: KernelSource, plan: GpuJob, mode: GpuMode, args: unknown[]): Promise<KernelShortcut> {
  checkKernelSyntax(source, mode);
  let kernel: KernelShortcut | undefined;
  try {
    kernel = createKernel(gpuFor(mode), source.text, {
      output: plan.output,
      constants: plan.constants,
      precision: plan.precision,
    });
    // build now, so that the first run's time is the run alone
    kernel.kernel.build(...args);
    if (kernel.kernel._buildPromise) await kernel.kernel._buildPromise;
    return kernel;
  } catch (e) {
    kernel?.destroy();
    throw explainKernelError(e, source, mode, "compile");
  }
}

function gpuFor(mode: GpuMode): GPU {
  let gpu = gpus.get(mode);
  if (!gpu) {
    gpu = createGpu(mode);
    gpus.set(mode, gpu);
  }
  return gpu;
}

function evictBeyond(limit: number): void {
  while (cache.size > limit) {
    const [oldestKey, oldest] = cache.entries().next().value as [string, CacheEntry];
    cache.delete(oldestKey);
    try {
      oldest.kernel.destroy();
    } catch {
      // a kernel that cannot be destroyed is dropped anyway
    }
  }
}

function modeOfBackend(backend: string, requested: GpuMode): GpuMode {
  if (isGpuMode(backend) && backend !== "gpu") {
    // headlessgl reached through mode "gpu" is still mode "gpu"
    return backend === "headlessgl" && requested === "gpu" ? "gpu" : backend;
  }
  return backend === "webgl" || backend === "webgl2" ? "gpu" : requested;
}

function sortedEntries(record: Record<string, number>): [string, number][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    if (value.length === 0) return "an empty array";
    return value.every((v) => typeof v === "number") && value.length <= 8
      ? `[${value.join(",")}]`
      : "a ragged or non-numeric array";
  }
  if (typeof value === "string") return `a string ("${value.length > 20 ? value.slice(0, 17) + "..." : value}")`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  return `${typeof value} ${String(value)}`;
}
