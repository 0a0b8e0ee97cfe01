/**
 * The "Parallel" side panel: per-core utilization bars, a utilization history,
 * the running cell's progress, the pool's workers and, when the session has a cluster
 * (%cluster URL), the cluster's `paralab worker`s, for the active notebook's paralab kernel
 * (data from MonitorClient).
 */
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import type { Chart } from "chart.js";
import { coreHistoryConfig, formatBytes, type ChartTheme } from "paralab/charts";
import { registerCharts } from "./charts";
import {
  type ClusterSample,
  meanCpuPercent,
  needsParalabMessage,
  type MonitorClient,
  type MonitorSample,
  type MonitorState,
  type WorkerSample,
} from "./monitor";
import { chartTheme, themeChanged } from "./theme";

/** Id of the panel widget in the shell (also what `paralab:show-panel` activates). */
export const PANEL_ID = "paralab-parallel-panel";
export const PANEL_CLASS = "jp-paralab-panel";

/** "1.2 GB", "350 MB", "12 kB". */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = "", text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

function section(title: string, cls: string): { root: HTMLElement; heading: HTMLElement } {
  const root = el("section", `jp-paralab-section ${cls}`);
  const heading = el("h3", "jp-paralab-section-title", title);
  root.append(heading);
  return { root, heading };
}

/** The cluster's table: heading and what it means. */
const CLUSTER_COLUMNS: [string, string][] = [
  ["host", "the machine the worker runs on"],
  ["pid", "the worker's process id there"],
  ["runtimes", "tasks it runs at once (paralab worker --concurrency)"],
  ["busy", "runtimes running a task now"],
  ["tasks", "tasks its runtimes finished"],
];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export interface PanelCallbacks {
  restartWorkers(): void;
  /** Scrolls the notebook to the running cell's live chart; false when it has none (yet). */
  showRunningChart?(): boolean;
}

export class ParallelPanel extends Widget {
  private readonly message: HTMLElement;
  private readonly header: HTMLElement;
  private readonly content: HTMLElement;
  private readonly coresHeading: HTMLElement;
  private readonly coreBars: HTMLElement;
  private readonly historyHeading: HTMLElement;
  private readonly historyBox: HTMLElement;
  private readonly runBody: HTMLElement;
  private readonly workersBody: HTMLTableSectionElement;
  private readonly workersHeading: HTMLElement;
  private readonly kernelLine: HTMLElement;
  private readonly restartButton: HTMLButtonElement;
  private readonly clusterSection: HTMLElement;
  private readonly clusterHeading: HTMLElement;
  private readonly clusterLine: HTMLElement;
  private readonly clusterBody: HTMLTableSectionElement;
  private history: Chart | null = null;

  constructor(
    private readonly monitor: MonitorClient,
    private readonly callbacks: PanelCallbacks,
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass(PANEL_CLASS);
    this.title.caption = "Parallel: cores, workers and progress of the paralab kernel";
    this.title.label = "Parallel";

    this.header = el("div", "jp-paralab-panel-header");
    this.message = el("div", "jp-paralab-panel-message");
    this.content = el("div", "jp-paralab-panel-content");

    const cores = section("Cores", "jp-paralab-cores-section");
    this.coresHeading = cores.heading;
    this.coreBars = el("div", "jp-paralab-cores");
    cores.root.append(this.coreBars);

    const hist = section("History", "jp-paralab-history-section");
    this.historyHeading = hist.heading;
    this.historyBox = el("div", "jp-paralab-history");
    hist.root.append(this.historyBox);

    const run = section("Running cell", "jp-paralab-run-section");
    this.runBody = el("div", "jp-paralab-run");
    run.root.append(this.runBody);

    const workers = section("Workers", "jp-paralab-workers-section");
    this.workersHeading = workers.heading;
    const table = el("table", "jp-paralab-workers");
    const head = table.createTHead().insertRow();
    for (const h of ["worker", "state", "tasks", "CPU", "memory"]) head.append(el("th", "", h));
    this.workersBody = table.createTBody();
    this.kernelLine = el("div", "jp-paralab-kernel-line");
    this.restartButton = el("button", "jp-paralab-restart jp-mod-styled", "Restart workers");
    this.restartButton.type = "button";
    this.restartButton.title =
      "Terminate and replace every worker of the local pool (worker state is lost); a cluster's workers are not touched";
    this.restartButton.addEventListener("click", () => callbacks.restartWorkers());
    workers.root.append(table, this.kernelLine, this.restartButton);

    const cluster = section("Cluster", "jp-paralab-cluster-section");
    this.clusterSection = cluster.root;
    this.clusterHeading = cluster.heading;
    this.clusterLine = el("div", "jp-paralab-cluster-line");
    const clusterTable = el("table", "jp-paralab-workers jp-paralab-cluster-workers");
    const clusterHead = clusterTable.createTHead().insertRow();
    for (const [h, title] of CLUSTER_COLUMNS) {
      const th = el("th", "", h);
      th.title = title;
      clusterHead.append(th);
    }
    this.clusterBody = clusterTable.createTBody();
    // Host names are long and the panel narrow: the table scrolls rather than squeezing its numbers.
    const scroller = el("div", "jp-paralab-table-scroll");
    scroller.append(clusterTable);
    cluster.root.append(this.clusterLine, scroller);
    this.clusterSection.hidden = true;

    // The cluster, when set, is where map cells run: it comes before the local pool.
    this.content.append(cores.root, hist.root, run.root, cluster.root, workers.root);
    this.node.append(this.header, this.message, this.content);

    monitor.stateChanged.connect(this.onStateChanged, this);
    monitor.sampleReceived.connect(this.onSample, this);
    themeChanged.connect(this.onThemeChanged, this);
    this.onStateChanged(monitor, monitor.state);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.monitor.stateChanged.disconnect(this.onStateChanged, this);
    this.monitor.sampleReceived.disconnect(this.onSample, this);
    themeChanged.disconnect(this.onThemeChanged, this);
    this.history?.destroy();
    super.dispose();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.redraw();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    if (this.history?.attached) this.history.resize();
  }

