/** One rank of the pool: a PoolWorker plus what the pool knows about it. */
import type { WorkerExitError } from "../errors";
import type { GraphResultMessage, ResultMessage, WorkerKind } from "../run/messages";
import type { PoolWorker } from "../run/runtimes/common";

export type SlotState = "idle" | "busy" | "starting" | "dead";

/**
 * The run a task belongs to (a map or SPMD job, or a graph): the one place the pool sends what
 * comes back for the task, as piscina's TaskInfo carries its callback.
 */
export interface TaskOwner {
  onResult(slot: WorkerSlot, msg: ResultMessage | GraphResultMessage, task: InFlight): void;
  /** The worker died holding the task, or the pool stopped it. */
  onWorkerLost(slot: WorkerSlot, task: InFlight, error: WorkerExitError): void;
  onStream(rank: number, name: "stdout" | "stderr", text: string): void;
}

/** The task a worker holds right now. */
export interface InFlight {
  owner: TaskOwner;
  jobId: number;
  taskId: number;
  start: number;
  count: number;
  bytesIn: number;
  /** An SPMD rank (start is the rank), not a chunk of map items. */
  spmd: boolean;
  /** Epoch ms when it was sent (start of a bar for tasks that never reported). */
  sentMs: number;
}

let keys = 0;

export class WorkerSlot {
  /** Names this worker for its whole life and no other (a replacement at the same rank gets a new key). */
  readonly key = ++keys;
  state: SlotState = "starting";
  tasksDone = 0;
  cpuTimeMs = 0;
  memoryBytes = 0;
  osThreadId: number | undefined;
  /** Id of the last job whose vars this worker has received. */
  varsJobId = -1;
  task: InFlight | undefined;
  /** Stopped on purpose (abort, resize, restart): its exit is not a crash. */
  retired = false;
  readonly exited: Promise<void>;
  markExited!: () => void;

  constructor(
    readonly rank: number,
    readonly worker: PoolWorker,
    /** Consecutive deaths before becoming ready (to stop respawn loops). */
    readonly startFailures = 0,
  ) {
    this.exited = new Promise((r) => (this.markExited = r));
  }

  get kind(): WorkerKind {
    return this.worker.kind;
  }

  get pid(): number {
    return this.worker.pid;
  }
}
