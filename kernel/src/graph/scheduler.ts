/**
 * Every scheduling decision of a graph run (the GraphScheduler a Runner drives): which tasks are
 * needed, which are ready, which ready task goes to which idle worker, where each input comes
 * from, and when a worker may drop a result. Pure bookkeeping, so it is tested with tables.
 *
 * The policy, and why:
 * - Greedy: a ready task never waits while a worker is idle. That is the condition of Brent's
 *   bound (T_P ≤ T1/P + T∞), which the graph chart compares the run against.
 * - Highest first: among ready tasks, the one with the longest chain of tasks still behind it
 *   (a critical-path heuristic), then the one made first.
 * - Locality: a task goes to the idle worker that already holds most bytes of its inputs, so that
 *   a chain stays on one worker and its data never moves.
 * - Batches for tiny tasks: when more tasks are ready than workers are idle and tasks have been
 *   taking well under a millisecond, a worker gets several at once (about TARGET_BATCH_MS of
 *   work), as map items travel in chunks: otherwise a round trip per task dominates. A task in a
 *   batch may wait for its batch-mates while another worker idles, so this bends the greedy rule
 *   by at most TARGET_BATCH_MS, and only for tasks that small.
 */
import type { Assignment, GraphScheduler, HeldResult, InputSource, Release } from "../run/graphs";
import { TaskHeap } from "./heap";

export type TaskState = "waiting" | "ready" | "running" | "ok" | "error" | "skipped" | "cancelled" | "kept";

export interface SchedulerTask {
  id: string;
  deps: readonly string[];
}

/** How many ready tasks are weighed per idle worker in one assign (bounds the work per call). */
const CANDIDATES_PER_WORKER = 4;
/** Work per batch that makes messaging (~0.1 ms a round trip) a small share. */
export const TARGET_BATCH_MS = 2;
const MAX_BATCH = 256;

export class TaskScheduler implements GraphScheduler {
  private readonly deps = new Map<string, readonly string[]>();
  private readonly order = new Map<string, number>();
  private readonly state = new Map<string, TaskState>();
  private readonly dependents = new Map<string, string[]>();
  private readonly missing = new Map<string, number>();
  private readonly height = new Map<string, number>();
  private readonly holders = new Map<string, Set<number>>();
  private readonly bytes = new Map<string, number>();
  private readonly inputsOf = new Map<string, InputSource[]>();
  private readonly why = new Map<string, string>();
  /** Tasks sent in one batch right after the input they read: id → that input. */
  private readonly chainedAfter = new Map<string, string>();
  private readonly ready = new TaskHeap();
  private readyCount = 0;
  private running = 0;
  private doneCount = 0;
  private doneMs = 0;
  /** Tasks this run needs to run (set by start). */
  private toRun = 0;
  /** Results another compute waits for: kept on their worker when their readers here finish. */
  private readonly wanted = new Set<string>();

  /** `tasks` inputs first; `outputs` are what the caller wants back. */
  constructor(
    tasks: readonly SchedulerTask[],
    private readonly outputs: readonly string[],
  ) {
    tasks.forEach((t, i) => {
      this.deps.set(t.id, t.deps);
      this.order.set(t.id, i);
    });
    for (const id of outputs) {
      if (!this.deps.has(id)) throw new Error(`scheduler: output ${id} is not a task of the job`);
    }
  }

