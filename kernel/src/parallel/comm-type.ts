/** `op` of reduce/allreduce: a name or a function combining two values. */
export type ReduceOp<T = any> = "sum" | "min" | "max" | "prod" | ((a: T, b: T) => T); // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * `comm` inside an SPMD `%%parallel` cell (MPI-style message passing; README, Magics: comm in SPMD cells). Values travel
 * by structured clone. Received values are typed `any` unless you give a type: `comm.recv<number>()`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Comm {
  readonly rank: number;
  readonly size: number;
  /** Buffered: returns at once; `dest` receives it with recv. */
  send(dest: number, value: unknown): void;
  /** The next value sent to this rank, from `source` or from anyone. */
  recv<T = any>(source?: number): Promise<T>;
  /** root's value, on every rank. */
  bcast<T = any>(value: T, root?: number): Promise<T>;
  /** Element `rank` of root's array, on every rank. */
  scatter<T = any>(array: T[] | undefined, root?: number): Promise<T>;
  /** Every rank's value, in rank order, at root (undefined elsewhere). */
  gather<T = any>(value: T, root?: number): Promise<T[] | undefined>;
  /** Every rank's value, in rank order, on every rank. */
  allgather<T = any>(value: T): Promise<T[]>;
  /**
   * Rank r sends values[d] to rank d (values.length must equal size); resolves, on every rank,
   * to what each rank sent this one, in rank order.
   */
  alltoall<T = any>(values: ArrayLike<T>): Promise<T[]>;
  /** The values combined with op, at root (undefined elsewhere). */
  reduce<T = any>(value: T, op: ReduceOp<T>, root?: number): Promise<T | undefined>;
  /** The values combined with op, on every rank. */
  allreduce<T = any>(value: T, op: ReduceOp<T>): Promise<T>;
  /** Waits until every rank has called barrier. */
  barrier(): Promise<void>;
}
