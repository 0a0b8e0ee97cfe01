import type { DisplayContent, MimeBundle, OutputSink } from "../output";
import { formatBytes } from "../format";

/** What a cell's output is bounded by; `PARALAB_OUTPUT_LIMIT_MB` sets `streamLimitBytes`. */
export interface OutputLimits {
  /** Stream text waits this long for more before it leaves as one message (ipykernel: 200 ms). */
  flushMs: number;
  /** Pending stream text leaves at once when it reaches this size. */
  chunkBytes: number;
  /** stdout + stderr a cell may show; the rest is dropped and counted. */
  streamLimitBytes: number;
  /** New outputs (display_data, clear_output) a cell may send; the rest are dropped and counted. */
  displayLimit: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
  flushMs: 50,
  chunkBytes: 64 * 1024,
  streamLimitBytes: 4_000_000,
  displayLimit: 10_000,
};

const LIMIT_ENV = "PARALAB_OUTPUT_LIMIT_MB";

/**
 * The limits, with the text limit taken from the environment when it is set there. A value that
 * is not a positive number is reported through `warn` and the default is kept: a typo in the
 * environment must not stop the kernel from starting.
 */
export function outputLimitsFrom(env: NodeJS.ProcessEnv, warn: (text: string) => void): OutputLimits {
  const raw = env[LIMIT_ENV];
  if (raw === undefined || raw === "") return DEFAULT_OUTPUT_LIMITS;
  const mb = Number(raw);
  if (mb > 0) return { ...DEFAULT_OUTPUT_LIMITS, streamLimitBytes: Math.round(mb * 1_000_000) };
  const limit = formatBytes(DEFAULT_OUTPUT_LIMITS.streamLimitBytes);
  warn(
    `paralab: ${LIMIT_ENV} must be a positive number of megabytes, got "${raw}"; using ${limit}. Try: ${LIMIT_ENV}=64`,
  );
  return DEFAULT_OUTPUT_LIMITS;
}

/** Sends one iopub message of the cell. */
export type SendOutput = (msgType: string, content: unknown) => void;

/** Timers, injectable so that tests need not sleep. */
export interface OutputTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: OutputTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * A cell's output on its way to iopub, bounded so that a flood cannot crowd out the cell's end:
 * stream text is coalesced into few messages (a map printing a line per item would otherwise send
 * a message per line), repeated updates of one display are merged, and past the limits output is
 * dropped and counted, with a note saying so. ZeroMQ drops what exceeds a subscriber's queue, and
 * the first thing lost to a flood was the cell's `status: idle`.
 *
 * Order is kept: any other output, and `close()` before the reply, first sends the text waiting.
 */
export class CellOutput implements OutputSink {
  /** The text of the last result, for history. */
  resultText?: string;
  private pending?: { name: "stdout" | "stderr"; parts: string[]; bytes: number };
  private readonly pendingUpdates = new Map<string, DisplayContent>();
  private timer?: unknown;
  private streamBytes = 0;
  private displays = 0;
  private readonly dropped = { bytes: 0, lines: 0, displays: 0 };
  private readonly afterReplyWork: (() => void | Promise<void>)[] = [];
  /** The reply has gone and its deferred work is done: later work runs at once. */
  private replied = false;

  constructor(
    private readonly send: SendOutput,
    private readonly executionCount: number,
    private readonly limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
    private readonly timers: OutputTimers = REAL_TIMERS,
  ) {}

  stream(name: "stdout" | "stderr", text: string): void {
    if (!text) return;
    const bytes = Buffer.byteLength(text);
    const room = this.limits.streamLimitBytes - this.streamBytes;
    if (bytes > room) return this.overflow(name, text, bytes, room);
    this.streamBytes += bytes;
    this.queueText(name, text, bytes);
  }

  display(content: DisplayContent, update?: boolean): void {
    const id = content.transient?.display_id;
    if (update && id) {
      // Only the newest state of a display matters: a progress bar updated 10,000 times a
      // second sends what a person can see.
      this.pendingUpdates.set(id, content);
      this.schedule();
      return;
    }
    if (!this.admitDisplay()) return;
    this.flush();
    this.send(update ? "update_display_data" : "display_data", { transient: {}, ...content });
  }

