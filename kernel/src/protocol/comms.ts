import { randomUUID } from "node:crypto";
import { JupyterMessage } from "./messages";

/** What a comm message may carry beside its content (the wire's metadata and binary frames). */
export interface CommExtra {
  metadata?: Record<string, unknown>;
  buffers?: Buffer[];
}
type Send = (msgType: string, content: unknown, parent: JupyterMessage | undefined, extra?: CommExtra) => void;
type Data = Record<string, unknown>;
/** Binary data a comm message can carry: each becomes one frame after the message's JSON parts. */
export type BinaryData = ArrayBuffer | ArrayBufferView;
/** A listener may return a promise: the kernel stays busy (and the message's output goes with it) until it settles. */
type MessageListener = (data: Data, msg: JupyterMessage) => void | Promise<void>;

/** Binary data as the wire's frames; views keep their offset and length (no copy). */
export function toFrames(buffers: readonly BinaryData[] | undefined): Buffer[] {
  return (buffers ?? []).map((b) =>
    ArrayBuffer.isView(b) ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b),
  );
}

/** One open comm (kernel side). */
export class Comm {
  private messageListeners: MessageListener[] = [];
  private closeListeners: ((data: Data) => void)[] = [];
  closed = false;

  constructor(
    readonly id: string,
    readonly target: string,
    private readonly sendRaw: Send,
    private readonly parent: JupyterMessage | undefined,
    private readonly onClosed: (id: string) => void,
  ) {}

  /** Sends a comm_msg; `buffers` travel as binary frames. Quietly nothing once closed (see assertOpen). */
  send(data: Data, buffers?: readonly BinaryData[], metadata?: Record<string, unknown>): void {
    if (this.closed) return;
    this.sendRaw("comm_msg", { comm_id: this.id, data }, this.parent, { metadata, buffers: toFrames(buffers) });
  }

  /** Throws, naming `what`, when the comm has closed: for callers that must not lose a message quietly. */
  assertOpen(what: string): void {
    if (this.closed) {
      throw new Error(
        `${what}: its comm (${this.id}, target "${this.target}") is closed, by close() or by the frontend, so nothing reaches the frontend any more. Create a new one.`,
      );
    }
  }

  close(data: Data = {}): void {
    if (this.closed) return;
    this.sendRaw("comm_close", { comm_id: this.id, data }, this.parent);
    this.closedByPeer(data);
  }

  onMessage(listener: MessageListener): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: (data: Data) => void): void {
    this.closeListeners.push(listener);
  }

  /** @internal Resolves when every listener has (their promises included); the first failure rejects. */
  async received(data: Data, msg: JupyterMessage): Promise<void> {
    const pending = this.messageListeners.map((l) => l(data, msg));
    await Promise.all(pending);
  }

  /** @internal */
  closedByPeer(data: Data): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this.id);
    for (const l of this.closeListeners) l(data);
  }
}

/** Called when a frontend opens a comm to this target; `data` is the comm_open's data (`msg` has its buffers and metadata). */
export type CommTargetHandler = (comm: Comm, data: Data, msg: JupyterMessage) => void;

/** Comm targets and open comms (comm_info / comm_open / comm_msg / comm_close). */
export class CommManager {
  private readonly targets = new Map<string, CommTargetHandler>();
  private readonly comms = new Map<string, Comm>();

  constructor(private readonly send: Send) {}

  registerTarget(name: string, handler: CommTargetHandler): void {
    this.targets.set(name, handler);
  }

  /** Opens a comm from the kernel side; `buffers` travel as binary frames, `metadata` in the message's metadata. */
  open(
    target: string,
    data: Data = {},
    options: { parent?: JupyterMessage; metadata?: Record<string, unknown>; buffers?: readonly BinaryData[] } = {},
  ): Comm {
    const comm = this.create(randomUUID(), target, options.parent);
    this.send("comm_open", { comm_id: comm.id, target_name: target, data }, options.parent, {
      metadata: options.metadata,
      buffers: toFrames(options.buffers),
    });
    return comm;
  }

  /**
   * Sends an iopub message (stream, display_data, ...) whose parent is `parent`: output of code that
   * a comm message started goes with that message, where a frontend looks for it.
   */
  publish(msgType: string, content: unknown, parent: JupyterMessage): void {
    this.send(msgType, content, parent);
  }

  /** The open comm with this id, if any. */
  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  info(target?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const comm of this.comms.values()) {
      if (!target || comm.target === target) out[comm.id] = { target_name: comm.target };
    }
    return out;
  }

  handleOpen(msg: JupyterMessage): void {
    const { comm_id, target_name, data } = msg.content as { comm_id: string; target_name: string; data: Data };
    const handler = this.targets.get(target_name);
    if (!handler) {
      // The spec asks for a comm_close when no target matches.
      this.send("comm_close", { comm_id, data: { error: `paralab has no comm target named "${target_name}"` } }, msg);
      return;
    }
    handler(this.create(comm_id, target_name, msg), data ?? {}, msg);
  }

  /** Delivers a comm_msg; the returned promise settles when its listeners have (the handler awaits it). */
  handleMessage(msg: JupyterMessage): Promise<void> {
    const { comm_id, data } = msg.content as { comm_id: string; data: Data };
    return this.comms.get(comm_id)?.received(data ?? {}, msg) ?? Promise.resolve();
  }

  handleClose(msg: JupyterMessage): void {
    const { comm_id, data } = msg.content as { comm_id: string; data: Data };
    this.comms.get(comm_id)?.closedByPeer(data ?? {});
  }

  closeAll(): void {
    for (const comm of [...this.comms.values()]) comm.close();
  }

  private create(id: string, target: string, parent: JupyterMessage | undefined): Comm {
    const comm = new Comm(id, target, this.send, parent, (cid) => this.comms.delete(cid));
    this.comms.set(id, comm);
    return comm;
  }
}
