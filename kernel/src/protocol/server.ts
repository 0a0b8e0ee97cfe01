import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import { Channel, ConnectionConfig, JupyterMessage } from "./messages";
import { Signer, decodeMessage, encodeMessage, makeHeader } from "./wire";

/** How long the first shell request waits for an iopub subscriber before being served anyway. */
const SUBSCRIBER_GRACE_MS = 3000;
/** Messages queued per iopub subscriber (ZeroMQ's default is 1,000). */
const IOPUB_HIGH_WATER_MARK = 100_000;
/** How long close() waits for the heartbeat thread to close its socket and end. */
const HEARTBEAT_CLOSE_MS = 5000;

export type IncomingHandler = (channel: Channel, msg: JupyterMessage) => void;

/**
 * Owns the kernel's sockets: binds them, verifies and decodes what arrives, signs and sends what
 * leaves. It knows nothing about what messages mean.
 */
export class KernelServer {
  readonly session = crypto.randomUUID();
  private readonly signer: Signer;
  private readonly sockets: Record<Channel, zmq.Router | zmq.XPublisher>;
  /** zeromq allows one send in flight per socket, so sends are chained. */
  private readonly sendQueues = new Map<Channel, Promise<void>>();
  private heartbeat?: Worker;
  private heartbeatGone?: Promise<void>;
  private closing?: Promise<void>;
  private closed = false;
  /**
   * Resolves when the first frontend has subscribed to iopub (or a grace period after the first
   * shell request). Shell requests wait for it: a client that does not wait for iopub itself
   * (jupyter console) would otherwise miss the status and output of its first cell, sent while
   * its SUB socket was still connecting, and wait forever for an idle that already left.
   */
  private readonly firstSubscriber: Promise<void>;
  private markSubscribed!: () => void;
  private graceTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: ConnectionConfig,
    private readonly log: (text: string) => void,
  ) {
    this.signer = new Signer(config.key, config.signature_scheme || "hmac-sha256");
    this.sockets = {
      shell: new zmq.Router(),
      control: new zmq.Router(),
      stdin: new zmq.Router(),
      // XPUB so that each new subscriber gets an iopub_welcome (JEP 65) and misses nothing after it.
      // Verbose: a second client subscribing to "" while the first still is must be welcomed too
      // (by default ZeroMQ passes only the first subscription to a topic up to the kernel).
      // Past its high-water mark a publisher drops messages silently, the cell's `status: idle`
      // among them. Cells' output is bounded (cell-output.ts), so a deep queue stays finite.
      iopub: new zmq.XPublisher({ verbosity: "allSubs", sendHighWaterMark: IOPUB_HIGH_WATER_MARK }),
    };
    this.firstSubscriber = new Promise((resolve) => (this.markSubscribed = resolve));
  }

  async start(onMessage: IncomingHandler): Promise<void> {
    const c = this.config;
    const address = (port: number) =>
      c.transport === "ipc" ? `ipc://${c.ip}-${port}` : `${c.transport}://${c.ip}:${port}`;
    const ports: Record<Channel, number> = {
      shell: c.shell_port,
      control: c.control_port,
      stdin: c.stdin_port,
      iopub: c.iopub_port,
    };
    for (const channel of Object.keys(this.sockets) as Channel[]) {
      await this.sockets[channel].bind(address(ports[channel]));
    }
    this.startHeartbeat(address(c.hb_port));
    void this.welcomeSubscribers();
    void this.receive("control", onMessage);
    void this.receive("stdin", onMessage);
    void this.receive("shell", (channel, msg) => {
      if (!this.graceTimer) {
        this.graceTimer = setTimeout(() => this.markSubscribed(), SUBSCRIBER_GRACE_MS);
        this.graceTimer.unref();
      }
      // Requests queue on the same promise, so they are still handled in arrival order.
      void this.firstSubscriber.then(() => onMessage(channel, msg));
    });
  }

  private async welcomeSubscribers(): Promise<void> {
    try {
      for await (const [frame] of this.sockets.iopub as zmq.XPublisher) {
        // A subscription frame is 0x01 followed by the topic; 0x00 is an unsubscription.
        if (frame[0] === 1) {
          this.markSubscribed();
          clearTimeout(this.graceTimer);
          void this.send("iopub", "iopub_welcome", { subscription: frame.subarray(1).toString() }, undefined);
        }
      }
    } catch (e) {
      if (!this.closed) this.log(`paralab: iopub socket failed: ${(e as Error).message}`);
    }
  }

  /**
   * The heartbeat echoes from its own thread so that frontends still see the kernel alive while
   * a cell keeps the main thread busy.
   */
  private startHeartbeat(address: string): void {
    const source = `
      const zmq = require(${JSON.stringify(require.resolve("zeromq"))});
      const { workerData, parentPort } = require("node:worker_threads");
      const sock = new zmq.Reply();
      // Closing from inside the thread: terminating it with an open socket aborts the process.
      parentPort.once("message", () => { sock.close(); parentPort.close(); });
      (async () => {
        await sock.bind(workerData);
        try { for await (const frames of sock) await sock.send(frames); } catch {}
      })();`;
    const heartbeat = new Worker(source, { eval: true, workerData: address });
    this.heartbeatGone = new Promise((resolve) => heartbeat.once("exit", () => resolve()));
    heartbeat.unref();
    this.heartbeat = heartbeat;
  }

  private async receive(channel: Channel, onMessage: IncomingHandler): Promise<void> {
    const socket = this.sockets[channel] as zmq.Router;
    try {
      for await (const frames of socket) {
        let msg: JupyterMessage;
        try {
          msg = decodeMessage(frames, this.signer);
        } catch (e) {
          this.log(`paralab: rejected a message on ${channel}: ${(e as Error).message}`);
          continue;
        }
        onMessage(channel, msg);
      }
    } catch (e) {
      if (!this.closed) this.log(`paralab: ${channel} socket failed: ${(e as Error).stack}`);
    }
  }

  /** Sends a message whose parent is `parent` (reply to its sender, or broadcast on iopub). */
  send(
    channel: Channel,
    msgType: string,
    content: unknown,
    parent: JupyterMessage | undefined,
    extra: { metadata?: Record<string, unknown>; buffers?: Buffer[] } = {},
  ): Promise<void> {
    const identities = channel === "iopub" ? [Buffer.from(`kernel.${msgType}`)] : (parent?.identities ?? []);
    const msg: JupyterMessage<unknown> = {
      identities,
      header: makeHeader(msgType, this.session),
      parent_header: parent?.header ?? {},
      metadata: extra.metadata ?? {},
      content,
      buffers: extra.buffers ?? [],
    };
    const frames = encodeMessage(msg, this.signer);
    const socket = this.sockets[channel];
    const previous = this.sendQueues.get(channel) ?? Promise.resolve();
    const next = previous
      .then(() => (this.closed ? undefined : socket.send(frames)))
      .catch((e) => {
        if (!this.closed) this.log(`paralab: sending ${msgType} on ${channel} failed: ${(e as Error).message}`);
      });
    this.sendQueues.set(channel, next);
    return next;
  }

  /** Closes every socket and ends the heartbeat thread; later calls return the same promise. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    // Let queued replies (e.g. shutdown_reply) leave before the sockets go.
    await Promise.all(this.sendQueues.values());
    this.closed = true;
    for (const socket of Object.values(this.sockets)) socket.close();
    const heartbeat = this.heartbeat;
    if (heartbeat) {
      // The heartbeat thread must close its socket itself and end before this process does: a
      // worker thread stopped with an open zeromq socket (by process.exit, or by the event loop
      // running dry while the thread is unref'd) aborts the process in the socket's finalizer with
      // "terminate called after throwing an instance of 'Napi::Error'" (zeromq.js #411). So the
      // thread and the wait keep the loop alive until it has gone.
      heartbeat.ref();
      heartbeat.postMessage("close");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.heartbeatGone,
        new Promise((resolve) => (timer = setTimeout(resolve, HEARTBEAT_CLOSE_MS))),
      ]);
      clearTimeout(timer);
    }
  }
}
