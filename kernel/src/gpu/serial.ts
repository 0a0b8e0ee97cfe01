/**
 * Runs a `%%gpu` body as plain JavaScript on the CPU, one call per output
 * element, with `this` emulating gpu.js's `this.thread`, `this.output` and
 * `this.constants`. No gpu.js involved: this is the reference for
 * `--compare`, and the code a pool worker runs on its slice.
 */

/** Plain data: what a worker needs to run (part of) a kernel. */
export interface CpuKernelJob {
  body: string;
  params: string[];
  /** [x], [x, y] or [x, y, z] */
  output: number[];
  constants: Record<string, number>;
  args: unknown[];
}

export interface KernelThis {
  thread: { x: number; y: number; z: number };
  output: { x: number; y: number; z: number };
  constants: Record<string, number>;
}

/** Total number of output elements. */
export function outputLength(output: readonly number[]): number {
  return output.reduce((a, b) => a * b, 1);
}

/**
 * Computes flat output elements [start, end) (x fastest, then y, then z)
 * and returns them as a Float32Array of length end - start, rounded to
 * float32 as gpu.js stores them.
 */
export function runCpuKernel(job: CpuKernelJob, start = 0, end = outputLength(job.output)): Float32Array {
  const fn = new Function(...job.params, job.body) as (this: KernelThis, ...args: unknown[]) => number;
  const [sx, sy = 1, sz = 1] = job.output;
  const self: KernelThis = {
    thread: { x: 0, y: 0, z: 0 },
    output: { x: sx, y: sy, z: sz },
    constants: job.constants,
  };
  const out = new Float32Array(end - start);
  const args = job.args;
  for (let i = start; i < end; i++) {
    self.thread.x = i % sx;
    self.thread.y = Math.floor(i / sx) % sy;
    self.thread.z = Math.floor(i / (sx * sy));
    out[i - start] = fn.apply(self, args);
  }
  return out;
}

/** Shapes a flat result the way gpu.js returns it: 1D as is, 2D rows [y][x], 3D [z][y][x] (views, no copy). */
export function shapeOutput(
  flat: Float32Array,
  output: readonly number[],
): Float32Array | Float32Array[] | Float32Array[][] {
  const [sx, sy = 1, sz = 1] = output;
  if (output.length === 1) return flat;
  const rows = (offset: number): Float32Array[] =>
    Array.from({ length: sy }, (_, y) => flat.subarray(offset + y * sx, offset + (y + 1) * sx));
  if (output.length === 2) return rows(0);
  return Array.from({ length: sz }, (_, z) => rows(z * sx * sy));
}

/** Flattens a gpu.js-shaped result (x fastest). */
export function flattenOutput(value: unknown): Float32Array {
  if (ArrayBuffer.isView(value)) return Float32Array.from(value as unknown as ArrayLike<number>);
  if (!Array.isArray(value)) return new Float32Array(0);
  const parts = value.map(flattenOutput);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