  clear(wait: boolean): void {
    if (!this.admitDisplay()) return;
    this.flush();
    this.send("clear_output", { wait });
  }

  result(data: MimeBundle): void {
    this.resultText = String(data["text/plain"] ?? "");
    this.flush();
    this.send("execute_result", { execution_count: this.executionCount, data, metadata: {} });
  }

  afterReply(work: () => void | Promise<void>): void {
    // An interrupted awaiting cell has ended while its run still winds down and shows its chart.
    if (this.replied) void this.runAfterReply(work).then(() => this.flush());
    else this.afterReplyWork.push(work);
  }

  /**
   * Runs the work deferred past the reply (in order) and sends what it wrote; `idle` follows.
   * A failure is reported as the cell's stderr: the reply has gone, but the output must not
   * end silently short.
   */
  async finishAfterReply(): Promise<void> {
    for (const work of this.afterReplyWork.splice(0)) await this.runAfterReply(work);
    this.replied = true;
    this.flush();
  }

  private async runAfterReply(work: () => void | Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.note(`finishing this cell's output failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Sends what waits and, when output was dropped, how much; the reply follows. */
  close(): void {
    this.flush();
    const { bytes, lines, displays } = this.dropped;
    if (bytes) {
      this.note(
        `${formatBytes(bytes)} of this cell's printed output (${count(lines, "line")}) were not shown: ` +
          `it passed the limit of ${formatBytes(this.limits.streamLimitBytes)} per cell. Write large output to a ` +
          `file instead, or raise the limit: ${LIMIT_ENV}=64 in the kernel's environment.`,
      );
    }
    if (displays) {
      this.note(
        `${count(displays, "display")} of this cell were not shown: it passed the limit of ` +
          `${count(this.limits.displayLimit, "display")} per cell. Update one output in place instead ` +
          `(display.update(id, bundle)).`,
      );
    }
  }

  private overflow(name: "stdout" | "stderr", text: string, bytes: number, room: number): void {
    const firstOverflow = this.dropped.bytes === 0;
    let kept = "";
    if (room > 0) {
      // Keep whole lines where one fits; outside ASCII a UTF-16 unit can take up to 3 bytes.
      kept = text.slice(0, bytes === text.length ? room : Math.floor(room / 3));
      // Only a line longer than the whole limit is shown cut.
      const lastLine = kept.lastIndexOf("\n");
      if (lastLine >= 0) kept = kept.slice(0, lastLine + 1);
      else if (this.streamBytes > 0) kept = "";
    }
    const rest = text.slice(kept.length);
    if (kept) {
      const bytes = Buffer.byteLength(kept);
      this.streamBytes += bytes;
      this.queueText(name, kept, bytes);
    }
    this.streamBytes = this.limits.streamLimitBytes;
    this.dropped.bytes += Buffer.byteLength(rest);
    this.dropped.lines += countLines(rest);
    if (firstOverflow) {
      this.note(
        `This cell printed more than ${formatBytes(this.limits.streamLimitBytes)}: the rest of its printed ` +
          `output is dropped (the cell goes on running; a count follows when it ends).`,
      );
    }
  }

  private admitDisplay(): boolean {
    if (this.displays < this.limits.displayLimit) {
      this.displays++;
      return true;
    }
    this.dropped.displays++;
    return false;
  }

  private queueText(name: "stdout" | "stderr", text: string, bytes: number): void {
    if (this.pending && this.pending.name !== name) this.flush();
    this.pending ??= { name, parts: [], bytes: 0 };
    this.pending.parts.push(text);
    this.pending.bytes += bytes;
    if (this.pending.bytes >= this.limits.chunkBytes) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    this.timer ??= this.timers.set(() => {
      this.timer = undefined;
      this.flush();
    }, this.limits.flushMs);
  }

  private flush(): void {
    if (this.timer !== undefined) {
      this.timers.clear(this.timer);
      this.timer = undefined;
    }
    if (this.pending) {
      const { name, parts } = this.pending;
      this.pending = undefined;
      this.send("stream", { name, text: parts.join("") });
    }
    for (const content of this.pendingUpdates.values()) this.send("update_display_data", { transient: {}, ...content });
    this.pendingUpdates.clear();
  }

  private note(text: string): void {
    this.flush();
    this.send("stream", { name: "stderr", text: `\n[paralab] ${text}\n` });
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}
