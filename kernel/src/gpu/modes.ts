/**
 * Which gpu.js modes run on this machine. Every probe compiles and runs a
 * tiny kernel and checks its result; a mode that fails carries the real
 * failure as `reason`. The answer is computed once per process.
 */
import * as path from "node:path";
import { backendOf, chosenBackend, createGpu, createKernel, requireFromGpuJs, resolveFromGpuJs } from "./engine";

import { GPU_MODES, GpuMode } from "./mode-names";

export { GPU_MODES, isGpuMode, type GpuMode } from "./mode-names";

export interface ModeProbe {
  mode: GpuMode;
  works: boolean;
  /** why not, from the real failure */
  reason?: string;
  /** the gpu.js back end that ran the probe kernel (e.g. "headlessgl" for mode gpu in Node) */
  backend?: string;
  probeMs: number;
}

/** Back ends that count as a real GPU for mode "gpu". */
const GL_BACKENDS = ["headlessgl", "webgl2", "webgl"];
const PROBE_TIMEOUT_MS = 20_000;

let probes: Promise<ModeProbe[]> | undefined;

/** Probes every mode once; later calls return the same answer. */
export function probeModes(): Promise<ModeProbe[]> {
  probes ??= probeAll();
  return probes;
}

/** The fastest mode that works, in the order gpu > webgpu > headlessgl > webasm > cpu. */
export function pickAutoMode(found: readonly ModeProbe[]): GpuMode {
  for (const mode of GPU_MODES) {
    if (found.some((p) => p.mode === mode && p.works)) return mode;
  }
  return "cpu";
}

/** Modes that work, fastest first. */
export function workingModes(found: readonly ModeProbe[]): GpuMode[] {
  return GPU_MODES.filter((mode) => found.some((p) => p.mode === mode && p.works));
}

async function probeAll(): Promise<ModeProbe[]> {
  const headlessgl = await timed("headlessgl", probeHeadlessGl);
  const gpu = await timed("gpu", () => probeGpu(headlessgl));
  const webgpu = await timed("webgpu", probeWebGpu);
  const webasm = await timed("webasm", () => runTinyKernel("webasm", ["webasm"]));
  const cpu = await timed("cpu", () => runTinyKernel("cpu", ["cpu"]));
  return [gpu, webgpu, headlessgl, webasm, cpu];
}

type ProbeOutcome = Omit<ModeProbe, "mode" | "probeMs">;

async function timed(mode: GpuMode, probe: () => Promise<ProbeOutcome>): Promise<ModeProbe> {
  const started = performance.now();
  let outcome: ProbeOutcome;
  try {
    outcome = await withTimeout(probe(), PROBE_TIMEOUT_MS, `probe did not finish in ${PROBE_TIMEOUT_MS} ms`);
  } catch (e) {
    outcome = { works: false, reason: describe(e) };
  }
  return { mode, ...outcome, probeMs: performance.now() - started };
}

/** Compiles and runs `a[x] * 2 + k` on [1,2,3,4] with k = 1 and checks the answer. */
async function runTinyKernel(gpuJsMode: string, acceptBackends: readonly string[]): Promise<ProbeOutcome> {
  const gpu = createGpu(gpuJsMode);
  const kernel = createKernel(gpu, "function (a) { return a[this.thread.x] * 2 + this.constants.k; }", {
    output: [4],
    constants: { k: 1 },
    precision: "single",
  });
  try {
    const value = (await kernel([1, 2, 3, 4])) as ArrayLike<number>;
    const backend = backendOf(kernel);
    if (!acceptBackends.includes(backend)) {
      const why = kernel.kernel.fallbackReason ? `: ${kernel.kernel.fallbackReason}` : "";
      return { works: false, backend, reason: `gpu.js ran the probe kernel on "${backend}" instead${why}` };
    }
    const expected = [3, 5, 7, 9];
    const got = Array.from(value ?? []);
    if (got.length !== 4 || got.some((v, i) => Math.abs(v - expected[i]) > 1e-6)) {
      return { works: false, backend, reason: `probe kernel returned [${got.join(", ")}], expected [3, 5, 7, 9]` };
    }
    return { works: true, backend };
  } finally {
    kernel.destroy();
  }
}

async function probeHeadlessGl(): Promise<ProbeOutcome> {
  // gpu.js swallows the reason (it only says the mode "is not supported"), so
  // load the optional `gl` package ourselves to learn why.
  let getContext: unknown;
  try {
    getContext = requireFromGpuJs("gl");
  } catch (e) {
    return { works: false, reason: `the optional package "gl" (headless-gl) cannot be loaded: ${describe(e)}` };
  }
  try {
    const context = (getContext as (w: number, h: number) => unknown)(2, 2);
    if (!context) {
      return { works: false, reason: `"gl" loaded but could not create a WebGL context (no display or GPU driver?)` };
    }
  } catch (e) {
    return { works: false, reason: `"gl" loaded but creating a context failed: ${describe(e)}` };
  }
  return runTinyKernel("headlessgl", ["headlessgl"]);
}

/** Mode "gpu" is gpu.js's GL auto-selection; in Node it falls to webasm when no GL exists, which is not a GPU. */
async function probeGpu(headlessgl: ModeProbe): Promise<ProbeOutcome> {
  const backend = chosenBackend(createGpu("gpu"));
  if (!backend || !GL_BACKENDS.includes(backend)) {
    const gl = headlessgl.works ? "headlessgl is available but was not chosen" : `headlessgl: ${headlessgl.reason}`;
    return {
      works: false,
      backend,
      reason: `no GL back end here (${gl}; webgl and webgl2 need a browser), gpu.js would pick "${backend ?? "none"}"`,
    };
  }
  return runTinyKernel("gpu", GL_BACKENDS);
}

interface DawnBinding {
  create(flags: string[]): { requestAdapter(): Promise<unknown> };
  globals: Record<string, unknown>;
}

async function probeWebGpu(): Promise<ProbeOutcome> {
  const scope = globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } };
  if (!scope.navigator?.gpu) {
    // The `webgpu` package (Dawn for Node) is ESM-only; require its native binding directly.
    let binding: DawnBinding;
    try {
      const dir = path.dirname(resolveFromGpuJs("webgpu/package.json"));
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native binding inside an ESM-only package
      binding = require(path.join(dir, "dist", `${process.platform}-${process.arch}.dawn.node`)) as DawnBinding;
    } catch (e) {
      return { works: false, reason: `the "webgpu" package's Dawn binding cannot be loaded: ${describe(e)}` };
    }
    // gpu.js looks for navigator.gpu and the GPU* constants on the global object.
    for (const [key, value] of Object.entries(binding.globals)) {
      if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
    }
    const gpu = binding.create([]);
    if (scope.navigator) scope.navigator.gpu = gpu;
    else scope.navigator = { gpu };
  }
  const adapter = await scope.navigator!.gpu!.requestAdapter();
  if (!adapter) return { works: false, reason: "navigator.gpu.requestAdapter() returned no adapter" };
  return runTinyKernel("webgpu", ["webgpu"]);
}

/** First line of an error message: enough to say why, short enough for an error line. */
export function describe(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split("\n")[0].trim();
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
