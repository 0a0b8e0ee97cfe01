/** Per-core utilization lines over time, shared by the run chart and the monitor. */
import type { TooltipItem } from "chart.js";
import type { CoreSample } from "../run/records";
import { AnyChartConfiguration, axis, baseOptions, ConfigOptions, XYPoint } from "./layout";
import { MACHINE_CPU_AXIS } from "./cpu-labels";
import { ChartTheme, colorAt, withAlpha } from "./theme";

export function utilizationDatasets(
  samples: readonly CoreSample[],
  coreCount: number,
  toX: (tMs: number) => number,
  theme: ChartTheme,
  /** How a series is named: "core 0" or, for per-worker lines, "w0". */
  prefix = "core ",
  plural = "cores",
): Record<string, unknown>[] {
  const cores = Math.max(coreCount, ...samples.map((s) => s.cores.length), 0);
  const thin = cores > 16;
  const datasets: Record<string, unknown>[] = [];
  for (let c = 0; c < cores; c++) {
    const color = colorAt(theme, c);
    datasets.push({
      type: "line",
      label: `${prefix}${c}`,
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
      label: `mean of ${cores} ${plural}`,
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

export function utilizationTooltip(options: ConfigOptions, xUnit: string): Record<string, unknown> {
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

/** Per-core CPU % lines over time: the run's utilization chart and the monitor share this shape. */
export function utilizationLines(
  datasets: unknown[],
  base: ReturnType<typeof baseOptions>,
  theme: ChartTheme,
  options: ConfigOptions,
  x: { title: string; min?: number; max: number | undefined; unit: "ms" | "s" },
  /** What the lines are, e.g. "machine CPU %" (charts/cpu-labels.ts). */
  yTitle = MACHINE_CPU_AXIS,
): AnyChartConfiguration {
  return {
    type: "line",
    data: { datasets },
    options: {
      ...base,
      scales: {
        x: axis(theme, { title: x.title, min: x.min ?? 0, max: x.max }),
        y: axis(theme, { title: yTitle, min: 0, max: 100, stepSize: 25, fixedWidth: true }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: utilizationTooltip(options, x.unit),
      },
    },
  } as unknown as AnyChartConfiguration;
}
