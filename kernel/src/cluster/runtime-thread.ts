/**
 * One runtime of a `paralab worker`: the local pool's own thread runtime (run/runtimes, spawned
 * with the same heap limit and worded the same way when it dies), driven one task at a time.
 * BullMQ stays on the process's main thread, which runs no user code, so that its locks are
 * renewed even while a task spins in `while (true) {}` (a blocked event loop would let BullMQ
 * think the job stalled and run it twice).
 */
import { describeExit } from "../run/runtimes/crash";
import { spawnWorker, type PoolWorker } from "../run/runtimes/index";
import type {
  CommMessage,
  GraphResultMessage,
  GraphTaskMessage,
  GraphToWorker,
  ProbeAckMessage,
  ResultMessage,
  TaskMessage,
  ToWorker,
  UncaughtMessage,
} from "../run/messages";

/** The option that raises a runtime's heap limit, as out-of-memory errors name it. */
export const MEMORY_OPTION = "paralab worker --memory";

export type TaskOutcome =
  | { kind: "result"; msg: ResultMessage }
  | { kind: "graph"; msg: GraphResultMessage }
  /** The thread died while it held the task (user code exited it, crashed it, or ran it out of memory). */
  | { kind: "exit"; exitCode: number | null; cause: string }
  /** Stopped on purpose (the run was cancelled). */
  | { kind: "cancelled" };

/** What a runtime tells the process that serves it, besides task outcomes. */
export interface RuntimeEvents {
  onStream(thread: RuntimeThread, name: "stdout" | "stderr", text: string): void;
  /** The runtime caught an error outside its task (an un-awaited rejection, a throw in a callback) and lives on. */
  onUncaught(thread: RuntimeThread, m: UncaughtMessage): void;
  onExit(thread: RuntimeThread): void;
}

export class RuntimeThread {
  /** Busy from Runtimes.acquire() to release(): only the task that acquired the runtime frees it. */
  state: "starting" | "idle" | "busy" | "dead" = "starting";
  /** The run whose variables the runtime holds (sent with a run's first task on this thread). */
  varsRun: string | undefined;
  /** The run of the task it holds now, or held last (where output written later goes). */
  run: string | undefined;
  readonly ready: Promise<void>;
  private readonly worker: PoolWorker;
  private pending: ((o: TaskOutcome) => void) | undefined;
  /** An SPMD rank's comm calls and probe answers, for the task that runs now. */
  private talk: ((m: CommMessage | ProbeAckMessage) => void) | undefined;
  private stopping = false;
  /** Held values asked for with take(), by node id (the runtime's graph store answers with graph-relay). */
  private readonly taking = new Map<string, ((v: { value?: unknown; missing?: string }) => void)[]>();

  constructor(
    readonly index: number,
    readonly name: string,
    /** Heap limit, MB (resourceLimits.maxOldGenerationSizeMb, as on the local pool). */
    readonly memoryLimitMb: number,
    events: RuntimeEvents,
  ) {
    this.worker = spawnWorker("thread", { memoryLimitMb });
    let markReady!: () => void;
    this.ready = new Promise((r) => (markReady = r));
    this.worker.onMessage((m) => {
      if (m.type === "ready") {
        this.state = "idle";
        markReady();
      } else if (m.type === "stream") events.onStream(this, m.name, m.text);
      else if (m.type === "uncaught") events.onUncaught(this, m);
      else if (m.type === "result") this.settle({ kind: "result", msg: m });
      else if (m.type === "graph-result") this.settle({ kind: "graph", msg: m });
      else if (m.type === "comm" || m.type === "probe-ack") this.talk?.(m);
      else if (m.type === "graph-relay") this.took(m.nodeId, { value: m.value, missing: m.missing });
    });
    this.worker.onExit((info) => {
      const was = this.state;
      this.state = "dead";
      markReady();
      const cause =
        was === "starting"
          ? `the runtime could not start (${info.error?.message ?? `exit code ${info.code}`})`
          : describeExit(info, "thread", memoryLimitMb, MEMORY_OPTION);
      this.settle(this.stopping ? { kind: "cancelled" } : { kind: "exit", exitCode: info.code, cause });
      for (const id of [...this.taking.keys()]) this.took(id, { missing: `the runtime that held ${id} stopped` });
      events.onExit(this);
    });
  }
  /**
   * Runs one task; resolves with its result, or how the thread ended. An SPMD rank's comm calls
   * and probe answers go to `talk` meanwhile; `post` carries the broker's replies back.
   */
  runTask(msg: TaskMessage, run: string, talk?: (m: CommMessage | ProbeAckMessage) => void): Promise<TaskOutcome> {
    this.talk = talk;
    return this.hold(run, [msg]).finally(() => {
      if (this.talk === talk) this.talk = undefined;
    });
  }

  /**
   * Runs a batch of graph tasks; `before` (their inputs, as graph-value messages) reach the
   * runtime's graph store first. Resolves with the batch's outcomes, or how the thread ended.
   */
  runGraphTask(before: GraphToWorker[], msg: GraphTaskMessage, run: string): Promise<TaskOutcome> {
    return this.hold(run, [...before, msg]);
  }

  /** A message that needs no answer: for the runtime's graph store (graph-release), or the running rank (comm reply, probe). */
  post(msg: ToWorker): void {
    this.worker.send(msg);
  }

  /**
   * A copy of a value the runtime's graph store holds (a result it made for a later task), or why
   * there is none. Answered between tasks when the runtime is busy: its store answers from its event loop.
   */
  take(nodeId: string): Promise<{ value?: unknown; missing?: string }> {
    if (this.state === "dead") return Promise.resolve({ missing: `the runtime that held ${nodeId} stopped` });
    return new Promise((resolve) => {
      const list = this.taking.get(nodeId) ?? [];
      list.push(resolve);
      this.taking.set(nodeId, list);
      if (list.length === 1) this.worker.send({ type: "graph-send", jobId: 0, nodeId, to: -1, via: "relay" });
    });
  }

  private took(nodeId: string, v: { value?: unknown; missing?: string }): void {
    const list = this.taking.get(nodeId) ?? [];
    this.taking.delete(nodeId);
    for (const f of list) f(v);
  }

  /** Asks the task to stop (it skips the rest of its chunk; comm calls reject). */
  cancel(jobId: number): void {
    this.worker.send({ type: "cancel", jobId });
  }

  /** Stops the thread now, even in `while (true) {}`. */
  terminate(): void {
    this.stopping = true;
    this.worker.terminate();
  }

  /** Posts the messages of one task; resolves when its result comes back or the thread ends. */
  private hold(run: string, messages: (TaskMessage | GraphToWorker)[]): Promise<TaskOutcome> {
    this.run = run;
    return new Promise((resolve) => {
      this.pending = resolve;
      for (const m of messages) this.worker.send(m);
    });
  }

  private settle(o: TaskOutcome): void {
    // The runtime stays busy until its task releases it, after sending the result: marked idle
    // here, another task could take it, and the first task's release would then free it under
    // the second, letting a third in (whose message replaced the second's answer: a lost task).
    const pending = this.pending;
    this.pending = undefined;
    pending?.(o);
  }
}
