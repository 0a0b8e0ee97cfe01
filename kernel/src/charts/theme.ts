import type { TaskStatus } from "../run/records";

/** Colours and fonts of paralab's charts: light (printed, PNG) and dark (JupyterLab's dark theme). */

/** Colours and font for one look (light or dark). */
export interface ChartTheme {
  name: string;
  /** Text, axis titles, tick labels. */
  foreground: string;
  /** Painted behind the chart in PNGs; renderers may leave the page background instead. */
  background: string;
  /** Grid lines. */
  grid: string;
  /** Canvas font family (a CSS font-family list). */
  fontFamily: string;
  /** Task bars by status. */
  status: Record<TaskStatus, string>;
  /** Per-worker / per-core palette, used cyclically. */
  palette: string[];
  /** Named series of the compare and scaling charts, and the mean-utilization line. */
  series: {
    serial: string;
    parallel: string;
    measured: string;
    ideal: string;
    fit: string;
    cores: string;
    mean: string;
  };
}

export const LIGHT_THEME: ChartTheme = {
  name: "light",
  foreground: "#1f2328",
  background: "#ffffff",
  grid: "rgba(0, 0, 0, 0.10)",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif",
  status: { ok: "#4c78a8", error: "#d62728", cancelled: "#a0a0a0" },
  palette: [
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#b279a2",
    "#e45756",
    "#72b7b2",
    "#eeca3b",
    "#9d755d",
    "#ff9da6",
    "#6f6f6f",
  ],
  series: {
    serial: "#f58518",
    parallel: "#4c78a8",
    measured: "#4c78a8",
    ideal: "#8a8a8a",
    fit: "#d62728",
    cores: "#54a24b",
    mean: "#1f2328",
  },
};

export const DARK_THEME: ChartTheme = {
  name: "dark",
  foreground: "#e6e6e6",
  background: "#1e1e1e",
  grid: "rgba(255, 255, 255, 0.14)",
  fontFamily: LIGHT_THEME.fontFamily,
  status: { ok: "#6fa8dc", error: "#ff6b6b", cancelled: "#7d7d7d" },
  palette: [
    "#6fa8dc",
    "#ffa94d",
    "#77c66e",
    "#d4a0c8",
    "#ff7b7b",
    "#8fd3cd",
    "#ffe066",
    "#c9a27e",
    "#ffb3ba",
    "#b0b0b0",
  ],
  series: {
    serial: "#ffa94d",
    parallel: "#6fa8dc",
    measured: "#6fa8dc",
    ideal: "#9a9a9a",
    fit: "#ff6b6b",
    cores: "#77c66e",
    mean: "#f0f0f0",
  },
};

export function colorAt(theme: ChartTheme, i: number): string {
  return theme.palette[i % theme.palette.length];
}

/** Adds an alpha channel to "#rrggbb" (other colour syntaxes are returned unchanged). */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255)
    .toString(16)
    .padStart(2, "0");
  return `#${m[1]}${a}`;
}
