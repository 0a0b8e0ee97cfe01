/**
 * Arrays of plain numbers travel between threads as Float64Array: structured clone copies a typed
 * array as one block (~0.1 ms for 100,000 numbers) instead of element by element (~7 ms). A
 * Float64Array holds every JS number exactly, and reading `items[i]` works the same.
 */
const MIN_LENGTH = 64;

export function packNumbers<T>(values: T[]): T[] | Float64Array {
  if (values.length < MIN_LENGTH) return values;
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== "number") return values;
  return Float64Array.from(values as unknown as number[]);
}