  private onThemeChanged(_: object, theme: ChartTheme): void {
    this.history?.destroy();
    this.history = null;
    if (this.monitor.latest) this.drawHistory(theme);
  }

  private onStateChanged(_: MonitorClient, state: MonitorState): void {
    this.node.dataset.state = state.kind;
    const where = "notebook" in state && state.notebook ? state.notebook : "";
    this.header.textContent = where ? `${where} · ${"kernelName" in state ? state.kernelName : "no kernel"}` : "";
    let message = "";
    switch (state.kind) {
      case "no-notebook":
        message = "Open a notebook that uses the paralab kernel (TypeScript (paralab)) to see its cores and workers.";
        break;
      case "no-kernel":
        message = "This notebook has no running kernel. Start the paralab kernel to see its cores and workers.";
        break;
      case "not-paralab":
        message = needsParalabMessage(state.kernelName) + (state.reason ? ` (${state.reason})` : "");
        break;
      case "connecting":
        message = "Connecting to the paralab kernel…";
        break;
      case "waiting":
        message =
          "Waiting for the kernel's monitor (comm target paralab.monitor). " +
          "If this stays, the kernel may be busy in a synchronous cell.";
        break;
      case "restarting":
        message = "The kernel is restarting…";
        break;
      case "connected":
        message = "";
        break;
    }
    this.message.textContent = message;
    this.message.hidden = message === "";
    const showData = state.kind === "connected" || (state.kind === "waiting" && !!this.monitor.latest);
    this.content.hidden = !showData;
    this.restartButton.disabled = state.kind !== "connected";
    if (!showData) {
      // Nothing of another kernel (or of the one before a restart) stays on show.
      this.history?.destroy();
      this.history = null;
      this.coreBars.textContent = "";
    }
  }

  private onSample(_: MonitorClient, sample: MonitorSample): void {
    this.node.dataset.lastSampleMs = String(sample.tMs);
    if (!this.isVisible) return;
    this.drawCores(sample);
    this.drawRun(sample);
    this.drawWorkers(sample);
    this.drawCluster(sample.cluster);
    this.drawHistory(chartTheme());
  }

  private redraw(): void {
    const latest = this.monitor.latest;
    if (latest) this.onSample(this.monitor, latest);
  }

  private drawCores(sample: MonitorSample): void {
    const n = sample.cores.length;
    this.coresHeading.textContent = `Cores (${n}) · mean ${Math.round(meanCpuPercent(sample))}%`;
    while (this.coreBars.children.length > n) this.coreBars.lastElementChild?.remove();
    while (this.coreBars.children.length < n) {
      const i = this.coreBars.children.length;
      const core = el("div", "jp-paralab-core");
      const bar = el("div", "jp-paralab-core-bar");
      const fill = el("div", "jp-paralab-core-fill");
      bar.append(fill);
      core.append(bar, el("div", "jp-paralab-core-label", String(i)));
      this.coreBars.append(core);
    }
    sample.cores.forEach((pct, i) => {
      const core = this.coreBars.children[i] as HTMLElement;
      const fill = core.firstElementChild?.firstElementChild as HTMLElement;
      const rounded = Math.round(pct);
      core.dataset.percent = String(rounded);
      core.title = `core ${i}: ${rounded}% busy`;
      fill.style.height = `${pct}%`;
      fill.classList.toggle("jp-mod-high", pct >= 80);
    });
  }

