/** gpu.js modes by name, fastest first (the order `auto` picks in). No gpu.js import: plans load before gpu.js. */
export type GpuMode = "gpu" | "webgpu" | "headlessgl" | "webasm" | "cpu";

export const GPU_MODES: readonly GpuMode[] = ["gpu", "webgpu", "headlessgl", "webasm", "cpu"];

export function isGpuMode(value: string): value is GpuMode {
  return (GPU_MODES as readonly string[]).includes(value);
}
