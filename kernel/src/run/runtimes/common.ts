/** One interface over worker threads and child processes (tinypool src/common.ts). */
import type { TransferListItem } from "node:worker_threads";
import type { FromWorker, ToWorker, WorkerKind } from "../messages";

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Uncaught error reported by the runtime (threads: the 'error' event). */
  error?: Error;
  /** Last lines the worker wrote to its real stderr (processes: fatal errors, OOM reports). */
  stderrTail?: string;
}

export interface SpawnOptions {
  memoryLimitMb?: number;
}

export interface PoolWorker {
  readonly kind: WorkerKind;
  /** Process id of the worker (the kernel's own pid for threads). */
  readonly pid: number;
  /** `transfer`: MessagePorts to hand over with the message (threads only; graph channels). */
  send(msg: ToWorker, transfer?: readonly TransferListItem[]): void;
  onMessage(cb: (msg: FromWorker) => void): void;
  /** Output that bypassed the captured streams (native writes, fatal errors). */
  onRawOutput(cb: (name: "stdout" | "stderr", text: string) => void): void;
  /** Called once, when the worker is gone. */
  onExit(cb: (info: ExitInfo) => void): void;
  /** Stop at once, even in `while (true) {}` (thread.terminate / SIGKILL). */
  terminate(): void;
  /** Keep the kernel's event loop alive only while the worker has work (so a headless run can exit). */
  setRef(ref: boolean): void;
}

export const STDERR_TAIL_CHARS = 4000;
