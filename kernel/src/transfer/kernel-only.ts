/**
 * paralab's own API objects (parallel, gpu, delayed, compute) drive the kernel's pool, so they
 * cannot travel to a worker. They carry this mark, and a cell that names one gets the nested
 * parallelism advice instead of "cannot be cloned".
 */
const KERNEL_ONLY = Symbol.for("paralab.kernelOnly");

export const NESTED_PARALLELISM_ADVICE =
  "Flatten the work into one parallel.map over all the pieces, or split it into dependent tasks with delayed/compute.";

/** Marks `value` as the API object called `name` (e.g. "parallel"); returns it. */
export function markKernelOnly<T extends object>(value: T, name: string): T {
  Object.defineProperty(value, KERNEL_ONLY, { value: name });
  return value;
}

/** The API name `value` was marked with, if it is one of paralab's kernel-only objects. */
export function kernelOnlyName(value: unknown): string | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  const name = (value as { [KERNEL_ONLY]?: unknown })[KERNEL_ONLY];
  return typeof name === "string" ? name : undefined;
}
