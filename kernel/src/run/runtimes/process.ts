/**
 * PoolWorker on a child process (runs worker/process-entry.js) with IPC and
 * serialization: "advanced", so messages are structured clones like postMessage.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { FromWorker, ToWorker } from "../messages";
import { STDERR_TAIL_CHARS, type ExitInfo, type PoolWorker, type SpawnOptions } from "./common";

const ENTRY = path.join(__dirname, "..", "..", "worker", "process-entry.js");

export class ProcessWorker implements PoolWorker {
  readonly kind = "process" as const;
  readonly pid: number;
  private readonly child: ChildProcess;
  private stderrTail = "";
  private rawCb: ((name: "stdout" | "stderr", text: string) => void) | undefined;
  private exitCb: ((info: ExitInfo) => void) | undefined;
  private exited: ExitInfo | undefined;

  constructor(options: SpawnOptions) {
    this.child = fork(ENTRY, [String(process.pid)], {
      serialization: "advanced",
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      execArgv: options.memoryLimitMb ? [`--max-old-space-size=${options.memoryLimitMb}`] : [],
    });
    this.pid = this.child.pid ?? -1;
    this.child.stdout?.setEncoding("utf8").on("data", (t: string) => this.rawCb?.("stdout", t));
    this.child.stderr?.setEncoding("utf8").on("data", (t: string) => {
      this.stderrTail = (this.stderrTail + t).slice(-STDERR_TAIL_CHARS);
      this.rawCb?.("stderr", t);
    });
    this.child.on("error", () => {
      // spawn/IPC errors are followed by 'exit' (or the send fails); nothing else to do
    });
    this.child.on("exit", (code, signal) => {
      // let the stderr pipe drain so that the tail holds the fatal message
      setTimeout(() => {
        this.exited = { code, signal, stderrTail: this.stderrTail };
        this.exitCb?.(this.exited);
      }, 20);
    });
  }

  send(msg: ToWorker): void {
    if (this.child.connected) this.child.send(msg);
  }

  onMessage(cb: (msg: FromWorker) => void): void {
    this.child.on("message", (m) => cb(m as FromWorker));
  }

  onRawOutput(cb: (name: "stdout" | "stderr", text: string) => void): void {
    this.rawCb = cb;
  }

  onExit(cb: (info: ExitInfo) => void): void {
    this.exitCb = cb;
    if (this.exited) cb(this.exited);
  }

  terminate(): void {
    this.setRef(true); // stay alive until the exit is seen
    this.child.kill("SIGKILL");
  }

  setRef(ref: boolean): void {
    const channel = this.child.channel as { ref?(): void; unref?(): void } | undefined | null;
    const streams = [this.child.stdout, this.child.stderr] as unknown as ({ ref?(): void; unref?(): void } | null)[];
    if (ref) {
      this.child.ref();
      channel?.ref?.();
      for (const s of streams) s?.ref?.();
    } else {
      this.child.unref();
      channel?.unref?.();
      for (const s of streams) s?.unref?.();
    }
  }
}