  start(kept: ReadonlyMap<string, HeldResult>): Map<string, number> {
    for (const [id, held] of kept) {
      if (!this.deps.has(id)) continue;
      this.holders.set(id, new Set([held.rank]));
      this.bytes.set(id, held.bytes);
    }
    // Needed: the outputs, and what they read, down to results that are already on a worker.
    const stack = [...this.outputs];
    while (stack.length) {
      const id = stack.pop()!;
      if (this.state.has(id)) continue;
      if (this.holders.has(id)) {
        this.state.set(id, "kept");
        continue;
      }
      this.state.set(id, "waiting");
      for (const d of this.deps.get(id)!) stack.push(d);
    }
    const needed = [...this.state.keys()].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    for (const id of needed) {
      if (this.state.get(id) !== "waiting") continue;
      let missing = 0;
      for (const d of this.deps.get(id)!) {
        const list = this.dependents.get(d) ?? [];
        list.push(id);
        this.dependents.set(d, list);
        if (this.state.get(d) !== "kept") missing++;
      }
      this.missing.set(id, missing);
    }
    for (let i = needed.length - 1; i >= 0; i--) {
      const id = needed[i];
      const below = (this.dependents.get(id) ?? []).map((d) => this.height.get(d) ?? 0);
      this.height.set(id, 1 + Math.max(0, ...below));
    }
    this.toRun = needed.filter((id) => this.state.get(id) === "waiting").length;
    for (const id of needed) if (this.state.get(id) === "waiting" && this.missing.get(id) === 0) this.makeReady(id);
    const fetchBack = new Map<string, number>();
    for (const id of this.outputs) {
      if (this.state.get(id) === "kept") fetchBack.set(id, this.holderOf(id)!);
    }
    return fetchBack;
  }

  assign(idle: readonly number[]): Assignment[] {
    const perWorker = this.batchSize(idle.length);
    const room = new Map(idle.map((r) => [r, perWorker]));
    const candidates: string[] = [];
    const want = idle.length * Math.max(perWorker, CANDIDATES_PER_WORKER);
    while (candidates.length < want && this.ready.size > 0) {
      const id = this.ready.pop()!;
      if (this.state.get(id) === "ready") candidates.push(id);
    }
    const out: Assignment[] = [];
    const placed = new Set<string>();
    const chain = this.chainLength();
    const take = (id: string, rank: number) => {
      out.push(this.place(id, rank));
      placed.add(id);
      if (chain > 1) out.push(...this.followChain(id, rank, chain));
      const left = room.get(rank)! - 1;
      if (left > 0) room.set(rank, left);
      else room.delete(rank);
    };
    // Pass 1: tasks whose inputs already sit on an idle worker go there.
    for (const id of candidates) {
      if (room.size === 0) break;
      let best: number | undefined;
      let bestBytes = 0;
      for (const rank of [...room.keys()].sort((a, b) => a - b)) {
        const local = this.localBytes(id, rank);
        if (local > bestBytes) {
          best = rank;
          bestBytes = local;
        }
      }
      if (best !== undefined) take(id, best);
    }
    // Pass 2: the rest, best first, to the idle workers with the most room (lowest rank first).
    for (const id of candidates) {
      if (placed.has(id)) continue;
      let rank: number | undefined;
      for (const [r, left] of [...room].sort((a, b) => a[0] - b[0]))
        if (rank === undefined || left > room.get(rank)!) rank = r;
      if (rank === undefined) this.ready.push(id, this.height.get(id)!, this.order.get(id)!);
      else take(id, rank);
    }
    return sendsFirst(out);
  }

  /** How many links of a chain go with its first task (1: no chaining until tasks are known to be tiny). */
  private chainLength(): number {
    if (this.doneCount === 0) return 1;
    const meanMs = this.doneMs / this.doneCount;
    return Math.max(1, Math.min(MAX_BATCH, Math.floor(TARGET_BATCH_MS / Math.max(meanMs, 1e-3))));
  }

