import { randomUUID } from "node:crypto";
import { JupyterMessage } from "./messages";

type Send = (msgType: string, content: unknown, parent: JupyterMessage | undefined) => void;
type Data = Record<string, unknown>;

/** One open comm (kernel side). */
export class Comm {
  private messageListeners: ((data: Data, msg: JupyterMessage) => void)[] = [];
  private closeListeners: ((data: Data) => void)[] = [];
  closed = false;

  constructor(
    readonly id: string,
    readonly target: string,
    private readonly sendRaw: Send,
    private readonly parent: JupyterMessage | undefined,
    private readonly onClosed: (id: string) => void,
  ) {}

  send(data: Data, buffers?: Buffer[]): void {
    if (this.closed) return;
    void buffers;
    this.sendRaw("comm_msg", { comm_id: this.id, data }, this.parent);
  }

  close(data: Data = {}): void {
    if (this.closed) return;
    this.sendRaw("comm_close", { comm_id: this.id, data }, this.parent);
    this.closedByPeer(data);
  }

  onMessage(listener: (data: Data, msg: JupyterMessage) => void): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: (data: Data) => void): void {
    this.closeListeners.push(listener);
  }

  /** @internal */
  received(data: Data, msg: JupyterMessage): void {
    for (const l of this.messageListeners) l(data, msg);
  }

  /** @internal */
  closedByPeer(data: Data): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this.id);
    for (const l of this.closeListeners) l(data);
  }
}

/** Called when a frontend opens a comm to this target; `data` is the comm_open's data. */
export type CommTargetHandler = (comm: Comm, data: Data) => void;

/** Comm targets and open comms (comm_info / comm_open / comm_msg / comm_close). */
export class CommManager {
  private readonly targets = new Map<string, CommTargetHandler>();
  private readonly comms = new Map<string, Comm>();

  constructor(private readonly send: Send) {}

  registerTarget(name: string, handler: CommTargetHandler): void {
    this.targets.set(name, handler);
  }

  /** Opens a comm from the kernel side. */
  open(target: string, data: Data = {}, parent?: JupyterMessage): Comm {
    const comm = this.create(randomUUID(), target, parent);
    this.send("comm_open", { comm_id: comm.id, target_name: target, data }, parent);
    return comm;
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
    handler(this.create(comm_id, target_name, msg), data ?? {});
  }

  handleMessage(msg: JupyterMessage): void {
    const { comm_id, data } = msg.content as { comm_id: string; data: Data };
    this.comms.get(comm_id)?.received(data ?? {}, msg);
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
