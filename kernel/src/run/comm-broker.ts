/**
 * The message broker of one SPMD job: every comm call passes through here, so it knows exactly
 * which messages are in flight and which rank waits on what, and can report a deadlock.
 */
import { CommError, DeadlockError } from "../errors";
import type { CollectiveOp, CommRequest } from "./messages";
import { alltoallLengthMessage, lengthProblem } from "../transfer/comm-shape";

export interface BrokerIO {
  reply(rank: number, reqId: number, value: unknown): void;
  /** Deadlock or misuse: the job must fail with this error. */
  fail(error: Error): void;
  /**
   * Resolves once each of these ranks' workers has answered from a free event loop (so none
   * is still computing with a recv pending but not yet awaited).
   */
  probe(ranks: number[]): Promise<void>;
}

type Wait = { kind: "recv"; reqId: number; source?: number } | { kind: "collective"; op: CollectiveOp; step: number };

interface PendingCollective {
  op: CollectiveOp;
  root: number;
  values: Map<number, unknown>;
  reqIds: Map<number, number>;
}

/**
 * A deadlock is reported only after the blocked state has held this long with no activity, and
 * every blocked worker has answered a probe (its event loop is free). Not covered: a rank that
 * waits in recv while a timer of its own will send later (timers are invisible to the broker).
 */
export const DEADLOCK_DELAY_MS = 200;

