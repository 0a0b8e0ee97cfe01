/**
 * Errors raised by `%%gpu` cells and `gpu.kernel`. Each class has a fixed
 * `name` (what the kernel reports as `ename`) and keeps the original failure
 * as `cause`, so that the traceback still shows what gpu.js said.
 */

/** A `%%gpu` plan that cannot run as given (bad output size, bad arguments). Base of the other GPU errors. */
export class GpuError extends Error {
  override name = "GpuError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The requested mode cannot run on this machine; `reason` is the probe's real failure. */
export class GpuUnavailableError extends GpuError {
  override name = "GpuUnavailableError";
  constructor(
    message: string,
    readonly mode: string,
    readonly reason: string | undefined,
    readonly workingModes: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where in the cell a kernel error points, when it can be found. */
export interface KernelErrorLocation {
  /** line in the cell, 1-based (body line + lineOffset) */
  cellLine: number;
  /** column in that line, 1-based */
  column: number;
}

/** gpu.js rejected or failed to run the kernel body (unsupported syntax, unknown name, runtime failure). */
export class GpuKernelError extends GpuError {
  override name = "GpuKernelError";
  constructor(
    message: string,
    readonly mode: string,
    readonly location: KernelErrorLocation | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
