/**
 * `--compare`: run the same body on gpu.js, as plain serial JavaScript, and
 * (when the integrator passes a pool runner) on `%%parallel`-style threads;
 * report times and whether the results agree.
 */
import { GpuJob, GpuRunResult, GpuValue, runGpu } from "./execute";
import { CpuKernelJob, flattenOutput, runCpuKernel, shapeOutput } from "./serial";

/** Runs a kernel job on the worker pool; the integrator provides it. */
export type RunOnPool = (job: CpuKernelJob) => Promise<{ value: GpuValue | Float32Array; workers: number }>;

export interface Agreement {
  maxAbsDiff: number;
  /** maxAbsDiff / max |reference| */
  maxRelDiff: number;
  /** maxAbsDiff <= tolerance.rel * max |reference| + tolerance.abs (NaN matches NaN) */
  agree: boolean;
  /** first flat index that does not agree, when any */
  firstMismatch?: number;
}

export interface CompareResult {
  gpu: GpuRunResult;
  serial: { ms: number; value: GpuValue } & Agreement;
  pool?: { ms: number; workers: number; value: GpuValue | Float32Array } & Agreement;
  tolerance: { rel: number; abs: number };
}

/** Float32 sums drift with length; these hold for a 1024-term dot product of values in [0, 1). */
export const TOLERANCE: Record<GpuJob["precision"], { rel: number; abs: number }> = {
  single: { rel: 1e-4, abs: 1e-6 },
  // packed 8-bit-per-channel readback on the GL back ends loses more
  unsigned: { rel: 1e-3, abs: 1e-5 },
};

export async function compareGpu(plan: GpuJob, args: unknown[], runOnPool?: RunOnPool): Promise<CompareResult> {
  const gpu = await runGpu(plan, args);
  const tolerance = TOLERANCE[plan.precision];
  const job: CpuKernelJob = {
    body: plan.body,
    params: plan.params,
    output: plan.output,
    constants: plan.constants,
    args,
  };

  const serialStart = performance.now();
  const serialFlat = runCpuKernel(job);
  const serialMs = performance.now() - serialStart;
  const gpuFlat = flattenOutput(gpu.value);
  const result: CompareResult = {
    gpu,
    serial: { ms: serialMs, value: shapeOutput(serialFlat, plan.output), ...agreement(gpuFlat, serialFlat, tolerance) },
    tolerance,
  };

  if (runOnPool) {
    const poolStart = performance.now();
    const pooled = await runOnPool(job);
    const poolMs = performance.now() - poolStart;
    result.pool = {
      ms: poolMs,
      workers: pooled.workers,
      value: pooled.value,
      ...agreement(flattenOutput(pooled.value), serialFlat, tolerance),
    };
  }
  return result;
}

/** Compares `actual` with the `reference` element by element. */
export function agreement(
  actual: ArrayLike<number>,
  reference: ArrayLike<number>,
  tolerance: { rel: number; abs: number },
): Agreement {
  if (actual.length !== reference.length) {
    return {
      maxAbsDiff: Infinity,
      maxRelDiff: Infinity,
      agree: false,
      firstMismatch: Math.min(actual.length, reference.length),
    };
  }
  let maxAbsRef = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.abs(reference[i]);
    if (r > maxAbsRef && Number.isFinite(r)) maxAbsRef = r;
  }
  const allowed = tolerance.rel * maxAbsRef + tolerance.abs;
  let maxAbsDiff = 0;
  let firstMismatch: number | undefined;
  for (let i = 0; i < reference.length; i++) {
    const a = actual[i];
    const r = reference[i];
    if (Number.isNaN(a) && Number.isNaN(r)) continue;
    const diff = a === r ? 0 : Math.abs(a - r); // equal infinities give 0, not NaN
    const d = Number.isNaN(diff) ? Infinity : diff;
    if (d > maxAbsDiff) maxAbsDiff = d;
    if (d > allowed && firstMismatch === undefined) firstMismatch = i;
  }
  return {
    maxAbsDiff,
    maxRelDiff: maxAbsRef > 0 ? maxAbsDiff / maxAbsRef : maxAbsDiff,
    agree: firstMismatch === undefined,
    ...(firstMismatch !== undefined ? { firstMismatch } : {}),
  };
}
