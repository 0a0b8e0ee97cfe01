import { InterruptedError } from "../errors";
import { describeThrown } from "../transfer/thrown";
import { PARALAB_VERSION } from "../version";
import { CellOutput, OutputLimits, outputLimitsFrom } from "./cell-output";
import { CommManager } from "./comms";
import { History } from "./history";
import { Channel, ErrorContent, ExecuteRequest, JupyterMessage, MimeBundle, PROTOCOL_VERSION } from "./messages";
import type { OutputSink } from "../output";

/** What the handler needs from the socket layer. */
export interface Transport {
  send(
    channel: Channel,
    msgType: string,
    content: unknown,
    parent: JupyterMessage | undefined,
    extra?: { metadata?: Record<string, unknown>; buffers?: Buffer[] },
  ): Promise<void>;
}

/** What the handler needs from the code-running side (plain cells and magics). */
export interface CellRunner {
  /** Runs one cell; output leaves through `sink`; throws on failure. */
  run(code: string, sink: OutputSink, io: { input(prompt: string, password: boolean): Promise<string> }): Promise<void>;
  complete(code: string, cursor: number): { start: number; end: number; matches: string[] };
  inspect(code: string, cursor: number): string | undefined;
  isComplete(code: string): { status: "complete" | "incomplete" | "invalid"; indent?: string };
  /** The value of an expression as a MIME bundle (user_expressions); throws on failure. */
  evaluate(expression: string): Promise<MimeBundle>;
  interrupt(): void;
  shutdown(restart: boolean): Promise<void>;
  /** Builds what the first cell needs (the type checker), if not built yet. */
  warmUp(): void;
}

export const KERNEL_INFO = {
  protocol_version: PROTOCOL_VERSION,
  implementation: "paralab",
  implementation_version: PARALAB_VERSION,
  language_info: {
    name: "typescript",
    version: "5.0",
    mimetype: "text/x.typescript",
    file_extension: ".ts",
    codemirror_mode: { name: "javascript", typescript: true },
  },
  banner: `paralab ${PARALAB_VERSION}: TypeScript with %%parallel and %%gpu (Node.js ${process.version})`,
  help_links: [{ text: "paralab magics: %lsmagic", url: "https://www.typescriptlang.org/docs/" }],
  status: "ok",
};

/**
 * Turns Jupyter requests into calls on a CellRunner and replies. Shell requests run one at a time
 * in arrival order; control requests are answered at once.
 */
export class KernelHandler {
  readonly comms: CommManager;
  private executionCount = 0;
  private readonly history = new History();
  private shellQueue: Promise<void> = Promise.resolve();
  private pendingInput?: { resolve: (value: string) => void; reject: (e: Error) => void };
  /** Execute requests that arrived before a failing cell finished are aborted (stop_on_error). */
  private abortBefore = 0;
  private lastParent?: JupyterMessage;
  /** An execute request is past its start but its cell has not started running yet. */
  private starting = false;
  /** The stop button was pressed in that window: the cell is interrupted as it starts. */
  private interruptedWhileStarting = false;

  constructor(
    private readonly transport: Transport,
    private readonly runner: CellRunner,
    private readonly log: (text: string) => void,
    private readonly exit: () => void,
    private readonly outputLimits: OutputLimits = outputLimitsFrom(process.env, log),
  ) {
    this.comms = new CommManager(
      (type, content, parent, extra) => void transport.send("iopub", type, content, parent ?? this.lastParent, extra),
    );
  }

  handle(channel: Channel, msg: JupyterMessage): void {
    if (channel === "stdin") return this.handleInputReply(msg);
    if (channel === "control") {
      void this.withStatus(msg, () => this.dispatch("control", msg));
      return;
    }
    const arrived = Date.now();
    this.shellQueue = this.shellQueue.then(() => this.withStatus(msg, () => this.dispatch("shell", msg, arrived)));
  }

  private async withStatus(msg: JupyterMessage, work: () => Promise<void>): Promise<void> {
    this.lastParent = msg;
    await this.transport.send("iopub", "status", { execution_state: "busy" }, msg);
    try {
      await work();
    } catch (e) {
      this.log(`paralab: handling ${msg.header.msg_type} failed: ${(e as Error).stack}`);
    }
    await this.transport.send("iopub", "status", { execution_state: "idle" }, msg);
    // The frontend counts the kernel ready once it has answered kernel_info; the type checker
    // (~1 s) is built right after that answer instead of before it (a cell arriving first builds it).
    if (msg.header.msg_type === "kernel_info_request") setImmediate(() => this.runner.warmUp());
  }

