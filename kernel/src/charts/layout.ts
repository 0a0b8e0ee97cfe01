/**
 * What every chart builder shares: options, axes, the base chart.js options and the point types.
 * Pure: no node: or DOM imports, only `import type` from chart.js.
 */
import type { ChartConfiguration, ChartType, Scale } from "chart.js";
import type { TaskStatus } from "../run/records";
import type { ChartTheme } from "./theme";

export interface ConfigOptions {
  /**
   * A static picture (PNG, printed reports): no animation, no hover, not responsive.
   * Interactive renderers leave it false.
   */
  static?: boolean;
  /** Width the aspect ratio is computed for (default 800 px); lanes keep their height. */
  referenceWidthPx?: number;
}

/**
 * A config for any chart type. Builders return this so that lists of configs of
 * different types (bar, line, scatter) fit in one array.
 */
export type AnyChartConfiguration = ChartConfiguration<ChartType, unknown[], unknown>;

/** One floating bar of the timeline; extra fields are read back in the tooltip. */
export interface TimelinePoint {
  /** [start, end] in ms since the run started. */
  x: [number, number];
  /** Lane label, "w0".."wN". */
  y: string;
  rank: number;
  index: number;
  durationMs: number;
  cpuMs: number;
  status: TaskStatus;
  /**
   * A strip of `tasks` adjacent tasks too thin to draw apart (charts/timeline-strips.ts): `index` is
   * the first one's, `lastIndex` the last element's; `durationMs` is the strip's span (x[1] may be
   * widened to a visible width; `endMs` is where its last task ended), `busyMs` the tasks' sum.
   */
  tasks?: number;
  lastIndex?: number;
  busyMs?: number;
  endMs?: number;
}

export interface XYPoint {
  x: number;
  y: number;
}

export const Y_AXIS_WIDTH_PX = 64;

export function fixedWidthYAxis(scale: Scale): void {
  scale.width = Y_AXIS_WIDTH_PX;
}

export interface AxisSpec {
  title: string;
  type?: "linear" | "category";
  min?: number;
  max?: number;
  stepSize?: number;
  /** Keep the y axis a fixed width so that stacked charts share the x positions. */
  fixedWidth?: boolean;
  /** Ticks callback for the value (e.g. adds a unit). */
  labels?: string[];
}

export function axis(theme: ChartTheme, spec: AxisSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: spec.type ?? "linear",
    title: { display: true, text: spec.title, color: theme.foreground, font: { size: 12, weight: "bold" } },
    ticks: {
      color: theme.foreground,
      font: { size: 11 },
      ...(spec.stepSize ? { stepSize: spec.stepSize } : {}),
      ...(spec.type === "category" ? { autoSkip: false } : {}),
    },
    grid: { color: theme.grid },
    border: { color: theme.grid },
  };
  if (spec.min !== undefined) out.min = spec.min;
  if (spec.max !== undefined) out.max = spec.max;
  if (spec.labels) out.labels = spec.labels;
  if (spec.fixedWidth) out.afterFit = fixedWidthYAxis;
  return out;
}

export function baseOptions(
  theme: ChartTheme,
  options: ConfigOptions,
  title: string,
  heightPx: number,
  legend: boolean,
): Record<string, unknown> {
  const width = options.referenceWidthPx ?? 800;
  const isStatic = options.static === true;
  return {
    color: theme.foreground,
    borderColor: theme.grid,
    font: { family: theme.fontFamily, size: 12 },
    animation: isStatic ? false : { duration: 250 },
    responsive: !isStatic,
    maintainAspectRatio: true,
    aspectRatio: width / heightPx,
    events: isStatic ? [] : ["mousemove", "mouseout", "click", "touchstart", "touchmove"],
    layout: { padding: { left: 8, right: 16, top: 4, bottom: 4 } },
    plugins: {
      title: { display: true, text: title, color: theme.foreground, font: { size: 14, weight: "bold" } },
      legend: {
        display: legend,
        position: "top",
        align: "end",
        labels: { color: theme.foreground, usePointStyle: true, boxWidth: 24, boxHeight: 7, font: { size: 11 } },
      },
      tooltip: { enabled: !isStatic },
    },
  };
}

/**
 * Rounds an axis maximum up to a round number: the smallest multiple of a
 * 1/2/2.5/5 x 10^k step that leaves at most 10 ticks (210.6 → 225, 1234 → 1250).
 */
export function niceMax(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const minStep = value / 10;
  const p = 10 ** Math.floor(Math.log10(minStep));
  let best = Infinity;
  for (const scale of [1, 10]) {
    for (const m of [1, 2, 2.5, 5]) {
      const step = m * p * scale;
      if (step < minStep * (1 - 1e-12)) continue;
      const top = Math.ceil(value / step - 1e-9) * step;
      best = Math.min(best, Number(top.toPrecision(12)));
    }
  }
  return best;
}
