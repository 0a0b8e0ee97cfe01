/** `comm` inside an SPMD task (README, Magics: comm in SPMD cells). Every call goes through the pool's broker. */
import type { CollectiveOp, CommRequest } from "../run/messages";
import { alltoallLengthMessage, lengthProblem } from "../transfer/comm-shape";

export type ReduceOp = "sum" | "min" | "max" | "prod" | ((a: unknown, b: unknown) => unknown);

export type CommTransport = (req: CommRequest, expectReply: boolean) => Promise<unknown>;

const BUILTIN_OPS: Record<string, (a: number, b: number) => number> = {
  sum: (a, b) => a + b,
  prod: (a, b) => a * b,
  min: (a, b) => Math.min(a, b),
  max: (a, b) => Math.max(a, b),
};

export class WorkerComm {
  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly transport: CommTransport,
  ) {}

  /** Buffered send: returns at once; the value is queued for `dest`. */
  send(dest: number, value: unknown): void {
    this.checkRank(dest, "send(dest, value)", "dest");
    void this.transport({ kind: "send", dest, value }, false);
  }

  /** The next value sent to this rank (from `source`, or from anyone). */
  recv(source?: number): Promise<unknown> {
    if (source !== undefined) this.checkRank(source, "recv(source)", "source");
    return this.transport({ kind: "recv", source }, true);
  }

  barrier(): Promise<void> {
    return this.collective("barrier", 0) as Promise<void>;
  }

  bcast<T>(value: T, root = 0): Promise<T> {
    return this.collective("bcast", root, this.rank === root ? value : undefined) as Promise<T>;
  }

  scatter<T>(array: T[] | undefined, root = 0): Promise<T> {
    return this.collective("scatter", root, this.rank === root ? array : undefined) as Promise<T>;
  }

  /** Array of every rank's value (rank order) at root, undefined elsewhere. */
  gather<T>(value: T, root = 0): Promise<T[] | undefined> {
    return this.collective("gather", root, value) as Promise<T[] | undefined>;
  }

  /** Array of every rank's value (rank order), on every rank. */
  allgather<T>(value: T): Promise<T[]> {
    return this.collective("allgather", 0, value) as Promise<T[]>;
  }

  /**
   * Personalised exchange: values[d] goes to rank d; resolves to what each rank sent this one,
   * in rank order. The length is checked here, before anything is sent, so the error is this rank's.
   */
  alltoall<T>(values: ArrayLike<T>): Promise<T[]> {
    const bad = lengthProblem(values, this.size);
    if (bad) throw new RangeError(alltoallLengthMessage(this.rank, this.size, bad));
    return this.collective("alltoall", 0, values) as Promise<T[]>;
  }

  /** Combined value at root, undefined elsewhere. Ops are applied here, at root (functions cannot be cloned). */
  async reduce<T>(value: T, op: ReduceOp, root = 0): Promise<T | undefined> {
    const fn = opFunction(op);
    const all = await this.gather(value, root);
    return all === undefined ? undefined : all.reduce((a, b) => fn(a, b) as T);
  }

  async allreduce<T>(value: T, op: ReduceOp): Promise<T> {
    const r = await this.reduce(value, op, 0);
    return this.bcast(r as T, 0);
  }

  private collective(op: CollectiveOp, root: number, value?: unknown): Promise<unknown> {
    this.checkRank(root, `${op}(..., root)`, "root");
    return this.transport({ kind: "collective", op, root, value }, true);
  }

  private checkRank(r: number, call: string, what: string): void {
    if (!Number.isInteger(r) || r < 0 || r >= this.size) {
      throw new RangeError(`comm.${call}: ${what} must be a rank 0..${this.size - 1}, got ${String(r)}.`);
    }
  }
}

/** Built-in ops work on numbers and element-wise on arrays/typed arrays of numbers. */
function opFunction(op: ReduceOp): (a: unknown, b: unknown) => unknown {
  if (typeof op === "function") return op;
  const f = BUILTIN_OPS[op];
  if (!f)
    throw new TypeError(
      `comm.reduce: unknown op "${String(op)}". Use "sum", "min", "max", "prod" or a function (a, b) => value.`,
    );
  const apply = (a: unknown, b: unknown): unknown => {
    if (typeof a === "number" && typeof b === "number") return f(a, b);
    if (typeof a === "bigint" && typeof b === "bigint") return f(a as never, b as never);
    if (isNumberList(a) && isNumberList(b)) {
      const out = Array.isArray(a)
        ? new Array<unknown>(a.length)
        : new (a.constructor as new (n: number) => number[])(a.length);
      for (let i = 0; i < a.length; i++) out[i] = apply(a[i], b[i]);
      return out;
    }
    throw new TypeError(
      `comm.reduce: op "${op}" needs numbers or arrays of numbers, got ${typeof a} and ${typeof b}. Pass a function op for other values.`,
    );
  };
  return apply;
}

function isNumberList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}
