/**
 * The frontend side of the `paralab.monitor` comm: follows the active notebook's
 * kernel, opens the comm on paralab kernels, keeps a history of samples, and
 * tells the panel and the status bar item through signals.
 *
 * Protocol (frontend ⇄ kernel):
 *   comm_open  target "paralab.monitor", data {periodMs}
 *   kernel →   {type: "sample", ...MonitorSample} every periodMs (with the session's cluster, if any)
 *   frontend → {type: "set-period", periodMs} | {type: "restart-workers"}
 *   kernel →   {type: "restarted", workers}
 */
import type { ISessionContext } from "@jupyterlab/apputils";
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import { Signal, type ISignal } from "@lumino/signaling";
// Types only: the kernel module imports node-side code, so nothing of it may reach the bundle.
import type { MONITOR_TARGET, MonitorSample as KernelMonitorSample } from "paralab/monitor";

/** Comm target name the kernel registers (the type makes tsc check it against the kernel's). */
export const COMM_TARGET: typeof MONITOR_TARGET = "paralab.monitor";
/** Kernel spec name of the paralab kernel. */
export const PARALAB_KERNEL = "paralab";
/** Its display name. */
export const PARALAB_DISPLAY_NAME = "TypeScript (paralab)";
/** Without a first sample within this time, the panel says it is still waiting. */
export const FIRST_SAMPLE_TIMEOUT_MS = 8000;

/** One `{type: "sample"}` message from the kernel (docs/monitor-comm.md), without its `type`. */
export type MonitorSample = Omit<KernelMonitorSample, "type">;
/** One worker of the pool in a sample. */
export type WorkerSample = MonitorSample["workers"][number];
export type WorkerState = WorkerSample["state"];
/** The running cell's progress (`startedMs` is epoch ms). */
export type RunProgress = NonNullable<MonitorSample["run"]>;
/** The session's cluster and its `paralab worker`s. */
export type ClusterSample = NonNullable<MonitorSample["cluster"]>;
export type ClusterWorkerSample = ClusterSample["workers"][number];

/** What the panel shows. */
export type MonitorState =
  | { kind: "no-notebook" }
  | { kind: "no-kernel"; notebook: string }
  | { kind: "not-paralab"; notebook: string; kernelName: string; reason?: string }
  | { kind: "connecting"; notebook: string; kernelName: string }
  | { kind: "waiting"; notebook: string; kernelName: string }
  | { kind: "restarting"; notebook: string; kernelName: string }
  | { kind: "connected"; notebook: string; kernelName: string };

/** The words the panel shows when the notebook's kernel is not paralab. */
export function needsParalabMessage(kernelName: string): string {
  return `The Parallel panel needs the paralab kernel (${PARALAB_DISPLAY_NAME}); this notebook uses ${kernelName}.`;
}

/** Mean of a sample's per-core utilization, 0..100. */
export function meanCpuPercent(sample: MonitorSample): number {
  return sample.cores.length ? sample.cores.reduce((a, b) => a + b, 0) / sample.cores.length : 0;
}

function isSample(data: Record<string, unknown>): boolean {
  return data.type === "sample" && Array.isArray(data.cores) && typeof data.tMs === "number";
}

/** Reads a sample defensively: missing fields become empty, not errors. */
function toSample(data: Record<string, unknown>): MonitorSample {
  const kernel = (data.kernel ?? {}) as Partial<MonitorSample["kernel"]>;
  return {
    tMs: data.tMs as number,
    cores: (data.cores as unknown[]).map((c) => Math.max(0, Math.min(100, Number(c) || 0))),
    kernel: { memoryBytes: Number(kernel.memoryBytes) || 0, cpuPercent: Number(kernel.cpuPercent) || 0 },
    workers: Array.isArray(data.workers) ? (data.workers as WorkerSample[]) : [],
    run: (data.run as RunProgress | null | undefined) ?? null,
    cluster: toCluster(data.cluster),
  };
}

/** A kernel older than the cluster view sends none: no cluster. */
function toCluster(data: unknown): ClusterSample | null {
  if (!data || typeof data !== "object") return null;
  const c = data as Partial<ClusterSample>;
  return {
    display: String(c.display ?? ""),
    queue: String(c.queue ?? ""),
    workers: Array.isArray(c.workers) ? c.workers : [],
    error: typeof c.error === "string" ? c.error : null,
  };
}