  private drawRun(sample: MonitorSample): void {
    const run = sample.run;
    this.runBody.textContent = "";
    if (!run) {
      this.runBody.append(el("div", "jp-paralab-muted", "No cell is running on the pool or a cluster."));
      return;
    }
    this.runBody.dataset.where = run.where ?? "pool";
    const total = Math.max(0, run.total);
    const done = Math.max(0, Math.min(run.done, total || run.done));
    const fraction = total > 0 ? done / total : 0;
    const elapsedS = Math.max(0, (sample.tMs - run.startedMs) / 1000);
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    const etaS = rate > 0 && total > done ? (total - done) / rate : undefined;
    const label = el("div", "jp-paralab-run-label", run.label);
    if (run.where === "cluster") label.append(el("span", "jp-paralab-run-where", "on the cluster"));
    const bar = el("div", "jp-paralab-progress");
    const fill = el("div", "jp-paralab-progress-fill");
    fill.style.width = `${(fraction * 100).toFixed(1)}%`;
    bar.append(fill);
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", String(total));
    bar.setAttribute("aria-valuenow", String(done));
    const parts = [
      `${done} / ${total} items (${Math.round(fraction * 100)}%)`,
      `${elapsedS.toFixed(1)} s`,
      rate > 0 ? `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} items/s` : "",
      etaS !== undefined ? `ETA ${etaS.toFixed(0)} s` : "",
    ].filter(Boolean);
    this.runBody.append(label, bar, el("div", "jp-paralab-run-stats", parts.join(" · ")));
    const show = this.callbacks.showRunningChart;
    if (show) {
      // Its chart grows in the notebook (SPEC §5): a link there, wherever the notebook is scrolled.
      const link = el("button", "jp-paralab-show-chart", "Show its chart") as HTMLButtonElement;
      link.type = "button";
      link.title = "Scroll the notebook to this run's live chart";
      link.addEventListener("click", () => {
        if (!show()) link.textContent = "Its chart shows once the run has taken 0.4 s";
      });
      this.runBody.append(link);
    }
  }

  private drawWorkers(sample: MonitorSample): void {
    const rows: WorkerSample[] = [...sample.workers].sort((a, b) => a.rank - b.rank);
    this.workersBody.textContent = "";
    if (!rows.length) {
      const cell = this.workersBody.insertRow().insertCell();
      cell.colSpan = 5;
      cell.className = "jp-paralab-muted";
      cell.textContent = sample.cluster
        ? "The local pool has not started: map cells run on the cluster above."
        : "No workers yet: the pool starts with the first %%parallel cell.";
    }
    for (const w of rows) {
      const row = this.workersBody.insertRow();
      row.className = `jp-paralab-worker jp-mod-${w.state}`;
      row.dataset.rank = String(w.rank);
      const state = el("span", `jp-paralab-state jp-mod-${w.state}`, w.state);
      const cells = [
        `w${w.rank}`,
        state,
        String(w.tasksDone),
        `${Math.round(w.cpuPercent)}%`,
        formatBytes(w.memoryBytes),
      ];
      for (const c of cells) {
        const td = row.insertCell();
        if (typeof c === "string") td.textContent = c;
        else td.append(c);
      }
    }
    const kinds = [...new Set(rows.map((w) => w.kind))];
    this.workersHeading.textContent = rows.length
      ? `Workers (${rows.length} ${kinds.length === 1 ? kinds[0] + (rows.length === 1 ? "" : kinds[0] === "thread" ? "s" : "es") : "mixed"})`
      : "Workers";
    // Worker threads live in the kernel's process, so its memory and CPU include theirs: say so,
    // or a busy pool reads as a kernel using 190% CPU by itself.
    const threads = rows.filter((w) => w.kind === "thread").length;
    this.kernelLine.textContent =
      `Kernel: ${formatBytes(sample.kernel.memoryBytes)} memory · CPU ${Math.round(sample.kernel.cpuPercent)}%` +
      (threads ? `, with its ${threads} worker thread${threads === 1 ? "" : "s"}` : "") +
      ` · ${rows.length} worker${rows.length === 1 ? "" : "s"}`;
  }