  /**
   * The tasks that follow `id` in a linear chain (its only reader, whose other inputs are already
   * on `rank`), placed on `rank` in the same batch: the worker runs them one after the other and
   * the data never leaves it, without a round trip to the kernel per link (Dask fuses such chains).
   * Only for tiny tasks: none of them was ready, so no other worker is kept from work.
   */
  private followChain(id: string, rank: number, limit: number): Assignment[] {
    const out: Assignment[] = [];
    let last = id;
    while (out.length + 1 < limit) {
      const readers = this.dependents.get(last) ?? [];
      const next = readers[0];
      if (readers.length !== 1 || this.state.get(next) !== "waiting") break;
      const inputs: InputSource[] = [];
      let here = true;
      for (const dep of new Set(this.deps.get(next))) {
        if (dep === last || this.holders.get(dep)?.has(rank)) inputs.push({ id: dep });
        else here = false;
      }
      if (!here) break;
      this.inputsOf.set(next, inputs);
      this.chainedAfter.set(next, last);
      this.state.set(next, "running");
      this.running++;
      out.push({ id: next, rank, inputs, keep: (this.dependents.get(next) ?? []).length > 0 });
      last = next;
    }
    return out;
  }

  /** Tasks per idle worker now: 1 until tasks are known to be tiny and plenty are ready. */
  private batchSize(idle: number): number {
    if (idle === 0 || this.readyCount <= idle || this.doneCount === 0) return 1;
    const meanMs = this.doneMs / this.doneCount;
    const byTime = Math.floor(TARGET_BATCH_MS / Math.max(meanMs, 1e-3));
    return Math.max(1, Math.min(MAX_BATCH, byTime, Math.ceil(this.readyCount / idle)));
  }

  succeeded(id: string, rank: number, resultBytes: number, durationMs = 0): Release[] {
    this.settle(id, "ok");
    this.doneCount++;
    this.doneMs += durationMs;
    this.bytes.set(id, resultBytes);
    // The worker stored the result if a later task reads it, and a copy of every input it fetched.
    if ((this.dependents.get(id) ?? []).length > 0) this.hold(id, rank);
    for (const input of this.inputsOf.get(id) ?? []) if (input.from !== undefined) this.hold(input.id, rank);
    for (const d of this.dependents.get(id) ?? []) {
      if (this.state.get(d) !== "waiting") continue;
      const left = this.missing.get(d)! - 1;
      this.missing.set(d, left);
      if (left === 0) this.makeReady(d);
    }
    // Drop inputs once every task that reads them has finished well.
    const drop = new Map<number, string[]>();
    for (const dep of new Set(this.deps.get(id))) {
      if (this.wanted.has(dep)) continue;
      if (!(this.dependents.get(dep) ?? []).every((d) => this.state.get(d) === "ok")) continue;
      for (const r of this.holders.get(dep) ?? []) drop.set(r, [...(drop.get(r) ?? []), dep]);
      this.holders.delete(dep);
    }
    return [...drop].map(([r, ids]) => ({ rank: r, ids }));
  }

  /**
   * Another compute needs this task's result: keep it on its worker (it is in holdings() at the
   * end) rather than dropping it once the tasks here that read it finish. A result dropped
   * already is gone; an output comes back to the kernel anyway.
   */
  want(id: string): void {
    this.wanted.add(id);
  }

  failed(id: string): void {
    // A chained task whose input failed before it in the same batch was skipped, not failed.
    if (this.state.get(id) === "skipped") return;
    this.settle(id, "error");
    this.skipDependents(id, `its input ${id} failed`);
  }

  lost(rank: number): void {
    for (const [id, ranks] of this.holders) {
      if (!ranks.delete(rank) || ranks.size > 0) continue;
      this.holders.delete(id);
      // Tasks not yet started that needed it cannot run now; a later compute recomputes it.
      for (const d of this.dependents.get(id) ?? []) {
        const s = this.state.get(d);
        if (s === "waiting" || s === "ready") {
          this.skip(d, `its input ${id} was lost when worker w${rank} stopped`);
          this.skipDependents(d, `its input ${id} was lost when worker w${rank} stopped`);
        }
      }
    }
  }

  abort(): void {
    for (const [id, s] of this.state) {
      if (s === "running") this.settle(id, "cancelled");
      else if (s === "waiting" || s === "ready") this.skip(id, "the run was stopped before it started", "cancelled");
    }
  }

  get total(): number {
    return this.toRun;
  }

  get finished(): boolean {
    return this.running === 0 && this.readyCount === 0;
  }

