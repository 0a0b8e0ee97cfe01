/**
 * Cheap estimate of how many bytes a value costs to copy to or from a worker.
 *
 * Honest note: this is NOT the exact structured-clone size. Serializing every payload a second
 * time just to count it would double the cost of copying, so we walk the value instead:
 * typed arrays and ArrayBuffers count their exact byteLength (0 when backed by a
 * SharedArrayBuffer: shared memory is not copied), strings count 2 bytes per char, numbers 8,
 * and arrays/objects with many entries are sampled (first SAMPLE entries, extrapolated).
 */

const SAMPLE = 16;
const MAX_DEPTH = 6;

export function estimateBytes(value: unknown, depth = 0): number {
  switch (typeof value) {
    case "number":
    case "bigint":
      return 8;
    case "boolean":
    case "undefined":
      return 1;
    case "string":
      return 4 + value.length * 2;
    case "function":
    case "symbol":
      return 0;
  }
  if (value === null) return 1;
  if (depth > MAX_DEPTH) return 8;
  if (ArrayBuffer.isView(value)) {
    return isShared(value.buffer) ? 0 : value.byteLength;
  }
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer) return 0;
  if (Array.isArray(value)) return 8 + sampled(value.length, (i) => value[i], depth);
  if (value instanceof Map) {
    const entries = [...value.entries()];
    return 8 + sampled(entries.length, (i) => entries[i], depth);
  }
  if (value instanceof Set) {
    const entries = [...value.values()];
    return 8 + sampled(entries.length, (i) => entries[i], depth);
  }
  if (value instanceof Date) return 16;
  const keys = Object.keys(value as object);
  const obj = value as Record<string, unknown>;
  return 8 + sampled(keys.length, (i) => [keys[i], obj[keys[i]]], depth);
}

function sampled(n: number, at: (i: number) => unknown, depth: number): number {
  const k = Math.min(n, SAMPLE);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += estimateBytes(at(i), depth + 1);
  return k === 0 ? 0 : Math.round((sum / k) * n);
}

export function isShared(buffer: unknown): boolean {
  return typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer;
}

/** The kernel variables a run copies to each worker, counted the same way on the pool and a cluster. */
export function estimateVarsBytes(vars: Record<string, unknown>): number {
  let bytes = 0;
  for (const value of Object.values(vars)) bytes += estimateBytes(value);
  return bytes;
}
