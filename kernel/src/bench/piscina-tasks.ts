/** Worker functions for piscina in the tiny-task benchmark (selected by `name`). */

export function inc(x: number): number {
  return x + 1;
}

export function incBatch(xs: number[]): number[] {
  return xs.map((x) => x + 1);
}
