/**
 * The only file that touches gpu.js directly: a narrow, typed view of the
 * parts of gpu.js 2.24 that paralab uses (GPU instances, kernel shortcuts,
 * the acorn parser it ships with, and the optional native back ends).
 */
import * as path from "node:path";
import { GPU } from "gpu.js";

/** gpu.js back-end names as `kernel.constructor.mode` reports them. */
export type Backend = "headlessgl" | "webgl2" | "webgl" | "webgpu" | "webasm" | "cpu";

/** The part of a gpu.js kernel instance we read. */
interface KernelInstance {
  constructor: { mode?: string };
  build(...args: unknown[]): void;
  fallbackReason?: string | null;
  /** webgpu only: resolves when the async WGSL build is done */
  _buildPromise?: Promise<unknown>;
}

/** A gpu.js kernel run shortcut created with `asyncMode: true`. */
export interface KernelShortcut {
  (...args: unknown[]): Promise<unknown>;
  kernel: KernelInstance;
  destroy(removeCanvas?: boolean): void;
}

export interface KernelSettings {
  output: number[];
  constants: Record<string, number>;
  precision: "single" | "unsigned";
}

const GPU_JS_DIR = path.dirname(require.resolve("gpu.js"));

/** require() a package the way gpu.js itself resolves it (its optional and transitive dependencies). */
export function requireFromGpuJs(id: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional packages, loaded only when probed
  return require(require.resolve(id, { paths: [GPU_JS_DIR] }));
}

/** Path of a file inside a package that gpu.js depends on. */
export function resolveFromGpuJs(id: string): string {
  return require.resolve(id, { paths: [GPU_JS_DIR] });
}

/** A gpu.js instance for a gpu.js mode name; throws what gpu.js throws. */
export function createGpu(mode: string): GPU {
  return new GPU({ mode: mode as "gpu" });
}

/** The back end a GPU instance chose, before any kernel is built. */
export function chosenBackend(gpu: GPU): string | undefined {
  const chosen = (gpu as unknown as { Kernel?: { mode?: string } }).Kernel;
  return chosen?.mode;
}

/** Every kernel is created under the Promise contract: webasm then splits large outputs over worker threads. */
export function createKernel(gpu: GPU, source: string, settings: KernelSettings): KernelShortcut {
  const shortcut = gpu.createKernel(source, {
    output: settings.output,
    constants: settings.constants,
    precision: settings.precision,
    asyncMode: true,
  } as Parameters<GPU["createKernel"]>[1]);
  return shortcut as unknown as KernelShortcut;
}

/** The back end that actually holds the kernel now (after any fallback). */
export function backendOf(kernel: KernelShortcut): string {
  return kernel.kernel.constructor.mode ?? "unknown";
}

/** Parse-only use of the acorn that gpu.js bundles, with locations. */
export interface AcornNode {
  type: string;
  start: number;
  end: number;
  loc?: { start: { line: number; column: number } };
  [key: string]: unknown;
}
interface Acorn {
  parse(source: string, options: { ecmaVersion: number; locations: boolean }): AcornNode;
}

let acorn: Acorn | undefined;
/** Parses like gpu.js does (ecmaVersion 2020); throws acorn's SyntaxError with `loc`. */
export function parseJs(source: string): AcornNode {
  acorn ??= requireFromGpuJs("acorn") as Acorn;
  return acorn.parse(source, { ecmaVersion: 2020, locations: true });
}
