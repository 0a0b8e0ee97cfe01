/**
 * The worker pool: a small public class over private state (piscina's Piscina over #pool).
 * Workers are persistent: the same worker serves rank r in every job, so what a job leaves in
 * its global realm is there for the next job.
 */
import os from "node:os";
import {
  BackgroundError,
  PoolClosedError,
  PoolMemoryError,
  TaskAbortedError,
  WorkerExitError,
  type WorkerStopReason,
} from "../errors";
import { availableMemoryBytes, privateMemoryBytes } from "../proc/memory";
import { SchedstatReader } from "../proc/schedstat";
import { newWaitBoard } from "../sync/wait-board";
import { describeExit } from "../run/runtimes/crash";
import { JobRun, type JobSpec } from "./job";
import { GraphRun } from "./graph-run";
import type { GraphHooks, GraphJob, GraphResult, GraphScheduler } from "../run/graphs";
import type { FromWorker, WorkerStats } from "../run/messages";
import { spawnWorker, type ExitInfo } from "../run/runtimes/index";
import { InFlight, WorkerSlot } from "./slot";
import { DynamicQueue, SpmdQueue, StaticQueue } from "./task-queue";
import type { JobHooks, JobResult, MapJob, SpmdJob, WorkerStatus } from "../run/jobs";
import type { GraphTaskMessage, TaskMessage, WorkerKind } from "../run/messages";
import type { EnsureOptions, Runner } from "../run/runner";
import { checkVars } from "./vars";
import { isTypedArray, packNumbers } from "../transfer/pack-numbers";
import { NumberBuffers } from "./number-buffers";
import { theKernelHeap } from "../proc/heap-bound";

export type { WorkerKind } from "../run/messages";

export interface PoolOptions {
  size: number;
  kind: WorkerKind;
  /** Heap limit per worker: resourceLimits.maxOldGenerationSizeMb (threads), --max-old-space-size (processes). */
  memoryLimitMb?: number;
  /** A worker caught an error outside its tasks (an un-awaited rejection, a throw in a callback). */
  onBackgroundError?: (error: BackgroundError) => void;
}

/** Workers started first, to measure what one costs, when a pool that has never measured grows. */
const PROBE_WORKERS = 2;
/** Memory a worker needs beyond its start-up to do any work (young generation, a working set). */
export const WORKING_ROOM_BYTES = 64e6;

export { defaultMemoryLimitMb } from "../run/runtimes/heap-limit";

/** Ranks whose sync waits the deadlock watch can see (64 KB of board). */
const MAX_RANKS_WATCHED = 4096;
/** A worker that dies this many times in a row before it is ready is left dead. */
const MAX_START_FAILURES = 3;
const CLOSE_TIMEOUT_MS = 2000;

export class Pool implements Runner {
  #slots: WorkerSlot[] = [];
  #kind: WorkerKind;
  #memoryLimitMb: number | undefined;
  /** Memory one worker takes to start (measured as workers start), bytes. */
  #startBytes: number | undefined;
  readonly #clocks = new SchedstatReader();
  #closed = false;
  #job: JobRun | undefined;
  /** The running task graph (jobs and graphs run one at a time, so at most one of the two is set). */
  #graph: GraphRun | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #jobIds = 0;
  #readyWaiters: (() => void)[] = [];
  /** Threads: shared memory for numeric items and results, reused from map to map. */
  readonly #numbers = new NumberBuffers();
  readonly #onBackgroundError: ((error: BackgroundError) => void) | undefined;
  /** Threads share memory with the kernel, so blocked workers can say what they wait on. */
  readonly #waitBoard: Int32Array | undefined;

  constructor(o: PoolOptions) {
    if (!Number.isInteger(o.size) || o.size < 0)
      throw new TypeError(`options.size must be a whole number of workers, got ${JSON.stringify(o.size)}`);
    if (o.kind !== "thread" && o.kind !== "process") {
      throw new TypeError(`options.kind must be "thread" or "process", got ${JSON.stringify(o.kind)}`);
    }
    if (o.memoryLimitMb !== undefined && !(Number.isFinite(o.memoryLimitMb) && o.memoryLimitMb > 0)) {
      throw new TypeError(`options.memoryLimitMb must be a positive number of MB, got ${String(o.memoryLimitMb)}`);
    }
    this.#kind = o.kind;
    this.#memoryLimitMb = o.memoryLimitMb;
    this.#onBackgroundError = o.onBackgroundError;
    this.#waitBoard = o.kind === "thread" ? newWaitBoard(MAX_RANKS_WATCHED) : undefined;
    for (let r = 0; r < o.size; r++) this.#spawn(r);
  }

