/** PoolWorker on worker_threads (runs worker/thread-entry.js). */
import * as path from "node:path";
import { Worker, type TransferListItem } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../messages";
import type { ExitInfo, PoolWorker, SpawnOptions } from "./common";

const ENTRY = path.join(__dirname, "..", "..", "worker", "thread-entry.js");

export class ThreadWorker implements PoolWorker {
  readonly kind = "thread" as const;
  readonly pid = process.pid;
  private readonly worker: Worker;
  private lastError: Error | undefined;
  private exitCb: ((info: ExitInfo) => void) | undefined;
  private exited: ExitInfo | undefined;

  constructor(options: SpawnOptions) {
    this.worker = new Worker(ENTRY, {
      resourceLimits: options.memoryLimitMb ? { maxOldGenerationSizeMb: options.memoryLimitMb } : undefined,
      stdout: false,
      stderr: false,
    });
    this.worker.on("error", (e) => (this.lastError = e));
    this.worker.on("exit", (code) => {
      this.exited = { code, signal: null, error: this.lastError };
      this.exitCb?.(this.exited);
    });
  }

  send(msg: ToWorker, transfer?: readonly TransferListItem[]): void {
    this.worker.postMessage(msg, transfer);
  }

  onMessage(cb: (msg: FromWorker) => void): void {
    this.worker.on("message", cb);
  }

  onRawOutput(): void {
    // a thread's stdout/stderr are captured inside the worker; nothing bypasses them
  }

  onExit(cb: (info: ExitInfo) => void): void {
    this.exitCb = cb;
    if (this.exited) cb(this.exited);
  }

  terminate(): void {
    this.setRef(true); // stay alive until the exit is seen
    void this.worker.terminate();
  }

  setRef(ref: boolean): void {
    if (ref) this.worker.ref();
    else this.worker.unref();
  }
}