  private async dispatch(channel: "shell" | "control", msg: JupyterMessage, arrived = 0): Promise<void> {
    const reply = (type: string, content: unknown) => this.transport.send(channel, type, content, msg);
    const c = msg.content as Record<string, unknown>;
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        return reply("kernel_info_reply", KERNEL_INFO);
      case "execute_request":
        if (arrived && arrived < this.abortBefore) {
          return reply("execute_reply", { status: "aborted", execution_count: this.executionCount });
        }
        return this.execute(msg, channel);
      case "complete_request": {
        const r = this.runner.complete(c.code as string, c.cursor_pos as number);
        return reply("complete_reply", {
          status: "ok",
          matches: r.matches,
          cursor_start: r.start,
          cursor_end: r.end,
          metadata: {},
        });
      }
      case "inspect_request": {
        const text = this.runner.inspect(c.code as string, c.cursor_pos as number);
        return reply("inspect_reply", {
          status: "ok",
          found: text !== undefined,
          data: text ? { "text/plain": text } : {},
          metadata: {},
        });
      }
      case "is_complete_request":
        return reply("is_complete_reply", this.runner.isComplete(c.code as string));
      case "history_request":
        return reply("history_reply", { status: "ok", history: this.history.query(c) });
      case "comm_info_request":
        return reply("comm_info_reply", { status: "ok", comms: this.comms.info(c.target_name as string | undefined) });
      case "comm_open":
        return this.comms.handleOpen(msg);
      case "comm_msg":
        return this.comms.handleMessage(msg);
      case "comm_close":
        return this.comms.handleClose(msg);
      case "interrupt_request":
        this.interrupt();
        return reply("interrupt_reply", { status: "ok" });
      case "shutdown_request": {
        const restart = Boolean(c.restart);
        this.comms.closeAll();
        await this.runner.shutdown(restart);
        await reply("shutdown_reply", { status: "ok", restart });
        await this.transport.send("iopub", "shutdown_reply", { status: "ok", restart }, msg);
        this.exit();
        return;
      }
      default:
        this.log(`paralab: ignoring unknown message type ${msg.header.msg_type} on ${channel}`);
    }
  }

  /** Stop button: ends what runs now and any pending input prompt. */
  interrupt(): void {
    this.pendingInput?.reject(new InterruptedError());
    if (this.starting) this.interruptedWhileStarting = true;
    this.runner.interrupt();
  }

  private async execute(msg: JupyterMessage, channel: "shell" | "control"): Promise<void> {
    const req = msg.content as unknown as ExecuteRequest;
    const silent = Boolean(req.silent);
    // The spec forces store_history off for silent requests.
    const storeHistory = !silent && req.store_history !== false;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    this.starting = true;
    this.interruptedWhileStarting = false;
    if (!silent) await this.transport.send("iopub", "execute_input", { code: req.code, execution_count: count }, msg);
    const sink = new CellOutput(
      (type, content) => {
        if (!silent) void this.transport.send("iopub", type, content, msg);
      },
      count,
      this.outputLimits,
    );
    let error: ErrorContent | undefined;
    try {
      // A frontend may interrupt as soon as it sees execute_input, before the cell runs.
      this.starting = false;
      if (this.interruptedWhileStarting) throw new InterruptedError();
      await this.runner.run(req.code, sink, {
        input: (prompt, password) => this.requestInput(msg, prompt, password, req.allow_stdin),
      });
    } catch (e) {
      error = toErrorContent(e);
    }
    sink.close();
    if (storeHistory) this.history.add(count, req.code, sink.resultText);
    if (error) {
      if (!silent) await this.transport.send("iopub", "error", error, msg);
      if (req.stop_on_error !== false) this.abortBefore = Date.now();
      await this.transport.send(channel, "execute_reply", { status: "error", execution_count: count, ...error }, msg);
      await sink.finishAfterReply();
      return;
    }
    const userExpressions: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries(req.user_expressions ?? {})) {
      try {
        userExpressions[name] = { status: "ok", data: await this.runner.evaluate(expr), metadata: {} };
      } catch (e) {
        userExpressions[name] = { status: "error", ...toErrorContent(e) };
      }
    }
    await this.transport.send(
      channel,
      "execute_reply",
      { status: "ok", execution_count: count, payload: [], user_expressions: userExpressions },
      msg,
    );
    await sink.finishAfterReply();
  }

  private requestInput(msg: JupyterMessage, prompt: string, password: boolean, allowed: boolean): Promise<string> {
    if (!allowed) {
      return Promise.reject(
        new Error(
          "input: this frontend does not accept input requests (allow_stdin is false). Pass the value in code instead.",
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.pendingInput = { resolve, reject };
      void this.transport.send("stdin", "input_request", { prompt, password }, msg);
    });
  }

  private handleInputReply(msg: JupyterMessage): void {
    if (msg.header.msg_type !== "input_reply" || !this.pendingInput) return;
    const pending = this.pendingInput;
    this.pendingInput = undefined;
    pending.resolve(String((msg.content as { value?: string }).value ?? ""));
  }
}

/** An error as Jupyter shows it: name, message and the frames of the user's code. */
export function toErrorContent(e: unknown): ErrorContent {
  if (e instanceof Error) {
    const head = `${e.name}: ${e.message}`;
    return { ename: e.name, evalue: e.message, traceback: [head, ...userFrames(e), ...causeLines(e.cause)] };
  }
  // Not an Error (throw null, throw { code: 42 }): the value as written, and that it is not one.
  const text = describeThrown(e);
  return { ename: "Error", evalue: text, traceback: [`Uncaught ${text}`] };
}

/** Stack frames of cells (kernel cells and %%parallel bodies), not the kernel's own. */
function userFrames(e: Error): string[] {
  return (e.stack ?? "")
    .split("\n")
    .filter((l) => /^\s+at /.test(l))
    .filter((l) => /\bcell(\.js)?[: ]/.test(l) && !/node:internal|kernel\/dist\/|tslab\/dist\//.test(l));
}

/** A cause is shown only when it points into user code; kernel-internal causes are noise. */
function causeLines(cause: unknown): string[] {
  if (!(cause instanceof Error)) return [];
  const frames = userFrames(cause);
  return frames.length ? [`Caused by: ${cause.name}: ${cause.message}`, ...frames] : [];
}