  get size(): number {
    return this.#slots.length;
  }

  get kind(): WorkerKind {
    return this.#kind;
  }

  /** Heap limit of each worker, MB (undefined: V8's default). */
  get memoryLimitMb(): number | undefined {
    return this.#memoryLimitMb;
  }

  /** What one worker took to start, as measured on this pool (undefined until workers started). */
  get startBytes(): number | undefined {
    return this.#startBytes;
  }

  /** A new heap limit per worker: the workers are restarted to take it (their state is lost). */
  async setMemoryLimit(mb: number): Promise<void> {
    if (!(Number.isFinite(mb) && mb > 0))
      throw new TypeError(`memoryLimitMb must be a positive number of MB, got ${mb}`);
    this.#memoryLimitMb = mb;
    await this.restart("memory");
  }

  /** Grow or shrink to n workers (shrinking stops the highest ranks; their state is lost). */
  async resize(n: number, options: EnsureOptions = {}): Promise<void> {
    this.#checkOpen();
    checkSize(n, "size");
    while (this.#slots.length > n) this.#retire(this.#slots.pop()!, "resize");
    await this.ensureWorkers(n, undefined, options);
  }

  /**
   * Grows the pool to at least n workers and waits until they are ready. With a memory check,
   * a pool that would not fit is refused before its workers start (the first few start first,
   * to measure what one costs). Aborting (interrupt) or a refusal stops the ones this call
   * started, so the pool returns to its previous size.
   */
  async ensureWorkers(
    n: number,
    signal?: AbortSignal,
    options: EnsureOptions = {},
  ): Promise<{ started: number; ms: number }> {
    this.#checkOpen();
    checkSize(n, "workers");
    const t0 = performance.now();
    const before = this.#slots.length;
    if (n <= before && this.#slots.every((s) => s.state !== "starting")) return { started: 0, ms: 0 };
    try {
      if (options.memoryCheck && n > before) {
        if (this.#startBytes === undefined) await this.#grow(Math.min(n, before + PROBE_WORKERS), signal);
        this.#checkFits(n, options.memoryCheck);
      }
      await this.#grow(n, signal);
    } catch (e) {
      const reason: WorkerStopReason = e instanceof PoolMemoryError ? "memory-check" : "interrupt";
      while (this.#slots.length > before) this.#retire(this.#slots.pop()!, reason);
      throw e;
    }
    return { started: Math.max(0, n - before), ms: performance.now() - t0 };
  }

  /** Starts workers up to n, waits until every worker is ready, and measures what one took. */
  async #grow(n: number, signal?: AbortSignal): Promise<void> {
    const from = this.#slots.length;
    const before = this.#kind === "thread" ? privateMemoryBytes() : undefined;
    for (let r = from; r < n; r++) this.#spawn(r);
    const ready = this.#whenReady();
    if (signal) {
      const aborted = new Promise<never>((_, reject) => {
        const onAbort = () => reject(new TaskAbortedError(signal.reason));
        if (signal.aborted) onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        void ready.finally(() => signal.removeEventListener("abort", onAbort));
      });
      await Promise.race([ready, aborted]);
    } else await ready;
    if (n > from) this.#measure(this.#slots.slice(from, n), before);
  }

  /**
   * Threads: the growth of the kernel's private memory while they started, per worker (at least
   * the V8 heap each reports). Processes: each child's private memory.
   */
  #measure(started: WorkerSlot[], kernelBefore: number | undefined): void {
    const live = started.filter((s) => s.state !== "dead");
    if (!live.length) return;
    let each: number | undefined;
    if (this.#kind === "thread") {
      const after = privateMemoryBytes();
      const heap = Math.max(...live.map((s) => s.memoryBytes));
      const grown = kernelBefore !== undefined && after !== undefined ? (after - kernelBefore) / live.length : 0;
      each = Math.max(grown, heap);
    } else {
      const sizes = live.map((s) => privateMemoryBytes(s.pid) ?? s.memoryBytes);
      each = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    }
    if (each > 0) this.#startBytes = Math.max(each, this.#startBytes ?? 0);
  }

  #checkFits(n: number, check: NonNullable<EnsureOptions["memoryCheck"]>): void {
    const more = n - this.#slots.length;
    if (more <= 0 || this.#startBytes === undefined) return;
    const availableBytes = availableMemoryBytes();
    if (more * (this.#startBytes + WORKING_ROOM_BYTES) <= availableBytes) return;
    throw new PoolMemoryError({
      caller: check.caller,
      workers: n,
      kind: this.#kind,
      more,
      startBytes: this.#startBytes,
      roomBytes: WORKING_ROOM_BYTES,
      availableBytes,
      cores: os.availableParallelism(),
      override: check.override,
    });
  }

  /** Replace every worker with a fresh one (worker state is lost; a running job fails). */
  async restart(reason: WorkerStopReason = "restart"): Promise<void> {
    this.#checkOpen();
    const n = this.#slots.length;
    for (const s of this.#slots) this.#retire(s, reason);
    this.#slots = [];
    for (let r = 0; r < n; r++) this.#spawn(r);
    await this.#whenReady();
  }

  status(): WorkerStatus[] {
    return this.#slots.map((s) => ({
      rank: s.rank,
      kind: s.kind,
      state: s.state,
      tasksDone: s.tasksDone,
      cpuTimeMs: liveCpuMs(s, this.#clocks) ?? s.cpuTimeMs,
      memoryBytes: s.memoryBytes,
      osThreadId: s.osThreadId,
      pid: s.pid,
    }));
  }

  runSpmd(job: SpmdJob, hooks: JobHooks = {}): Promise<JobResult> {
    // Checked now, so that a bad call fails at once, not after the jobs queued before it.
    checkSize(job.workers, "workers");
    return this.#enqueue(() => {
      return this.#run({
        mode: "spmd",
        code: job.code,
        items: [],
        vars: job.vars ?? {},
        workers: job.workers,
        ordered: true,
        continueOnError: job.continueOnError ?? false,
        queue: new SpmdQueue(job.workers),
        hooks,
      });
    }, hooks.signal);
  }

  runMap(job: MapJob, hooks: JobHooks = {}): Promise<JobResult> {
    checkSize(job.workers, "workers");
    if (job.chunksize !== undefined) checkSize(job.chunksize, "chunksize");
    // Typed arrays are welcome: chunks of them travel as one block (transfer/pack-numbers.ts), and
    // so do arrays of numbers, packed here once (for threads, into shared memory: chunks are views).
    if (!Array.isArray(job.items) && !isTypedArray(job.items))
      throw new TypeError(`items must be an array or typed array, got ${typeof job.items}. Try Array.from(...)`);
    return this.#enqueue(() => {
      // Threads: numbers travel through shared memory the pool keeps (pool/number-buffers.ts),
      // filled when the job starts (jobs before it may still use it).
      const thread = this.#kind === "thread";
      const shared = thread ? this.#numbers.items(job.items) : undefined;
      const items = (shared ?? (Array.isArray(job.items) ? packNumbers(job.items) : job.items)) as unknown[];
      const queue =
        job.schedule === "static"
          ? new StaticQueue(items.length, job.workers, job.chunksize)
          : new DynamicQueue(items.length, job.workers, job.chunksize);
      return this.#run({
        mode: "map",
        code: job.code,
        items,
        vars: job.vars ?? {},
        workers: job.workers,
        ordered: job.ordered,
        continueOnError: job.continueOnError,
        chunksize: job.chunksize,
        results: thread && items.length > 0 ? this.#numbers.results(items.length) : undefined,
        queue,
        hooks,
      });
    }, hooks.signal);
  }

  /**
   * Runs a task graph (README, Magics: task graphs) with `scheduler` deciding what runs where (pool/graph-run.ts).
   * An abort (interrupt, timeout) resolves with `aborted` set rather than rejecting, so that the
   * caller learns which results the workers still hold.
   */
  runGraph(job: GraphJob, scheduler: GraphScheduler, hooks: GraphHooks = {}): Promise<GraphResult> {
    checkSize(job.workers, "workers");
    return this.#enqueue(() => this.#runGraph(job, scheduler, hooks));
  }

  async #runGraph(job: GraphJob, scheduler: GraphScheduler, hooks: GraphHooks): Promise<GraphResult> {
    const varsBytes = checkVars(job.vars, this.#kind);
    theKernelHeap().beforeTimedWork();
    for (let r = this.#slots.length; r < job.workers; r++) this.#spawn(r);
    const run = new GraphRun(
      { id: ++this.#jobIds, job, scheduler, hooks, varsBytes, kind: this.#kind },
      {
        slot: (rank) => this.#slots[rank],
        assign: (slot, msg, task) => this.#assign(slot, msg, task),
        replace: (slot) => this.#replace(slot),
        slotByKey: (key) => this.#slots.find((s) => s.key === key && !s.retired && s.state !== "dead"),
      },
    );
    this.#graph = run;
    try {
      run.start();
      return await run.done;
    } finally {
      if (this.#graph === run) this.#graph = undefined;
    }
  }

  /** Abort the running job, stop every worker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#job?.abort(undefined, new PoolClosedError());
    this.#graph?.abort(undefined, new PoolClosedError());
    const slots = this.#slots;
    this.#slots = [];
    for (const s of slots) this.#retire(s, "close");
    await Promise.race([
      Promise.all(slots.map((s) => s.exited)),
      new Promise((r) => setTimeout(r, CLOSE_TIMEOUT_MS).unref()),
    ]);
    this.#clocks.close();
  }

  /** Jobs run one at a time, in call order; an abort while waiting rejects at once. */
  #enqueue<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = this.#chain.then(() => {
      this.#checkOpen();
      return fn();
    });
    this.#chain = run.catch(() => undefined);
    if (!signal) return run;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(new TaskAbortedError(signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  async #run(s: Omit<JobSpec, "id" | "varsBytes" | "code"> & { code: JobSpec["code"] }): Promise<JobResult> {
    const varsBytes = checkVars(s.vars, this.#kind);
    theKernelHeap().beforeTimedWork();
    for (let r = this.#slots.length; r < s.workers; r++) this.#spawn(r);
    const job = new JobRun(
      {
        ...s,
        code: { source: s.code.source, filename: s.code.filename, lineOffset: s.code.lineOffset },
        id: ++this.#jobIds,
        varsBytes,
      },
      {
        slot: (rank) => this.#slots[rank],
        assign: (slot, msg, task, transfer) => this.#assign(slot, msg, task, transfer),
        replace: (slot) => this.#replace(slot),
        waitBoard: this.#waitBoard,
      },
    );
    this.#job = job;
    try {
      job.start();
      return await job.done;
    } catch (e) {
      // a worker may still be writing into these results: the next job gets fresh ones
      if (s.results) this.#numbers.dropResults();
      throw e;
    } finally {
      if (this.#job === job) this.#job = undefined;
    }
  }

  #spawn(rank: number, startFailures = 0): WorkerSlot {
    const worker = spawnWorker(this.#kind, { memoryLimitMb: this.#memoryLimitMb });
    const slot = new WorkerSlot(rank, worker, startFailures);
    worker.onMessage((m) => this.#onMessage(slot, m));
    worker.onRawOutput((name, text) => {
      if (!slot.retired) (this.#job ?? this.#graph)?.onStream(slot.rank, name, text);
    });
    worker.onExit((info) => this.#onExit(slot, info));
    this.#slots[rank] = slot;
    return slot;
  }

  #onMessage(slot: WorkerSlot, m: FromWorker): void {
    if (slot.retired) return;
    switch (m.type) {
      case "ready":
        slot.osThreadId = m.osThreadId;
        updateStats(slot, m.stats);
        slot.state = "idle";
        slot.worker.setRef(false);
        this.#notifyReady();
        this.#job?.pump();
        this.#graph?.pump();
        break;
      case "stream":
        // Late output (a callback after its task ended) goes to the run in progress.
        (slot.task?.owner ?? this.#job ?? this.#graph)?.onStream(slot.rank, m.name, m.text);
        break;
      case "comm":
        this.#job?.onComm(slot, m);
        break;
      case "stats":
        updateStats(slot, m.stats);
        break;
      case "probe-ack":
        this.#job?.onProbeAck(slot, m.probeId);
        break;
      case "uncaught":
        this.#onBackgroundError?.(new BackgroundError(`worker w${slot.rank}`, m.kind, m.error));
        break;
      case "result": {
        const task = slot.task;
        slot.task = undefined;
        slot.state = "idle";
        slot.worker.setRef(false);
        updateStats(slot, m.stats);
        if (task && task.taskId === m.taskId && task.jobId === m.jobId) {
          slot.tasksDone += task.count;
          task.owner.onResult(slot, m, task);
        }
        this.#job?.pump();
        break;
      }
      case "graph-result": {
        const task = slot.task;
        slot.task = undefined;
        slot.state = "idle";
        slot.worker.setRef(false);
        updateStats(slot, m.stats);
        // onResult gives the freed worker its next task (and finishes the run when all is done).
        if (task && task.taskId === m.taskId && task.jobId === m.jobId) {
          slot.tasksDone += m.outcomes.length;
          task.owner.onResult(slot, m, task);
        } else this.#graph?.pump();
        break;
      }
      case "graph-relay":
        this.#graph?.onRelay(m);
        break;
    }
  }

  #onExit(slot: WorkerSlot, info: ExitInfo): void {
    slot.markExited();
    forgetClock(slot, this.#clocks);
    if (slot.retired || this.#closed) return;
    const wasStarting = slot.state === "starting";
    slot.state = "dead";
    const task = slot.task;
    slot.task = undefined;
    const failures = wasStarting ? slot.startFailures + 1 : 0;
    const error = new WorkerExitError(
      slot.rank,
      {
        exitCode: info.code,
        signal: info.signal,
        cause: describeExit(info, slot.kind, this.#memoryLimitMb),
        indices: task && !task.spmd ? rangeIndices(task.start, task.count) : undefined,
        spmd: task?.spmd,
      },
      { cause: info.error },
    );
    if (failures < MAX_START_FAILURES && this.#slots[slot.rank] === slot) this.#spawn(slot.rank, failures);
    task?.owner.onWorkerLost(slot, task, error);
    this.#notifyReady();
    this.#job?.pump();
    this.#graph?.pump();
  }

  /** Stop a worker on purpose; a task it held fails with WorkerExitError.stopped(reason). */
  #retire(slot: WorkerSlot, reason: WorkerStopReason): void {
    slot.retired = true;
    slot.worker.terminate();
    const task = slot.task;
    slot.task = undefined;
    slot.state = "dead";
    if (task) {
      const error = WorkerExitError.stopped(slot.rank, reason, {
        indices: task.spmd ? undefined : rangeIndices(task.start, task.count),
        spmd: task.spmd,
      });
      task.owner.onWorkerLost(slot, task, error);
    }
  }

  /** Sends a task to an idle worker; the slot is busy until its result or its exit. Throws if it cannot be cloned. */
  #assign(slot: WorkerSlot, msg: TaskMessage | GraphTaskMessage, task: InFlight, transfer?: ArrayBuffer[]): void {
    slot.worker.send(msg, transfer);
    slot.task = task;
    slot.state = "busy";
    slot.worker.setRef(true);
    if (msg.vars) slot.varsJobId = msg.jobId;
  }

  #replace(slot: WorkerSlot): void {
    if (this.#slots[slot.rank] !== slot) return;
    slot.retired = true;
    slot.task = undefined;
    slot.worker.terminate();
    if (!this.#closed) this.#spawn(slot.rank);
  }

  #whenReady(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#slots.every((s) => s.state !== "starting")) resolve();
        else this.#readyWaiters.push(check);
      };
      check();
    });
  }

  #notifyReady(): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const w of waiters) w();
  }

  #checkOpen(): void {
    if (this.#closed) throw new PoolClosedError();
  }
}

function checkSize(n: unknown, what: string): void {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new TypeError(`${what} must be a positive integer, got ${JSON.stringify(n)}. Try: ${what} = 4`);
  }
}

function updateStats(slot: WorkerSlot, stats: WorkerStats): void {
  slot.cpuTimeMs = stats.cpuTimeMs;
  slot.memoryBytes = stats.memoryBytes;
}

function rangeIndices(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}

/** Live CPU time of the worker's OS thread (or process), read by the kernel (Linux). */
function liveCpuMs(slot: WorkerSlot, clocks: SchedstatReader): number | undefined {
  if (slot.state === "dead") return undefined;
  if (slot.kind === "process") return clocks.read(slot.pid)?.cpuMs;
  return slot.osThreadId === undefined ? undefined : clocks.read(slot.pid, slot.osThreadId)?.cpuMs;
}

/** Its clock's file, which status() keeps open (each run reads it at its start and end). */
function forgetClock(slot: WorkerSlot, clocks: SchedstatReader): void {
  if (slot.kind === "process") clocks.forget(slot.pid);
  else if (slot.osThreadId !== undefined) clocks.forget(slot.pid, slot.osThreadId);
}
