/**
 * Mime renderer for paralab's chart records (docs/records.md): draws the chart.js configs
 * of `paralab/charts` unchanged, in the current JupyterLab theme, with tooltips,
 * x zoom and pan on time axes, and a "Save PNG" button.
 *
 * A notebook saved with these outputs reopens with its charts drawn, because the
 * record is stored in the notebook and the renderer is safe (it only reads JSON).
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import type { Chart } from "chart.js";
import {
  GRAPH_MIME,
  MONITOR_MIME,
  RUN_MIME,
  SCALING_MIME,
  chartConfigsFor,
  checkRecord,
  summarize,
  type AnyChartConfiguration,
  type ChartTheme,
  type ParalabRecord,
} from "paralab/charts";
import { downloadBlob, registerCharts, stackCanvasesToPng } from "./charts";
import { chartTheme, observeBodyTheme, themeChanged } from "./theme";

/** The MIME types this renderer draws. */
export const MIME_TYPES = [RUN_MIME, SCALING_MIME, MONITOR_MIME, GRAPH_MIME];
/** CSS class of the renderer's node. */
export const CLASS_NAME = "jp-paralab-chart";

const ZOOM_STEP = 1.25;
/** Narrowest zoom, as a fraction of the full x range. */
const MIN_SPAN_FRACTION = 1e-3;

interface Range {
  min: number;
  max: number;
}

/** File name of "Save PNG": paralab-run.png, paralab-scaling.png, paralab-monitor.png. */
function pngName(mime: string): string {
  const kind = /vnd\.paralab\.(\w+)\./.exec(mime)?.[1] ?? "chart";
  return `paralab-${kind}.png`;
}

function configType(config: unknown): string | undefined {
  return (config as { type?: string }).type;
}

function xScaleOptions(config: AnyChartConfiguration): Record<string, unknown> | undefined {
  const scales = (config.options as { scales?: Record<string, Record<string, unknown>> } | undefined)?.scales;
  return scales?.x;
}

/**
 * The renderer widget: a small toolbar and one canvas per chart config
 * (run: timeline, utilization, compare; scaling: one; monitor: one; graph: DAG, timeline, work–span).
 */
