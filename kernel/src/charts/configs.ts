/**
 * chart.js configurations for paralab's records (SPEC §5), built by pure functions.
 *
 * This module is shared: the kernel draws these configs to PNG (charts/png.ts) and
 * the JupyterLab extension imports it unchanged through the subpath `paralab/charts`
 * and draws them interactively. So: no node: imports, no DOM, and only
 * `import type` from chart.js (the caller registers chart.js components).
 *
 * Usage in a renderer:
 *   for (const config of chartConfigsFor(mime, data, DARK_THEME)) new Chart(canvas, config);
 */
import type { ChartConfiguration, ChartType, Scale, TooltipItem } from "chart.js";
import {
  MONITOR_MIME,
  RUN_MIME,
  SCALING_MIME,
  checkRecord,
  type CoreSample,
  type MonitorRecord,
  type RunRecord,
  type ScalingRecord,
  type TaskStatus,
} from "./records";
import { amdahlSpeedup } from "./amdahl";

export * from "./records";
export { amdahlCurve, amdahlSpeedup, buildScalingRecord, fitSerialFraction, type ScalingRun } from "./amdahl";

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
}

export interface XYPoint {
  x: number;
  y: number;
}

const Y_AXIS_WIDTH_PX = 64;
const STATUS_LABEL: Record<TaskStatus, string> = { ok: "ok", error: "error", cancelled: "cancelled" };

/** "12 ms", "1.23 s", "0.4 ms". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "? ms";
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (Math.abs(ms) >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

function laneLabel(rank: number): string {
  return `w${rank}`;
}

function colorAt(theme: ChartTheme, i: number): string {
  return theme.palette[i % theme.palette.length];
}

/** Adds an alpha channel to "#rrggbb" (other colour syntaxes are returned unchanged). */
function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255)
    .toString(16)
    .padStart(2, "0");
  return `#${m[1]}${a}`;
}

function fixedWidthYAxis(scale: Scale): void {
  scale.width = Y_AXIS_WIDTH_PX;
}