export class CommBroker {
  private readonly mail: { from: number; value: unknown }[][];
  private readonly waiting = new Map<number, Wait>();
  private readonly finished = new Set<number>();
  private readonly steps: number[];
  private readonly collectives = new Map<number, PendingCollective>();
  private activity = 0;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    readonly size: number,
    private readonly io: BrokerIO,
    private readonly delayMs = DEADLOCK_DELAY_MS,
  ) {
    this.mail = Array.from({ length: size }, () => []);
    this.steps = new Array<number>(size).fill(0);
  }

  handle(rank: number, reqId: number, req: CommRequest): void {
    if (this.disposed) return;
    this.activity++;
    switch (req.kind) {
      case "send":
        this.send(rank, req.dest, req.value);
        break;
      case "recv":
        this.recv(rank, reqId, req.source);
        break;
      case "collective":
        this.collective(rank, reqId, req.op, req.root, req.value);
        break;
    }
    this.check();
  }

  /** The rank's task has ended (returned, threw or its worker died). */
  rankDone(rank: number): void {
    if (this.disposed) return;
    this.activity++;
    this.finished.add(rank);
    this.waiting.delete(rank);
    this.check();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private send(from: number, dest: number, value: unknown): void {
    const w = this.waiting.get(dest);
    if (w?.kind === "recv" && (w.source === undefined || w.source === from)) {
      this.waiting.delete(dest);
      this.io.reply(dest, w.reqId, value);
    } else {
      this.mail[dest].push({ from, value });
    }
  }

  private recv(rank: number, reqId: number, source?: number): void {
    const box = this.mail[rank];
    const i = box.findIndex((m) => source === undefined || m.from === source);
    if (i >= 0) {
      const [m] = box.splice(i, 1);
      this.io.reply(rank, reqId, m.value);
    } else {
      this.waiting.set(rank, { kind: "recv", reqId, source });
    }
  }

  private collective(rank: number, reqId: number, op: CollectiveOp, root: number, value: unknown): void {
    const step = this.steps[rank]++;
    let p = this.collectives.get(step);
    if (!p) {
      p = { op, root, values: new Map(), reqIds: new Map() };
      this.collectives.set(step, p);
    } else if (p.op !== op || p.root !== root) {
      const other = [...p.values.keys()][0];
      this.fail(
        new CommError(
          `Collective mismatch at collective #${step + 1}: w${other} called ${describeCall(p.op, p.root)} but w${rank} called ${describeCall(op, root)}. ` +
            `All ranks must call the same collectives, with the same root, in the same order.`,
        ),
      );
      return;
    }
    p.values.set(rank, value);
    p.reqIds.set(rank, reqId);
    this.waiting.set(rank, { kind: "collective", op, step });
    if (p.values.size === this.size) this.complete(step, p);
  }

  private complete(step: number, p: PendingCollective): void {
    this.collectives.delete(step);
    let results: (r: number) => unknown;
    if (p.op === "barrier") results = () => undefined;
    else if (p.op === "bcast") {
      const v = p.values.get(p.root);
      results = () => v;
    } else if (p.op === "gather") {
      const all = Array.from({ length: this.size }, (_, r) => p.values.get(r));
      results = (r) => (r === p.root ? all : undefined);
    } else if (p.op === "allgather") {
      const all = Array.from({ length: this.size }, (_, r) => p.values.get(r));
      results = () => all;
    } else if (p.op === "alltoall") {
      // Checked here as well as in the worker's comm, since a worker's values reach the broker
      // unchecked if someone bypasses WorkerComm; a wrong length must fail, not hand out undefined.
      for (const [r, v] of p.values) {
        const bad = lengthProblem(v, this.size);
        if (bad) {
          this.fail(new CommError(alltoallLengthMessage(r, this.size, bad)));
          return;
        }
      }
      // Rank r receives element r of every rank's array, in sender rank order.
      const rows = Array.from({ length: this.size }, (_, s) => p.values.get(s) as ArrayLike<unknown>);
      results = (r) => rows.map((row) => row[r]);
    } else {
      const arr = p.values.get(p.root) as ArrayLike<unknown> | undefined;
      if (!arr || typeof arr !== "object" || typeof arr.length !== "number" || arr.length !== this.size) {
        const got =
          arr && typeof arr === "object" && typeof arr.length === "number" ? `length ${arr.length}` : typeof arr;
        this.fail(
          new CommError(
            `comm.scatter(array, ${p.root}): at root w${p.root} the array must have one element per rank (length ${this.size}), got ${got}. ` +
              `Split your data into ${this.size} parts first.`,
          ),
        );
        return;
      }
      results = (r) => arr[r];
    }
    for (const [r, reqId] of p.reqIds) {
      this.waiting.delete(r);
      this.io.reply(r, reqId, results(r));
    }
  }

  private fail(e: Error): void {
    this.dispose();
    this.io.fail(e);
  }

  private allBlocked(): boolean {
    let running = 0;
    for (let r = 0; r < this.size; r++) {
      if (this.finished.has(r)) continue;
      running++;
      if (!this.waiting.has(r)) return false;
    }
    return running > 0;
  }

  private check(): void {
    if (this.disposed || this.timer || !this.allBlocked()) return;
    const seen = this.activity;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.disposed) return;
      if (this.activity !== seen) return this.check();
      if (!this.allBlocked()) return;
      void this.io.probe([...this.waiting.keys()]).then(() => {
        if (this.disposed) return;
        if (this.activity !== seen) return this.check();
        if (this.allBlocked()) this.fail(this.deadlockError());
      });
    }, this.delayMs);
    this.timer.unref?.();
  }

  private deadlockError(): DeadlockError {
    const waits: string[] = [];
    for (let r = 0; r < this.size; r++) {
      const w = this.waiting.get(r);
      if (!w) {
        waits.push(`w${r} has finished`);
      } else if (w.kind === "recv") {
        waits.push(`w${r} waits in recv(from ${w.source === undefined ? "any rank" : `w${w.source}`})`);
      } else {
        const p = this.collectives.get(w.step);
        const missing = [...Array(this.size).keys()].filter((x) => !p?.values.has(x)).map((x) => `w${x}`);
        waits.push(`w${r} waits in ${w.op}() for ${missing.join(", ")}`);
      }
    }
    const flights: string[] = [];
    this.mail.forEach((box, dest) => {
      const counts = new Map<number, number>();
      for (const m of box) counts.set(m.from, (counts.get(m.from) ?? 0) + 1);
      for (const [from, n] of counts) flights.push(`w${from}→w${dest} ×${n}`);
    });
    const inFlight = flights.length
      ? `undelivered messages nobody waits for: ${flights.join(", ")}`
      : "no message in flight";
    return new DeadlockError(
      waits,
      inFlight,
      "Check that every comm.recv has a matching comm.send and that all ranks reach the same collectives in the same order.",
    );
  }
}

function describeCall(op: CollectiveOp, root: number): string {
  if (op === "barrier") return "barrier()";
  // allgather and alltoall have no root: every rank gets a result.
  if (op === "allgather" || op === "alltoall") return `${op}(...)`;
  return `${op}(..., root ${root})`;
}
