import type { Comm } from "../protocol/comms";
import type { JupyterMessage } from "../protocol/messages";
import { putBuffers, removeBuffers } from "./buffers";
import { sameWire } from "./wire";

/** A change of one attribute, as observers receive it (values as on the wire). */
export interface WireChange {
  name: string;
  old: unknown;
  new: unknown;
}

type Listener<T> = (value: T) => void | Promise<void>;
/** Runs observer and custom-message callbacks; `msg` is the frontend's message that caused them, if any. */
export type RunCallbacks = (callbacks: () => Promise<void>, msg?: JupyterMessage) => Promise<void>;

/** The widget messaging protocol's version this kernel speaks (comm_open metadata). */
export const PROTOCOL_VERSION = "2.1.0";

/**
 * The kernel side of one widget model: its state as the protocol writes it, kept in step with the
 * frontend over one comm (messaging spec 2.1). The frontend's `update` changes the state, is
 * echoed back (`echo_update`, so other frontends follow) and fires the observers; `set` from the
 * kernel sends an `update`; `request_state` gets the whole state; `custom` messages go to
 * onCustom's listeners.
 */
export class WidgetModel {
  private readonly observers = new Set<Listener<WireChange>>();
  private readonly customListeners = new Set<(content: unknown, buffers: Uint8Array[]) => void | Promise<void>>();

  constructor(
    private readonly comm: Comm,
    private state: Record<string, unknown>,
    /** Runs observer and custom-message callbacks (the kernel gives them a cell to print in). */
    private readonly runCallbacks: RunCallbacks,
  ) {
    comm.onMessage((data, msg) => this.received(data, msg));
  }

  get id(): string {
    return this.comm.id;
  }

  get closed(): boolean {
    return this.comm.closed;
  }

  /** The model's name, for messages. */
  get name(): string {
    return String(this.state._model_name ?? "Widget").replace(/Model$/, "");
  }

  get(name: string): unknown {
    return this.state[name];
  }

  /** A copy of the whole state (binary values included). */
  snapshot(): Record<string, unknown> {
    return { ...this.state };
  }

  /**
   * Sets attributes from the kernel: the changed ones go to the frontend in one `update`, then
   * the observers run (their promise is returned; callers in a cell need not await it).
   */
  set(patch: Record<string, unknown>): Promise<void> {
    this.assertOpen();
    const changes = this.apply(patch);
    if (changes.length) this.sendState("update", Object.fromEntries(changes.map((c) => [c.name, c.new])));
    return this.notify(changes);
  }

  /** Sends a `custom` message ({method: "custom", content}) with optional binary buffers. */
  sendCustom(content: unknown, buffers: readonly (ArrayBuffer | ArrayBufferView)[] = []): void {
    this.assertOpen();
    this.comm.send({ method: "custom", content }, buffers);
  }

  observe(listener: Listener<WireChange>): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  onCustom(listener: (content: unknown, buffers: Uint8Array[]) => void | Promise<void>): () => void {
    this.customListeners.add(listener);
    return () => this.customListeners.delete(listener);
  }

  onClose(listener: () => void): void {
    this.comm.onClose(() => listener());
  }

  /** Closes the comm: the frontend removes the widget's views. */
  close(): void {
    this.comm.close();
  }

  /** Throws, naming the widget, when its comm has closed. */
  assertOpen(): void {
    this.comm.assertOpen(`${this.name} widget ${this.id}`);
  }

  /** The state as `update`/`comm_open` carry it: without binary values, which become buffers. */
  wireState(state: Record<string, unknown> = this.state) {
    return removeBuffers(state);
  }

  private sendState(method: "update" | "echo_update", state: Record<string, unknown>): void {
    const { state: json, bufferPaths, buffers } = removeBuffers(state);
    this.comm.send({ method, state: json, buffer_paths: bufferPaths }, buffers);
  }

  private apply(patch: Record<string, unknown>): WireChange[] {
    const changes: WireChange[] = [];
    for (const [name, value] of Object.entries(patch)) {
      const old = this.state[name];
      if (sameWire(old, value)) continue;
      this.state[name] = value;
      changes.push({ name, old, new: value });
    }
    return changes;
  }

  private notify(changes: WireChange[], msg?: JupyterMessage): Promise<void> {
    if (!changes.length || !this.observers.size) return Promise.resolve();
    const observers = [...this.observers];
    return this.runCallbacks(async () => {
      for (const change of changes) for (const o of observers) await o(change);
    }, msg);
  }

  private received(data: Record<string, unknown>, msg: JupyterMessage): Promise<void> {
    switch (data.method) {
      case "update": {
        const state = (data.state ?? {}) as Record<string, unknown>;
        putBuffers(state, data.buffer_paths, msg.buffers);
        // Echo first, as ipywidgets 8 does: every frontend (and the sender, which waits for its
        // own echo before applying others) then sees the kernel's order of updates.
        this.sendState("echo_update", state);
        return this.notify(this.apply(state), msg);
      }
      case "request_state":
        this.sendState("update", this.state);
        return Promise.resolve();
      case "custom": {
        const listeners = [...this.customListeners];
        if (!listeners.length) return Promise.resolve();
        const buffers = msg.buffers.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        return this.runCallbacks(async () => {
          for (const l of listeners) await l(data.content, buffers);
        }, msg);
      }
      default:
        return Promise.reject(
          new Error(`${this.name} widget ${this.id}: unknown widget message method ${JSON.stringify(data.method)}`),
        );
    }
  }
}
