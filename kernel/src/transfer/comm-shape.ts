/**
 * The shape rule of comm.alltoall (one value per rank), shared by the worker's comm, which checks
 * it before sending so the error points at the rank's own call, and the broker, which checks it
 * again for whatever reaches it. No imports: the worker loads this file at start-up.
 */

/** Why `v` is not an array with one element per rank ("length 3", "a number"), or undefined if it is. */
export function lengthProblem(v: unknown, size: number): string | undefined {
  const isList = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!isList) return v === null ? "null" : `a ${typeof v}`;
  const n = (v as ArrayLike<unknown>).length;
  return n === size ? undefined : `length ${n}`;
}

/** The error for an alltoall whose values do not hold one element per rank. */
export function alltoallLengthMessage(rank: number, size: number, got: string): string {
  return (
    `comm.alltoall(values): on w${rank} values must be an array with one element per rank ` +
    `(length ${size}, the size), got ${got}. Put the value for rank d at values[d], for d = 0..${size - 1}.`
  );
}