export class ParalabChart extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private readonly toolbar: HTMLDivElement;
  private readonly body: HTMLDivElement;
  /** The record's summary in words (the same sentence consoles show), under the charts. */
  private readonly caption: HTMLParagraphElement;
  private readonly zoomControls: HTMLElement[] = [];
  private charts: Chart[] = [];
  private boxes: HTMLDivElement[] = [];
  /** Indices into `charts` of the charts whose x axis is time and zoom together. */
  private zoomable: number[] = [];
  private fullRange: Range | null = null;
  private range: Range | null = null;
  private data: unknown = undefined;
  private theme: ChartTheme | null = null;
  private drag: { x: number; range: Range; chart: Chart } | null = null;

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(CLASS_NAME);
    this.toolbar = document.createElement("div");
    this.toolbar.className = "jp-paralab-chart-toolbar";
    this.body = document.createElement("div");
    this.body.className = "jp-paralab-chart-body";
    this.caption = document.createElement("p");
    this.caption.className = "jp-paralab-chart-summary";
    this.node.append(this.toolbar, this.body, this.caption);
    this.buildToolbar();
    this.body.addEventListener("wheel", this.onWheel, { passive: false });
    this.body.addEventListener("pointerdown", this.onPointerDown);
    this.body.addEventListener("dblclick", () => this.resetZoom());
    themeChanged.connect(this.onThemeChanged, this);
    observeBodyTheme();
  }

  /** Draws (or redraws, for update_display_data) the record in the model. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.data = model.data[this.mimeType];
    // chart.js draws a responsive chart once its canvas is in the page; a chart created while
    // this widget is detached and then resized by hand stays blank, so wait for the attach.
    if (this.isAttached) this.draw(chartTheme());
  }

  override dispose(): void {
    if (this.isDisposed) return;
    themeChanged.disconnect(this.onThemeChanged, this);
    this.destroyCharts();
    super.dispose();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    // The theme may have changed while this output was detached (e.g. in a closed tab).
    const theme = chartTheme();
    if (this.data !== undefined && (!this.theme || JSON.stringify(theme) !== JSON.stringify(this.theme))) {
      this.draw(theme);
    }
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    for (const chart of this.charts) if (chart.attached) chart.resize();
  }

  private onThemeChanged(_: object, theme: ChartTheme): void {
    if (this.data !== undefined && this.isAttached) this.draw(theme);
  }

  private buildToolbar(): void {
    const button = (label: string, title: string, onClick: () => void, cls: string): HTMLButtonElement => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `jp-paralab-chart-button ${cls}`;
      b.textContent = label;
      b.title = title;
      b.addEventListener("click", onClick);
      return b;
    };
    const zoomIn = button(
      "+",
      "Zoom in on the time axis (or Ctrl+wheel)",
      () => this.zoomBy(1 / ZOOM_STEP),
      "jp-paralab-zoom-in",
    );
    const zoomOut = button("−", "Zoom out", () => this.zoomBy(ZOOM_STEP), "jp-paralab-zoom-out");
    const reset = button(
      "Reset zoom",
      "Show the whole run (or double-click the chart)",
      () => this.resetZoom(),
      "jp-paralab-zoom-reset",
    );
    const hint = document.createElement("span");
    hint.className = "jp-paralab-chart-hint";
    hint.textContent = "Ctrl+wheel zooms, drag pans";
    const save = button(
      "Save PNG",
      "Download these charts as one PNG image",
      () => void this.savePng(),
      "jp-paralab-save-png",
    );
    this.zoomControls.push(zoomIn, zoomOut, reset, hint);
    this.toolbar.append(hint, zoomOut, zoomIn, reset, save);
  }

  private showError(message: string): void {
    this.destroyCharts();
    this.body.textContent = "";
    const pre = document.createElement("pre");
    pre.className = "jp-paralab-chart-error";
    pre.textContent = message;
    this.body.append(pre);
    this.toolbar.hidden = true;
    this.caption.hidden = true;
  }

  /** Builds the configs for `theme` and updates the charts in place, or recreates them. */
  private draw(theme: ChartTheme): void {
    const problem = checkRecord(this.mimeType, this.data);
    if (problem) {
      this.showError(`paralab: cannot draw this output: ${problem}`);
      return;
    }
    let configs: AnyChartConfiguration[];
    try {
      configs = chartConfigsFor(this.mimeType, this.data, theme);
    } catch (err) {
      this.showError(`paralab: cannot draw this output: ${(err as Error).message}`);
      return;
    }
    this.theme = theme;
    this.toolbar.hidden = false;
    this.caption.hidden = false;
    this.caption.textContent = summarize(this.data as ParalabRecord);
    // A live record (SPEC §5: a run still going, or one that did not finish) says so, for styles and tests.
    const live = (this.data as { live?: { state: string } }).live;
    this.node.dataset.live = live?.state ?? "final";
    this.node.dataset.renders = String(Number(this.node.dataset.renders ?? 0) + 1);
    // Points in the longest dataset (a monitor record: its samples), for tests and live updates.
    this.node.dataset.points = String(
      Math.max(0, ...configs.flatMap((c) => (c.data?.datasets ?? []).map((d) => (d.data as unknown[]).length))),
    );
    this.node.style.setProperty("--jp-paralab-chart-background", theme.background);
    this.zoomable = configs
      .map((c, i) => ({ c, i }))
      .filter(({ c, i }) => {
        if (this.mimeType === SCALING_MIME) return false;
        const x = xScaleOptions(c);
        const isTime = /time/i.test(String((x?.title as { text?: string } | undefined)?.text ?? ""));
        // The run timeline comes first; a task graph's timeline comes after its DAG.
        return isTime && (configType(c) === "line" || i === 0 || this.mimeType === GRAPH_MIME);
      })
      .map(({ i }) => i);
    for (const el of this.zoomControls) el.hidden = this.zoomable.length === 0;
    const first = this.zoomable.length ? xScaleOptions(configs[this.zoomable[0]]) : undefined;
    const newFull =
      typeof first?.min === "number" && typeof first?.max === "number" ? { min: first.min, max: first.max } : null;
    if (!newFull || !this.fullRange || newFull.min !== this.fullRange.min || newFull.max !== this.fullRange.max) {
      // A live monitor record grows its range: keep a zoom only while the full range stands.
      if (this.range && newFull && this.fullRange && this.range.max >= this.fullRange.max) this.range = null;
      this.fullRange = newFull;
    }
    const sameShape =
      this.charts.length === configs.length &&
      this.charts.every((chart, i) => configType(chart.config) === configType(configs[i]));
    if (sameShape) {
      this.charts.forEach((chart, i) => {
        chart.data = configs[i].data as Chart["data"];
        chart.options = configs[i].options as Chart["options"];
      });
      this.applyRange();
      return;
    }
    this.destroyCharts();
    this.body.textContent = "";
    const ChartClass = registerCharts();
    configs.forEach((config, i) => {
      const box = document.createElement("div");
      box.className = "jp-paralab-chart-box";
      box.dataset.index = String(i);
      const canvas = document.createElement("canvas");
      canvas.className = "jp-paralab-chart-canvas";
      box.append(canvas);
      this.body.append(box);
      this.boxes.push(box);
      this.charts.push(
        new ChartClass(canvas, config as ConstructorParameters<typeof ChartClass>[1]) as unknown as Chart,
      );
    });
    this.applyRange();
  }

  private destroyCharts(): void {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.boxes = [];
  }

  private applyRange(): void {
    for (const i of this.zoomable) {
      const chart = this.charts[i];
      // The raw options object (chart.options is the resolved proxy of the previous update).
      const raw = chart.config.options as { scales?: Record<string, { min?: number; max?: number }> } | undefined;
      const x = raw?.scales?.x;
      if (!x) continue;
      const r = this.range ?? this.fullRange;
      if (r) {
        x.min = r.min;
        x.max = r.max;
      }
      chart.update("none");
    }
    for (const [i, chart] of this.charts.entries()) if (!this.zoomable.includes(i)) chart.update("none");
    this.node.dataset.zoomed = this.range ? "true" : "false";
  }

  private setRange(range: Range | null): void {
    const full = this.fullRange;
    if (!full) return;
    if (range) {
      const fullSpan = full.max - full.min;
      let span = Math.min(fullSpan, Math.max(range.max - range.min, fullSpan * MIN_SPAN_FRACTION));
      if (span >= fullSpan * 0.999) {
        range = null;
      } else {
        let min = Math.max(full.min, range.min);
        if (min + span > full.max) min = full.max - span;
        span = Math.min(span, full.max - min);
        range = { min, max: min + span };
      }
    }
    this.range = range;
    this.applyRange();
  }

  private zoomBy(factor: number, center?: number): void {
    const current = this.range ?? this.fullRange;
    if (!current) return;
    const c = center ?? (current.min + current.max) / 2;
    this.setRange({ min: c - (c - current.min) * factor, max: c + (current.max - c) * factor });
  }

  private resetZoom(): void {
    this.setRange(null);
  }

  private chartAt(target: EventTarget | null): Chart | undefined {
    const box = (target as HTMLElement | null)?.closest?.(".jp-paralab-chart-box") as HTMLElement | null;
    const i = box ? Number(box.dataset.index) : -1;
    return this.zoomable.includes(i) ? this.charts[i] : undefined;
  }

  private readonly onWheel = (event: WheelEvent): void => {
    if (!(event.ctrlKey || event.metaKey)) return;
    const chart = this.chartAt(event.target);
    if (!chart) return;
    event.preventDefault();
    const scale = chart.scales.x;
    const rect = chart.canvas.getBoundingClientRect();
    const px = Math.min(scale.right, Math.max(scale.left, event.clientX - rect.left));
    this.zoomBy(event.deltaY > 0 ? ZOOM_STEP : 1 / ZOOM_STEP, scale.getValueForPixel(px));
  };

  private readonly onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0 || !this.range) return;
    const chart = this.chartAt(event.target);
    if (!chart) return;
    this.drag = { x: event.clientX, range: { ...this.range }, chart };
    this.node.classList.add("jp-mod-panning");
    window.addEventListener("pointermove", this.onPointerMove);
    window.addEventListener("pointerup", this.onPointerUp, { once: true });
  };

  private readonly onPointerMove = (event: PointerEvent): void => {
    const drag = this.drag;
    if (!drag) return;
    const scale = drag.chart.scales.x;
    const widthPx = Math.max(1, scale.right - scale.left);
    const delta = ((event.clientX - drag.x) / widthPx) * (drag.range.max - drag.range.min);
    this.setRange({ min: drag.range.min - delta, max: drag.range.max - delta });
  };

  private readonly onPointerUp = (): void => {
    this.drag = null;
    this.node.classList.remove("jp-mod-panning");
    window.removeEventListener("pointermove", this.onPointerMove);
  };

  private async savePng(): Promise<void> {
    const canvases = this.charts.map((c) => c.canvas);
    if (!canvases.length) return;
    const blob = await stackCanvasesToPng(canvases, this.theme?.background ?? "#ffffff");
    downloadBlob(blob, pngName(this.mimeType));
  }
}

/** Creates one renderer per output. */
export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: MIME_TYPES,
  defaultRank: 0,
  createRenderer: (options) => new ParalabChart(options),
};

/** The mime extension (package.json `jupyterlab.mimeExtension` points here). */
const extension: IRenderMime.IExtension = {
  id: "paralab-labextension:mime",
  description: "Draws paralab run, scaling, monitor and task graph charts with chart.js.",
  rendererFactory,
  rank: 0,
  dataType: "json",
};

export default extension;