interface AxisSpec {
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

function axis(theme: ChartTheme, spec: AxisSpec): Record<string, unknown> {
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

function baseOptions(
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

function lastTaskEndMs(record: RunRecord): number {
  let end = record.wallMs;
  for (const t of record.tasks) end = Math.max(end, t.endMs - record.startMs);
  return end;
}

/** Run timeline: one lane per worker, one floating bar per task, coloured by status. */
export function runTimelineConfig(
  record: RunRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const workers = Math.max(1, record.workers, ...record.tasks.map((t) => t.rank + 1));
  const lanes = Array.from({ length: workers }, (_, i) => laneLabel(i));
  const byStatus: Record<TaskStatus, TimelinePoint[]> = { ok: [], error: [], cancelled: [] };
  for (const t of record.tasks) {
    const start = t.startMs - record.startMs;
    const end = Math.max(start, t.endMs - record.startMs);
    byStatus[t.status]?.push({
      x: [start, end],
      y: laneLabel(t.rank),
      rank: t.rank,
      index: t.index,
      durationMs: t.endMs - t.startMs,
      cpuMs: t.cpuMs,
      status: t.status,
    });
  }
  const statuses = (Object.keys(byStatus) as TaskStatus[]).filter((s) => s === "ok" || byStatus[s].length > 0);
  const what = record.mode === "map" ? "item" : "rank";
  const datasets = statuses.map((s) => ({
    type: "bar",
    label: `${STATUS_LABEL[s]} (${byStatus[s].length})`,
    data: byStatus[s],
    backgroundColor: theme.status[s],
    borderColor: theme.background,
    borderWidth: 1,
    borderSkipped: false,
    grouped: false,
    pointStyle: "rect",
    minBarLength: 2,
    barPercentage: 0.9,
    categoryPercentage: 0.85,
  }));
  const title =
    record.title ??
    `Run timeline: ${record.tasks.length} task${record.tasks.length === 1 ? "" : "s"} on ` +
      `${record.workers} ${record.workerKind} worker${record.workers === 1 ? "" : "s"}, ${formatMs(record.wallMs)} wall`;
  const heightPx = 110 + Math.max(2, workers) * (workers > 12 ? 22 : 32);
  const base = baseOptions(theme, options, title, heightPx, true);
  return {
    type: "bar",
    data: { labels: lanes, datasets },
    options: {
      ...base,
      indexAxis: "y",
      scales: {
        x: axis(theme, { title: "time since run start (ms)", min: 0, max: niceMax(lastTaskEndMs(record)) }),
        y: axis(theme, { title: "worker", type: "category", labels: lanes, fixedWidth: true }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          callbacks: {
            title: (items: TooltipItem<"bar">[]) => {
              const p = items[0]?.raw as TimelinePoint | undefined;
              return p ? `worker ${laneLabel(p.rank)}` : "";
            },
            label: (item: TooltipItem<"bar">) => {
              const p = item.raw as TimelinePoint;
              return (
                `${what} ${p.index}: ${formatMs(p.durationMs)} (${formatMs(p.x[0])} → ${formatMs(p.x[1])}), ` +
                `CPU ${formatMs(p.cpuMs)}, ${p.status}`
              );
            },
          },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
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

function utilizationDatasets(
  samples: readonly CoreSample[],
  coreCount: number,
  toX: (tMs: number) => number,
  theme: ChartTheme,
): Record<string, unknown>[] {
  const cores = Math.max(coreCount, ...samples.map((s) => s.cores.length), 0);
  const thin = cores > 16;
  const datasets: Record<string, unknown>[] = [];
  for (let c = 0; c < cores; c++) {
    const color = colorAt(theme, c);
    datasets.push({
      type: "line",
      label: `core ${c}`,
      data: samples.map((s): XYPoint => ({ x: toX(s.tMs), y: s.cores[c] ?? 0 })),
      borderColor: thin ? withAlpha(color, 0.5) : color,
      backgroundColor: color,
      borderWidth: thin ? 1 : 1.5,
      pointRadius: 0,
      pointHitRadius: 4,
      stepped: "before",
      fill: false,
      pointStyle: "line",
    });
  }
  if (cores > 1) {
    datasets.push({
      type: "line",
      label: `mean of ${cores} cores`,
      data: samples.map((s): XYPoint => {
        const sum = s.cores.reduce((a, b) => a + b, 0);
        return { x: toX(s.tMs), y: s.cores.length ? sum / s.cores.length : 0 };
      }),
      borderColor: theme.series.mean,
      backgroundColor: theme.series.mean,
      borderWidth: 2.5,
      borderDash: [6, 4],
      pointRadius: 0,
      pointHitRadius: 4,
      stepped: "before",
      fill: false,
      pointStyle: "line",
    });
  }
  return datasets;
}

function utilizationTooltip(options: ConfigOptions, xUnit: string): Record<string, unknown> {
  return {
    enabled: options.static !== true,
    mode: "index",
    intersect: false,
    callbacks: {
      title: (items: TooltipItem<"line">[]) => {
        const x = items[0]?.parsed.x;
        return x === undefined || x === null ? "" : `${xUnit === "s" ? x.toFixed(1) : Math.round(x)} ${xUnit}`;
      },
      label: (item: TooltipItem<"line">) => `${item.dataset.label}: ${Math.round(item.parsed.y ?? 0)}%`,
    },
  };
}

/** Per-core utilization during a run, on the same time axis as the timeline. */
export function runUtilizationConfig(
  record: RunRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const datasets = utilizationDatasets(record.samples, record.cores, (t) => t - record.startMs, theme);
  const base = baseOptions(
    theme,
    options,
    `CPU utilization per core during the run (${record.cores} cores)`,
    240,
    true,
  );
  return utilizationLines(datasets, base, theme, options, {
    title: "time since run start (ms)",
    max: niceMax(lastTaskEndMs(record)),
    unit: "ms",
  });
}

/** Per-core CPU % lines over time: the run's utilization chart and the monitor share this shape. */
function utilizationLines(
  datasets: unknown[],
  base: ReturnType<typeof baseOptions>,
  theme: ChartTheme,
  options: ConfigOptions,
  x: { title: string; max: number | undefined; unit: "ms" | "s" },
): AnyChartConfiguration {
  return {
    type: "line",
    data: { datasets },
    options: {
      ...base,
      scales: {
        x: axis(theme, { title: x.title, min: 0, max: x.max }),
        y: axis(theme, { title: "CPU %", min: 0, max: 100, stepSize: 25, fixedWidth: true }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: utilizationTooltip(options, x.unit),
      },
    },
  } as unknown as AnyChartConfiguration;
}

/** `--compare`: serial vs parallel wall time, speedup in the title. */
export function compareConfig(
  record: RunRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const cmp = record.compare ?? {
    serialMs: record.serialCpuMs ?? record.cpuMs,
    parallelMs: record.wallMs,
    speedup: (record.serialCpuMs ?? record.cpuMs) / Math.max(record.wallMs, 1e-9),
  };
  const labels = ["serial", `parallel (${record.workers} worker${record.workers === 1 ? "" : "s"})`];
  const datasets = [
    {
      type: "bar",
      label: `serial in the kernel: ${formatMs(cmp.serialMs)}`,
      data: [cmp.serialMs, null],
      backgroundColor: theme.series.serial,
      grouped: false,
      pointStyle: "rect",
      barPercentage: 0.8,
      categoryPercentage: 0.9,
    },
    {
      type: "bar",
      label: `parallel on ${record.workers} ${record.workerKind} worker${record.workers === 1 ? "" : "s"}: ${formatMs(cmp.parallelMs)}`,
      data: [null, cmp.parallelMs],
      backgroundColor: theme.series.parallel,
      grouped: false,
      pointStyle: "rect",
      barPercentage: 0.8,
      categoryPercentage: 0.9,
    },
  ];
  const title = `Serial vs parallel: ${cmp.speedup.toFixed(2)}x speedup`;
  const base = baseOptions(theme, options, title, 200, true);
  return {
    type: "bar",
    data: { labels, datasets },
    options: {
      ...base,
      indexAxis: "y",
      scales: {
        x: axis(theme, { title: "wall time (ms)", min: 0 }),
        y: axis(theme, { title: "run", type: "category", fixedWidth: false }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          callbacks: {
            label: (item: TooltipItem<"bar">) => `${formatMs(Number(item.parsed.x))}`,
          },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
}

/** `--scaling`: measured speedup vs workers, the ideal line, the Amdahl fit. */
export function scalingConfig(
  record: ScalingRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const points = [...record.points].sort((a, b) => a.workers - b.workers);
  const maxWorkers = Math.max(1, ...points.map((p) => p.workers), ...record.amdahl.map((p) => p.workers));
  const s = record.serialFraction;
  const pct = `${(s * 100).toFixed(s < 0.1 ? 1 : 0)}%`;
  const limit = s > 0 ? `, limit ${(1 / s).toFixed(1)}x` : "";
  const maxSpeedup = Math.max(maxWorkers, ...points.map((p) => p.speedup));
  const datasets: Record<string, unknown>[] = [
    {
      type: "scatter",
      label: "measured",
      data: points.map((p): XYPoint => ({ x: p.workers, y: p.speedup })),
      showLine: true,
      borderColor: theme.series.measured,
      backgroundColor: theme.series.measured,
      borderWidth: 2,
      pointRadius: 5,
      pointHoverRadius: 7,
      pointStyle: "circle",
      clip: 8,
      order: 0,
    },
    {
      type: "scatter",
      label: "ideal (speedup = workers)",
      data: [
        { x: 1, y: 1 },
        { x: maxWorkers, y: maxWorkers },
      ],
      showLine: true,
      borderColor: theme.series.ideal,
      backgroundColor: theme.series.ideal,
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      pointStyle: "line",
      order: 2,
    },
    {
      type: "scatter",
      label: `Amdahl fit (serial fraction s = ${s.toFixed(3)})`,
      data: (record.amdahl.length
        ? record.amdahl
        : points.map((p) => ({ workers: p.workers, speedup: amdahlSpeedup(s, p.workers) }))
      ).map((p): XYPoint => ({ x: p.workers, y: p.speedup })),
      showLine: true,
      borderColor: theme.series.fit,
      backgroundColor: theme.series.fit,
      borderWidth: 2,
      pointRadius: 0,
      pointStyle: "line",
      order: 1,
    },
  ];
  if (record.cores > 0 && record.cores < maxWorkers) {
    datasets.push({
      type: "scatter",
      label: `${record.cores} cores on this machine`,
      data: [
        { x: record.cores, y: 0 },
        { x: record.cores, y: maxSpeedup },
      ],
      showLine: true,
      borderColor: theme.series.cores,
      backgroundColor: theme.series.cores,
      borderDash: [2, 3],
      borderWidth: 1.5,
      pointRadius: 0,
      pointStyle: "line",
      order: 3,
    });
  }
  const title = record.title ?? `Scaling: Amdahl serial fraction ≈ ${pct}${limit}`;
  const base = baseOptions(theme, options, title, 380, true);
  return {
    type: "scatter",
    data: { datasets },
    options: {
      ...base,
      scales: {
        x: axis(theme, { title: "workers", min: 0, max: maxWorkers, stepSize: maxWorkers <= 16 ? 1 : undefined }),
        y: axis(theme, { title: "speedup (×, vs 1 worker)", min: 0, fixedWidth: true }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          callbacks: {
            label: (item: TooltipItem<"scatter">) =>
              `${item.dataset.label}: ${item.parsed.x} workers → ${Number(item.parsed.y).toFixed(2)}x`,
          },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
}

/** `%monitor`: per-core utilization over time (seconds since monitoring began). */
export function monitorConfig(
  record: MonitorRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const start = record.startMs ?? record.samples[0]?.tMs ?? 0;
  const datasets = utilizationDatasets(record.samples, record.cores, (t) => (t - start) / 1000, theme);
  const durationS = record.durationMs > 0 && Number.isFinite(record.durationMs) ? record.durationMs / 1000 : undefined;
  const title = record.title ?? `CPU utilization per core (${record.cores} cores)${record.done ? "" : " — live"}`;
  const base = baseOptions(theme, options, title, 260, true);
  return utilizationLines(datasets, base, theme, options, {
    title: "time since monitor start (s)",
    max: durationS,
    unit: "s",
  });
}

/**
 * The charts for one record, top to bottom: run → timeline, utilization (when
 * there are samples), compare (with --compare); scaling → one; monitor → one.
 * Throws on an unknown MIME type or a record that does not match it.
 */
export function chartConfigsFor(
  mime: string,
  data: unknown,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration[] {
  const problem = checkRecord(mime, data);
  if (problem) throw new TypeError(`paralab charts: ${problem}`);
  switch (mime) {
    case RUN_MIME: {
      const record = data as RunRecord;
      const configs = [runTimelineConfig(record, theme, options)];
      if (record.samples.length > 0) configs.push(runUtilizationConfig(record, theme, options));
      if (record.compare) configs.push(compareConfig(record, theme, options));
      return configs;
    }
    case SCALING_MIME:
      return [scalingConfig(data as ScalingRecord, theme, options)];
    case MONITOR_MIME:
      return [monitorConfig(data as MonitorRecord, theme, options)];
    default:
      throw new TypeError(`paralab charts: unknown MIME type ${mime}`);
  }
}