export interface MonitorOptions {
  periodMs: number;
  historySeconds: number;
}

/**
 * One per JupyterLab window. `setSession` is called with the active notebook's
 * session context (or null); everything else follows from its signals.
 */
export class MonitorClient {
  private session: ISessionContext | null = null;
  private notebook = "";
  private kernel: Kernel.IKernelConnection | null = null;
  private comm: Kernel.IComm | null = null;
  private commOpenedAt = 0;
  private gotSample = false;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private readonly _history: MonitorSample[] = [];
  private _state: MonitorState = { kind: "no-notebook" };
  private readonly _stateChanged = new Signal<this, MonitorState>(this);
  private readonly _sampleReceived = new Signal<this, MonitorSample>(this);
  private readonly _restarted = new Signal<this, number>(this);
  private readonly _kernelError = new Signal<this, string>(this);

  constructor(private options: MonitorOptions) {}

  get state(): MonitorState {
    return this._state;
  }

  /** Samples of the last `historySeconds`, oldest first. */
  get history(): readonly MonitorSample[] {
    return this._history;
  }

  get latest(): MonitorSample | undefined {
    return this._history[this._history.length - 1];
  }

  get historySeconds(): number {
    return this.options.historySeconds;
  }

  get stateChanged(): ISignal<this, MonitorState> {
    return this._stateChanged;
  }

  get sampleReceived(): ISignal<this, MonitorSample> {
    return this._sampleReceived;
  }

  /** Emitted with the worker count when the kernel answers restart-workers. */
  get restarted(): ISignal<this, number> {
    return this._restarted;
  }

  /** Emitted with the message of a `{type: "error"}` reply (e.g. a failed restart). */
  get kernelError(): ISignal<this, string> {
    return this._kernelError;
  }

  /** True when the comm is open and samples arrive. */
  get isConnected(): boolean {
    return this._state.kind === "connected";
  }

  /** Applies new settings; sends set-period on an open comm. */
  configure(options: MonitorOptions): void {
    const periodChanged = options.periodMs !== this.options.periodMs;
    this.options = options;
    this.trimHistory();
    if (periodChanged && this.comm && !this.comm.isDisposed) {
      this.comm.send({ type: "set-period", periodMs: options.periodMs });
    }
  }

  /** Asks the kernel to restart its workers; false when there is no open comm. */
  restartWorkers(): boolean {
    if (!this.comm || this.comm.isDisposed) return false;
    this.comm.send({ type: "restart-workers" });
    return true;
  }

  /** Follows another notebook (or none). */
  setSession(session: ISessionContext | null, notebook = ""): void {
    if (session === this.session) return;
    if (this.session) {
      this.session.kernelChanged.disconnect(this.onKernelChanged, this);
      this.session.statusChanged.disconnect(this.onStatusChanged, this);
    }
    this.session = session;
    this.notebook = notebook;
    if (session) {
      session.kernelChanged.connect(this.onKernelChanged, this);
      session.statusChanged.connect(this.onStatusChanged, this);
    }
    void this.reconnect();
  }

  dispose(): void {
    this.setSession(null);
    this.closeComm();
  }

  private setState(state: MonitorState): void {
    this._state = state;
    this._stateChanged.emit(state);
  }

  private onKernelChanged(): void {
    void this.reconnect();
  }

  private onStatusChanged(_: ISessionContext, status: Kernel.Status): void {
    const name = this.kernel?.name ?? "";
    if (status === "restarting" || status === "autorestarting" || status === "dead") {
      this.closeComm();
      this._history.length = 0;
      if (name === PARALAB_KERNEL) {
        this.setState({ kind: "restarting", notebook: this.notebook, kernelName: PARALAB_DISPLAY_NAME });
      }
      return;
    }
    // After a restart the kernel connection stays the same object: open a new comm.
    if ((status === "idle" || status === "busy") && !this.comm && this.kernel && name === PARALAB_KERNEL) {
      void this.reconnect();
    }
  }

  private closeComm(): void {
    clearTimeout(this.waitTimer);
    const comm = this.comm;
    this.comm = null;
    if (comm && !comm.isDisposed) {
      comm.onClose = () => undefined;
      comm.onMsg = () => undefined;
      try {
        comm.close();
      } catch {
        // The kernel is gone or restarting; nothing to close.
      }
    }
  }

