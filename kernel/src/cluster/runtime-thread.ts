/**
 * One runtime of a `paralab worker`: a worker thread running the same runtime as the local pool
 * (worker/thread-entry.js → startWorker). BullMQ stays on the process's main thread, which runs no
 * user code, so that its locks are renewed even while a task spins in `while (true) {}` (a
 * blocked event loop would let BullMQ think the job stalled and run it twice).
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type {
  FromWorker,
  GraphResultMessage,
  GraphTaskMessage,
  GraphToWorker,
  ResultMessage,
  TaskMessage,
} from "../run/messages";

const ENTRY = path.join(__dirname, "..", "worker", "thread-entry.js");

export type TaskOutcome =
  | { kind: "result"; msg: ResultMessage }
  | { kind: "graph"; msg: GraphResultMessage }
  /** The thread died while it held the task (user code exited it, crashed it, or ran it out of memory). */
  | { kind: "exit"; exitCode: number; cause: string }
  /** Stopped on purpose (the run was cancelled). */
  | { kind: "cancelled" };

export class RuntimeThread {
  state: "starting" | "idle" | "busy" | "dead" = "starting";
  /** The run whose variables the runtime holds (sent with a run's first task on this thread). */
  varsRun: string | undefined;
  /** The run of the task it holds now, or held last (where output written later goes). */
  run: string | undefined;
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private pending: ((o: TaskOutcome) => void) | undefined;
  private lastError: Error | undefined;
  private stopping = false;

  constructor(
    readonly index: number,
    readonly name: string,
    private readonly onStream: (thread: RuntimeThread, name: "stdout" | "stderr", text: string) => void,
    private readonly onExit: (thread: RuntimeThread) => void,
  ) {
    this.worker = new Worker(ENTRY, { stdout: false, stderr: false });
    let markReady!: () => void;
    this.ready = new Promise((r) => (markReady = r));
    this.worker.on("message", (m: FromWorker) => {
      if (m.type === "ready") {
        this.state = "idle";
        markReady();
      } else if (m.type === "stream") this.onStream(this, m.name, m.text);
      else if (m.type === "result") this.settle({ kind: "result", msg: m });
      else if (m.type === "graph-result") this.settle({ kind: "graph", msg: m });
    });
    this.worker.on("error", (e) => (this.lastError = e));
    this.worker.on("exit", (code) => {
      const was = this.state;
      this.state = "dead";
      markReady();
      this.settle(
        this.stopping
          ? { kind: "cancelled" }
          : { kind: "exit", exitCode: code, cause: describeExit(code, this.lastError, was === "starting") },
      );
      this.onExit(this);
    });
  }

  /** Runs one task; resolves with its result, or how the thread ended. */
  runTask(msg: TaskMessage, run: string): Promise<TaskOutcome> {
    return this.hold(run, [msg]);
  }

  /**
   * Runs a batch of graph tasks; `before` (their inputs, as graph-value messages) reach the
   * runtime's graph store first. Resolves with the batch's outcomes, or how the thread ended.
   */
  runGraphTask(before: GraphToWorker[], msg: GraphTaskMessage, run: string): Promise<TaskOutcome> {
    return this.hold(run, [...before, msg]);
  }

  /** A message for the runtime's graph store that needs no answer (graph-release). */
  post(msg: GraphToWorker): void {
    this.worker.postMessage(msg);
  }

  /** Asks the task to stop (it skips the rest of its chunk; comm calls reject). */
  cancel(jobId: number): void {
    this.worker.postMessage({ type: "cancel", jobId });
  }

  /** Stops the thread now, even in `while (true) {}`. */
  terminate(): void {
    this.stopping = true;
    void this.worker.terminate();
  }

  /** Posts the messages of one task; resolves when its result comes back or the thread ends. */
  private hold(run: string, messages: (TaskMessage | GraphToWorker)[]): Promise<TaskOutcome> {
    this.state = "busy";
    this.run = run;
    return new Promise((resolve) => {
      this.pending = resolve;
      for (const m of messages) this.worker.postMessage(m);
    });
  }

  private settle(o: TaskOutcome): void {
    const pending = this.pending;
    this.pending = undefined;
    if (this.state === "busy") this.state = "idle";
    pending?.(o);
  }
}

function describeExit(code: number, error: Error | undefined, starting: boolean): string {
  if (starting) return `the runtime could not start (${error?.message ?? `exit code ${code}`})`;
  if (
    error &&
    /heap out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(
      `${error.message} ${String((error as NodeJS.ErrnoException).code)}`,
    )
  )
    return "it ran out of memory";
  if (error) return `an error was thrown outside the task: ${error.name}: ${error.message}`;
  return `the task ended the runtime (process.exit(${code}) or an uncaught error in a timer)`;
}
