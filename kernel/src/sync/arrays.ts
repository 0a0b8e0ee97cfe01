/** SharedArrayBuffer-backed typed arrays: every worker thread given one sees the same memory. */

function alloc<T>(n: number, bytesPer: number, make: (b: SharedArrayBuffer) => T, what: string): T {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `shared.${what}(n): n must be a non-negative integer, got ${String(n)}. Try: shared.${what}(1024)`,
    );
  }
  return make(new SharedArrayBuffer(n * bytesPer));
}

export const shared = {
  float64: (n: number): Float64Array => alloc(n, 8, (b) => new Float64Array(b), "float64"),
  float32: (n: number): Float32Array => alloc(n, 4, (b) => new Float32Array(b), "float32"),
  int32: (n: number): Int32Array => alloc(n, 4, (b) => new Int32Array(b), "int32"),
  uint8: (n: number): Uint8Array => alloc(n, 1, (b) => new Uint8Array(b), "uint8"),
  buffer: (bytes: number): SharedArrayBuffer => alloc(bytes, 1, (b) => b, "buffer"),
};
