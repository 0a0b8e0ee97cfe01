/**
 * `import { comms } from "paralab"`: Jupyter comms for cell code, so that widget libraries other
 * than paralab's own (anywidget's models, custom frontends) can talk to the kernel. Named `comms`
 * because %%parallel SPMD cells already have a `comm` for message passing between ranks.
 */
import type { Comm as KernelComm } from "../protocol/comms";
import { widgetManager } from "../widgets/manager";
import type { JupyterMessage } from "../protocol/messages";
import { inCallbackScope, messageSink } from "./callback-scope";

type Data = Record<string, unknown>;
type Binary = ArrayBuffer | ArrayBufferView;

/** One open comm, as cell code sees it: data and binary buffers both ways. */
export class JupyterComm {
  /** @internal */
  constructor(
    private readonly comm: KernelComm,
    private readonly publish: (type: string, content: unknown, parent: JupyterMessage) => void,
  ) {}

  get id(): string {
    return this.comm.id;
  }
  get target(): string {
    return this.comm.target;
  }
  get closed(): boolean {
    return this.comm.closed;
  }

  /** Sends a comm_msg with `data` and optional binary buffers; an error once the comm has closed. */
  send(data: Data, buffers?: readonly Binary[]): void {
    this.comm.assertOpen("comms.send");
    this.comm.send(data, buffers);
  }

  /** Runs `callback` on each message from the frontend (its buffers as bytes), as if in a cell. */
  onMessage(callback: (data: Data, buffers: Uint8Array[]) => void | Promise<void>): void {
    this.comm.onMessage((data, msg) =>
      inCallbackScope(
        `comm ${this.target}'s message handler`,
        async () => {
          await callback(
            data,
            msg.buffers.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
          );
        },
        messageSink((type, content) => this.publish(type, content, msg)),
      ),
    );
  }

  onClose(callback: (data: Data) => void): void {
    this.comm.onClose(callback);
  }

  close(data: Data = {}): void {
    this.comm.close(data);
  }
}

function kernelComms(what: string) {
  return widgetManager(what).comms;
}

export const comms = {
  /** Opens a comm to the frontend's `target` with `data` (and binary buffers). */
  open(target: string, data: Data = {}, buffers?: readonly Binary[], metadata?: Data): JupyterComm {
    const kernel = kernelComms("comms.open");
    return new JupyterComm(kernel.open(target, data, { buffers, metadata }), (t, c, p) => kernel.publish(t, c, p));
  },

  /** Answers comms the frontend opens to `target`: `handler` gets each new one with its data. */
  registerTarget(target: string, handler: (comm: JupyterComm, data: Data, buffers: Uint8Array[]) => void): void {
    const kernel = kernelComms("comms.registerTarget");
    kernel.registerTarget(target, (comm, data, msg) =>
      handler(
        new JupyterComm(comm, (t, c, p) => kernel.publish(t, c, p)),
        data,
        msg.buffers.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
      ),
    );
  },
};
