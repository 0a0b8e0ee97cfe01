/**
 * Status bar item "paralab: N workers · machine CPU X%", shown while the active notebook
 * runs the paralab kernel; clicking it opens the Parallel panel. It is updated
 * through MonitorClient's signals (extension-examples shout-button pattern).
 */
import { Widget } from "@lumino/widgets";
import { Signal, type ISignal } from "@lumino/signaling";
import { MACHINE_CPU, MACHINE_CPU_SOURCE } from "paralab/charts";
import { meanCpuPercent, type MonitorClient, type MonitorSample, type MonitorState } from "./monitor";

export const STATUS_CLASS = "jp-paralab-status";

/** The item's words for a sample. */
export function statusText(sample: MonitorSample | undefined): string {
  if (!sample) return "paralab: connecting…";
  const n = sample.workers.length;
  const c = sample.cluster?.workers.length;
  const cluster = c === undefined ? "" : ` · cluster ${c} worker${c === 1 ? "" : "s"}`;
  return `paralab: ${n} worker${n === 1 ? "" : "s"}${cluster} · ${MACHINE_CPU} ${Math.round(meanCpuPercent(sample))}%`;
}

export class StatusItem extends Widget {
  private readonly _activeChanged = new Signal<this, void>(this);

  constructor(
    private readonly monitor: MonitorClient,
    onClick: () => void,
  ) {
    super();
    this.addClass(STATUS_CLASS);
    this.addClass("jp-StatusBar-TextItem");
    this.node.title = `paralab: workers of the pool (and of the cluster, when one is set) and the ${MACHINE_CPU} (${MACHINE_CPU_SOURCE}), mean of all cores. Click for the Parallel panel.`;
    this.node.addEventListener("click", onClick);
    monitor.stateChanged.connect(this.onState, this);
    monitor.sampleReceived.connect(this.onSample, this);
    this.onState(monitor, monitor.state);
  }

  /** For IStatusBar.registerStatusItem: shown only for paralab kernels. */
  get isActive(): boolean {
    const kind = this.monitor.state.kind;
    return kind === "connected" || kind === "connecting" || kind === "waiting" || kind === "restarting";
  }

  get activeStateChanged(): ISignal<this, void> {
    return this._activeChanged;
  }

  override dispose(): void {
    this.monitor.stateChanged.disconnect(this.onState, this);
    this.monitor.sampleReceived.disconnect(this.onSample, this);
    super.dispose();
  }

  private onState(_: MonitorClient, state: MonitorState): void {
    if (state.kind === "restarting") this.node.textContent = "paralab: restarting…";
    else if (state.kind !== "connected") this.node.textContent = statusText(undefined);
    this._activeChanged.emit();
  }

  private onSample(_: MonitorClient, sample: MonitorSample): void {
    this.node.textContent = statusText(sample);
  }
}