  private drawCluster(cluster: ClusterSample | null): void {
    this.clusterSection.hidden = !cluster;
    this.clusterBody.textContent = "";
    if (!cluster) return;
    const { workers } = cluster;
    const runtimes = workers.reduce((n, w) => n + w.runtimes, 0);
    const busy = workers.reduce((n, w) => n + w.busy, 0);
    const hosts = new Set(workers.map((w) => w.host)).size;
    this.clusterHeading.textContent = `Cluster (${plural(workers.length, "worker")} on ${plural(hosts, "host")})`;
    this.clusterLine.textContent =
      `${cluster.display}${cluster.queue ? ` · queue ${cluster.queue}` : ""} · ` +
      `${plural(runtimes, "runtime")}, ${busy} busy` +
      (cluster.error ? ` · cannot read its workers: ${cluster.error}` : "");
    this.clusterLine.classList.toggle("jp-mod-error", !!cluster.error);
    if (!workers.length) {
      const cell = this.clusterBody.insertRow().insertCell();
      cell.colSpan = CLUSTER_COLUMNS.length;
      cell.className = "jp-paralab-muted";
      cell.textContent = "No paralab worker serves this queue. Start one: paralab worker --redis URL";
    }
    for (const w of workers) {
      const row = this.clusterBody.insertRow();
      row.className = `jp-paralab-cluster-worker ${w.busy > 0 ? "jp-mod-busy" : "jp-mod-idle"}`;
      row.dataset.host = w.host;
      row.dataset.pid = String(w.pid);
      row.dataset.runtimes = String(w.runtimes);
      row.title = `${w.id}, paralab ${w.version}`;
      const cells = [
        w.host,
        String(w.pid),
        String(w.runtimes),
        el("span", `jp-paralab-state ${w.busy > 0 ? "jp-mod-busy" : "jp-mod-idle"}`, String(w.busy)),
        w.tasksDone === null ? "?" : String(w.tasksDone),
      ];
      for (const c of cells) {
        const td = row.insertCell();
        if (typeof c === "string") td.textContent = c;
        else td.append(c);
      }
      // The process's readings go on a line of their own under it: eight columns do not fit the panel.
      const detail = this.clusterBody.insertRow();
      detail.className = "jp-paralab-cluster-worker-detail";
      const td = detail.insertCell();
      td.colSpan = CLUSTER_COLUMNS.length;
      const age = w.heartbeatAgeMs / 1000;
      const heartbeat = el("span", "jp-paralab-heartbeat", `heartbeat ${age.toFixed(1)} s ago`);
      // A worker is dropped 5 s after its last heartbeat; one that late is probably gone.
      heartbeat.classList.toggle("jp-mod-stale", age >= 2.5);
      td.append(
        el("span", "jp-paralab-cpu", `CPU ${w.cpuPercent === null ? "–" : `${Math.round(w.cpuPercent)}%`}`),
        " · ",
        el("span", "jp-paralab-memory", `${w.memoryBytes === null ? "?" : formatBytes(w.memoryBytes)} memory`),
        " · ",
        heartbeat,
      );
      td.title =
        "CPU: the worker process's, between its last two heartbeats (% of one core); memory: its resident memory; " +
        "heartbeat: workers send one a second";
    }
  }

  private drawHistory(theme: ChartTheme): void {
    const samples = this.monitor.history;
    const latest = samples[samples.length - 1];
    if (!latest) return;
    const seconds = this.monitor.historySeconds;
    this.historyHeading.textContent = `Last ${seconds} s`;
    const config = coreHistoryConfig(samples, latest.cores.length, seconds, theme);
    const datasets = config.data.datasets;
    if (this.history && this.history.data.datasets.length === datasets.length) {
      this.history.data.datasets.forEach((d, i) => (d.data = datasets[i].data as typeof d.data));
      const xs = this.history.config.options?.scales?.x;
      if (xs) xs.min = -seconds;
      this.history.update("none");
      return;
    }
    this.history?.destroy();
    this.historyBox.textContent = "";
    const canvas = el("canvas", "jp-paralab-history-canvas");
    this.historyBox.append(canvas);
    const ChartClass = registerCharts();
    this.history = new ChartClass(canvas, config as ConstructorParameters<typeof ChartClass>[1]) as unknown as Chart;
  }
}