  holdings(): Map<string, HeldResult> {
    const out = new Map<string, HeldResult>();
    for (const [id, ranks] of this.holders) {
      const rank = [...ranks][0];
      if (rank !== undefined) out.set(id, { rank, bytes: this.bytes.get(id) ?? 0 });
    }
    return out;
  }

  /** The state of a node this run touched, or undefined when it was not needed. */
  stateOf(id: string): TaskState | undefined {
    return this.state.get(id);
  }

  /** Why a node was skipped or cancelled. */
  reasonOf(id: string): string | undefined {
    return this.why.get(id);
  }

  /** Where each input of a started task came from. */
  inputsFor(id: string): readonly InputSource[] {
    return this.inputsOf.get(id) ?? [];
  }

  bytesOf(id: string): number | undefined {
    return this.bytes.get(id);
  }

  private place(id: string, rank: number): Assignment {
    const inputs: InputSource[] = [];
    for (const dep of new Set(this.deps.get(id))) {
      const ranks = this.holders.get(dep);
      inputs.push(ranks?.has(rank) ? { id: dep } : { id: dep, from: this.holderOf(dep) });
    }
    this.inputsOf.set(id, inputs);
    this.state.set(id, "running");
    this.readyCount--;
    this.running++;
    return { id, rank, inputs, keep: (this.dependents.get(id) ?? []).length > 0 };
  }

  private localBytes(id: string, rank: number): number {
    let sum = 0;
    for (const dep of new Set(this.deps.get(id))) {
      // A result of unknown size still counts: keeping it where it is costs nothing.
      if (this.holders.get(dep)?.has(rank)) sum += Math.max(1, this.bytes.get(dep) ?? 0);
    }
    return sum;
  }

  private holderOf(id: string): number | undefined {
    const ranks = this.holders.get(id);
    return ranks ? Math.min(...ranks) : undefined;
  }

  private hold(id: string, rank: number): void {
    const set = this.holders.get(id) ?? new Set<number>();
    set.add(rank);
    this.holders.set(id, set);
  }

  private makeReady(id: string): void {
    this.state.set(id, "ready");
    this.readyCount++;
    this.ready.push(id, this.height.get(id)!, this.order.get(id)!);
  }

  private settle(id: string, to: TaskState): void {
    if (this.state.get(id) === "running") this.running--;
    this.state.set(id, to);
  }

  private skip(id: string, why: string, to: TaskState = "skipped"): void {
    if (this.state.get(id) === "ready") this.readyCount--;
    this.state.set(id, to);
    if (!this.why.has(id)) this.why.set(id, why);
  }

  private skipDependents(id: string, why: string): void {
    const stack = [...(this.dependents.get(id) ?? [])];
    while (stack.length) {
      const d = stack.pop()!;
      const s = this.state.get(d);
      // A task chained after its input in one batch is running, but will not run: skip it too.
      if (s === "running" && this.chainedAfter.has(d)) {
        this.settle(d, "skipped");
        if (!this.why.has(d)) this.why.set(d, why);
        stack.push(...(this.dependents.get(d) ?? []));
        continue;
      }
      if (s !== "waiting" && s !== "ready") continue;
      this.skip(d, why);
      stack.push(...(this.dependents.get(d) ?? []));
    }
  }
}

/**
 * The assignments of workers that read inputs held by other workers first, each worker's own in
 * their order. Runners dispatch in this order, so the holders are asked to send those inputs before
 * they are handed their own next task: a worker handles one message at a time, and a send queued
 * behind a task waits for it (a diamond's long branch waited 7 ms for its input while the holder ran
 * the 5 ms short branch, on the critical path).
 */
export function sendsFirst(out: readonly Assignment[]): Assignment[] {
  const reads = new Set(out.filter((a) => a.inputs.some((i) => i.from !== undefined)).map((a) => a.rank));
  return [...out.filter((a) => reads.has(a.rank)), ...out.filter((a) => !reads.has(a.rank))];
}
