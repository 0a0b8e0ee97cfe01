/**
 * Arrays of plain numbers travel between threads as Float64Array: structured clone copies a typed
 * array as one block (~0.1 ms for 100,000 numbers) instead of element by element (~7 ms), and a
 * typed array's buffer can even be transferred (moved, not copied). A Float64Array holds every JS
 * number exactly (-0, NaN, Infinity, integers and fractions alike), and reading `items[i]` works
 * the same.
 */
export const MIN_PACKED_LENGTH = 64;

export function packNumbers<T>(values: T[]): T[] | Float64Array {
  if (values.length < MIN_PACKED_LENGTH) return values;
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== "number") return values;
  return Float64Array.from(values as unknown as number[]);
}

/** A typed array other than a DataView (items a map may be given as is). */
export function isTypedArray(value: unknown): value is ArrayLike<number> & ArrayBufferView {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/**
 * A chunk's results as they are computed: into a Float64Array while every one is a number (no
 * second pass to pack them, and the buffer is transferred back), into a plain array from the first
 * one that is not (the numbers so far are copied over, so nothing changes but the container).
 * Given a `target` (a thread pool's shared results, pool/number-buffers.ts), numbers go there;
 * otherwise chunks shorter than MIN_PACKED_LENGTH use a plain array from the start.
 */
export class ResultCollector {
  #numbers: Float64Array | undefined;
  #values: unknown[] | undefined;

  constructor(
    readonly capacity: number,
    target?: Float64Array,
  ) {
    if (target && target.length >= capacity) this.#numbers = target;
    else if (capacity >= MIN_PACKED_LENGTH) this.#numbers = new Float64Array(capacity);
    else this.#values = new Array<unknown>(capacity);
  }

  set(i: number, value: unknown): void {
    const numbers = this.#numbers;
    if (numbers !== undefined) {
      if (typeof value === "number") {
        numbers[i] = value;
        return;
      }
      this.#unpack(i);
    }
    this.#values![i] = value;
  }

  /**
   * The first `length` results: a Float64Array when all were numbers (a view of the target when
   * there is one), else a plain array.
   */
  finish(length: number): Float64Array | unknown[] {
    const numbers = this.#numbers;
    if (numbers !== undefined) {
      if (length === numbers.length) return numbers;
      return numbers.buffer instanceof SharedArrayBuffer ? numbers.subarray(0, length) : numbers.slice(0, length);
    }
    const values = this.#values!;
    values.length = length;
    return values;
  }

  #unpack(filled: number): void {
    const numbers = this.#numbers!;
    const values = new Array<unknown>(this.capacity);
    for (let k = 0; k < filled; k++) values[k] = numbers[k];
    this.#values = values;
    this.#numbers = undefined;
  }
}

/**
 * The buffer to transfer with a message that carries `values`: a Float64Array that alone owns its
 * whole (non-shared) buffer, so that moving it takes nothing from anyone else.
 */
export function transferableBuffer(values: unknown): ArrayBuffer | undefined {
  if (!(values instanceof Float64Array)) return undefined;
  const buffer = values.buffer;
  if (!(buffer instanceof ArrayBuffer) || values.byteOffset !== 0 || values.byteLength !== buffer.byteLength)
    return undefined;
  return buffer;
}
