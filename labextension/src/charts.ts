/**
 * chart.js, registered once for this extension (chart.js is not shared with other
 * extensions: package.json `sharedPackages: {"chart.js": false}`), plus small helpers
 * used by the renderer and the panel.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
  type Plugin,
} from "chart.js";
import type { ChartTheme } from "paralab/charts";

/**
 * Mirrors the visible tooltip into `data-tooltip` on the canvas (title and body
 * lines joined by " | "), so that tests and screen readers can read what the
 * canvas shows; the canvas' aria-label is the chart title.
 */
const tooltipMirror: Plugin = {
  id: "paralabTooltipMirror",
  afterDraw(chart) {
    const tip = chart.tooltip;
    const visible = !!tip && tip.opacity > 0 && (tip.getActiveElements?.().length ?? 0) > 0;
    const text = visible ? [...(tip.title ?? []), ...tip.body.flatMap((b) => b.lines)].join(" | ") : "";
    if (chart.canvas.dataset.tooltip !== text) chart.canvas.dataset.tooltip = text;
    const title = chart.options.plugins?.title?.text;
    const label = Array.isArray(title) ? title.join(" ") : (title ?? "");
    if (label && chart.canvas.getAttribute("aria-label") !== label) {
      chart.canvas.setAttribute("aria-label", label);
      chart.canvas.setAttribute("role", "img");
    }
  },
};

let registered = false;

/** Registers the controllers, elements, scales and plugins paralab's configs use. */
export function registerCharts(): typeof Chart {
  if (!registered) {
    Chart.register(
      BarController,
      BarElement,
      LineController,
      LineElement,
      PointElement,
      ScatterController,
      LinearScale,
      CategoryScale,
      Filler,
      Legend,
      Title,
      Tooltip,
      tooltipMirror,
    );
    registered = true;
  }
  return Chart;
}

/** Applies a theme's font to chart.js defaults (configs set colours themselves). */
export function applyThemeDefaults(theme: ChartTheme): void {
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.color = theme.foreground;
}

/**
 * Stacks canvases vertically on the theme's background and returns a PNG blob
 * (what "Save PNG" downloads).
 */
export function stackCanvasesToPng(canvases: HTMLCanvasElement[], background: string): Promise<Blob> {
  const width = Math.max(1, ...canvases.map((c) => c.width));
  const height = Math.max(
    1,
    canvases.reduce((sum, c) => sum + c.height, 0),
  );
  const out = document.createElement("canvas");
  out.width = width;
  out.height = height;
  const ctx = out.getContext("2d");
  if (!ctx) return Promise.reject(new Error("paralab: no 2D canvas context for Save PNG"));
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, width, height);
  let y = 0;
  for (const c of canvases) {
    ctx.drawImage(c, 0, y);
    y += c.height;
  }
  return new Promise((resolve, reject) =>
    out.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("paralab: canvas.toBlob gave nothing"))),
      "image/png",
    ),
  );
}

/** Starts a browser download of `blob` as `filename`. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