  private async reconnect(): Promise<void> {
    const generation = ++this.generation;
    this.closeComm();
    this._history.length = 0;
    const session = this.session;
    if (!session) {
      this.kernel = null;
      this.setState({ kind: "no-notebook" });
      return;
    }
    const kernel = session.session?.kernel ?? null;
    this.kernel = kernel;
    if (!kernel) {
      const preferred = session.kernelPreference.name;
      if (preferred && preferred !== PARALAB_KERNEL) {
        this.setState({
          kind: "not-paralab",
          notebook: this.notebook,
          kernelName: session.kernelDisplayName || preferred,
        });
      } else {
        this.setState({ kind: "no-kernel", notebook: this.notebook });
      }
      return;
    }
    const displayName = await kernelDisplayName(kernel, session);
    if (generation !== this.generation) return;
    if (kernel.name !== PARALAB_KERNEL) {
      this.setState({ kind: "not-paralab", notebook: this.notebook, kernelName: displayName });
      return;
    }
    this.setState({ kind: "connecting", notebook: this.notebook, kernelName: displayName });
    this.openComm(kernel, displayName, generation);
  }

  private openComm(kernel: Kernel.IKernelConnection, displayName: string, generation: number): void {
    let comm: Kernel.IComm;
    try {
      comm = kernel.createComm(COMM_TARGET);
    } catch (err) {
      this.setState({
        kind: "not-paralab",
        notebook: this.notebook,
        kernelName: displayName,
        reason: (err as Error).message,
      });
      return;
    }
    this.comm = comm;
    this.gotSample = false;
    this.commOpenedAt = Date.now();
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => {
      if (generation !== this.generation) return;
      this.onCommData(msg.content.data as Record<string, unknown>, displayName);
    };
    comm.onClose = (msg: KernelMessage.ICommCloseMsg) => {
      if (generation !== this.generation || this.comm !== comm) return;
      this.comm = null;
      clearTimeout(this.waitTimer);
      const data = (msg?.content?.data ?? {}) as Record<string, unknown>;
      const reason = typeof data.error === "string" ? data.error : `the kernel closed the ${COMM_TARGET} comm`;
      this.setState({ kind: "not-paralab", notebook: this.notebook, kernelName: displayName, reason });
    };
    this.waitTimer = setTimeout(() => {
      if (generation === this.generation && !this.gotSample && this.comm === comm) {
        this.setState({ kind: "waiting", notebook: this.notebook, kernelName: displayName });
      }
    }, FIRST_SAMPLE_TIMEOUT_MS);
    try {
      comm.open({ periodMs: this.options.periodMs });
    } catch (err) {
      this.comm = null;
      this.setState({ kind: "not-paralab", notebook: this.notebook, kernelName: displayName, reason: String(err) });
    }
  }

  private onCommData(data: Record<string, unknown>, displayName: string): void {
    if (data.type === "restarted") {
      this._restarted.emit(Number(data.workers) || 0);
      return;
    }
    if (data.type === "error") {
      this._kernelError.emit(String(data.message ?? "unknown error"));
      return;
    }
    if (!isSample(data)) return;
    const sample = toSample(data);
    this._history.push(sample);
    this.trimHistory();
    if (!this.gotSample || this._state.kind !== "connected") {
      this.gotSample = true;
      clearTimeout(this.waitTimer);
      this.setState({ kind: "connected", notebook: this.notebook, kernelName: displayName });
    }
    this._sampleReceived.emit(sample);
  }

  private trimHistory(): void {
    const latest = this.latest;
    if (!latest) return;
    const oldest = latest.tMs - this.options.historySeconds * 1000;
    let drop = 0;
    while (drop < this._history.length && this._history[drop].tMs < oldest) drop++;
    if (drop) this._history.splice(0, drop);
  }

  /** ms since the comm was opened (for the "waiting" message). */
  get waitingMs(): number {
    return this.comm ? Date.now() - this.commOpenedAt : 0;
  }
}

async function kernelDisplayName(kernel: Kernel.IKernelConnection, session: ISessionContext): Promise<string> {
  try {
    const spec = await kernel.spec;
    if (spec?.display_name) return spec.display_name;
  } catch {
    // Fall back to what the session knows.
  }
  return session.kernelDisplayName || kernel.name;
}
