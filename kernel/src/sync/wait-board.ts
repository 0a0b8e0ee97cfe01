/**
 * What each worker thread is blocked on, written in shared memory that the kernel reads: a worker
 * stuck in Atomics.wait cannot answer a message, but the kernel can see that every worker of a
 * job waits on a lock, a semaphore, a barrier or a queue that only another waiting worker could
 * release, and report the deadlock (who holds and who waits for what) instead of hanging.
 *
 * One row per rank: [kind, object id, sequence]; the sequence changes on every wait and wake, so
 * two equal readings some time apart mean nobody moved.
 */
export const WAIT_FIELDS = 4;
const KIND = 0;
const OBJECT = 1;
const SEQ = 2;
const TIMED = 3;

export type WaitKind = "lock" | "acquire" | "barrier" | "push" | "pop";
const KINDS: readonly WaitKind[] = ["lock", "acquire", "barrier", "push", "pop"];

/** Rows for `ranks` workers. */
export function newWaitBoard(ranks: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, ranks) * WAIT_FIELDS * Int32Array.BYTES_PER_ELEMENT));
}

let board: Int32Array | undefined;
let row = -1;

/** The worker runtime says where this thread reports (its rank's row), before each task. */
export function attachWaitBoard(b: Int32Array | undefined, rank: number): void {
  board = b && (rank + 1) * WAIT_FIELDS <= b.length ? b : undefined;
  row = rank;
}

/**
 * Marks `rank` as not waiting. The kernel calls it before it gives the rank a task: a worker that
 * was stopped while blocked (a deadlock, an interrupt) leaves its row behind, and its replacement
 * must not look blocked in a later cell before it has waited on anything.
 */
export function clearWait(b: Int32Array, rank: number): void {
  const base = rank * WAIT_FIELDS;
  if (base + WAIT_FIELDS > b.length || Atomics.load(b, base + KIND) === 0) return;
  Atomics.store(b, base + KIND, 0);
  Atomics.add(b, base + SEQ, 1);
}

/** The rank this thread runs as, or -1 in the kernel (no board). */
export function currentRank(): number {
  return board ? row : -1;
}

/** Runs `wait` (an Atomics.wait) with the wait shown on the board. */
export function blockedOn<T>(kind: WaitKind, objectId: number, timed: boolean, wait: () => T): T {
  if (!board) return wait();
  const base = row * WAIT_FIELDS;
  Atomics.store(board, base + OBJECT, objectId);
  Atomics.store(board, base + TIMED, timed ? 1 : 0);
  Atomics.store(board, base + KIND, KINDS.indexOf(kind) + 1);
  Atomics.add(board, base + SEQ, 1);
  try {
    return wait();
  } finally {
    Atomics.store(board, base + KIND, 0);
    Atomics.add(board, base + SEQ, 1);
  }
}

export interface BoardWait {
  rank: number;
  kind: WaitKind;
  objectId: number;
  /** A wait with a timeout ends on its own: never part of a deadlock. */
  timed: boolean;
  seq: number;
}

/** What each of `ranks` is blocked on now (undefined: not blocked in a sync wait). */
export function readWaits(b: Int32Array, ranks: readonly number[]): (BoardWait | undefined)[] {
  return ranks.map((rank) => {
    const base = rank * WAIT_FIELDS;
    if (base + WAIT_FIELDS > b.length) return undefined;
    const kind = Atomics.load(b, base + KIND);
    if (kind === 0) return undefined;
    return {
      rank,
      kind: KINDS[kind - 1],
      objectId: Atomics.load(b, base + OBJECT),
      timed: Atomics.load(b, base + TIMED) === 1,
      seq: Atomics.load(b, base + SEQ),
    };
  });
}

/** A fresh nonzero id for a shared object, the same in every thread that receives it. */
export function newObjectId(): number {
  return 1 + Math.floor(Math.random() * 0x7ffffffe);
}
