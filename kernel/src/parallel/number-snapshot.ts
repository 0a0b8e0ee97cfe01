/**
 * The copy parallel.map takes of an array of numbers when it is called (so that the caller changing
 * its array afterwards changes no result), in memory kept from run to run: a fresh buffer is fresh
 * pages from the OS under the kernelspec's MALLOC_MMAP_THRESHOLD_, ~0.4 ms of page faults for
 * 100,000 numbers, where filling a kept one takes ~0.08 ms. One buffer is kept; a run returns its
 * copy when it has ended (runParallel), and a copy taken while another is out gets a buffer of its own.
 */
import { MIN_PACKED_LENGTH } from "../transfer/pack-numbers";

/** Buffers larger than this are not kept. */
const KEEP_BYTES = 16 * 1024 * 1024;

let kept: ArrayBuffer | undefined;

/** The numbers, copied into a Float64Array; undefined when they are not all numbers or too few to pack. */
export function snapshotNumbers(values: readonly unknown[]): Float64Array | undefined {
  const n = values.length;
  if (n < MIN_PACKED_LENGTH) return undefined;
  for (let i = 0; i < n; i++) if (typeof values[i] !== "number") return undefined;
  const bytes = n * Float64Array.BYTES_PER_ELEMENT;
  let buffer = kept;
  if (buffer && buffer.byteLength >= bytes) kept = undefined;
  else buffer = new ArrayBuffer(bytes);
  const view = new Float64Array(buffer, 0, n);
  view.set(values as readonly number[]);
  return view;
}

/** A run that took `items` has ended and nothing reads them any more: their buffer may be reused. */
export function releaseSnapshot(items: unknown): void {
  if (!(items instanceof Float64Array)) return;
  const buffer = items.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength > KEEP_BYTES) return;
  if (!kept || kept.byteLength < buffer.byteLength) kept = buffer;
}
