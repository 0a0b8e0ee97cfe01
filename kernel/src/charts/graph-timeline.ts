/**
 * What each worker did during a graph run: one lane per worker, one bar per task (coloured by
 * status), tasks on the critical path outlined, and the time each task waited for inputs from
 * other workers drawn before it.
 */
import type { TooltipItem } from "chart.js";
import { formatDuration } from "../format";
import type { GraphNodeRecord, GraphRecord } from "../run/records";
import { AnyChartConfiguration, axis, baseOptions, ConfigOptions, niceMax } from "./layout";
import { laneLabel } from "./run";
import { ChartTheme, LIGHT_THEME, withAlpha } from "./theme";

interface Bar {
  x: [number, number];
  y: string;
  node: GraphNodeRecord;
}

export function graphTimelineConfig(
  record: GraphRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const t0 = record.startMs ?? 0;
  const ran = record.nodes.filter(
    (n) => n.startMs !== undefined && n.endMs !== undefined && n.rank !== undefined && n.rank >= 0,
  );
  // A cluster's lanes are the runtimes that took tasks, named; the pool's are its workers, w0 to wP-1.
  const workers = Math.max(1, record.lanes ? record.lanes.length : record.workers, ...ran.map((n) => n.rank! + 1));
  const lanes = Array.from({ length: workers }, (_, i) => laneLabel(i, record.lanes));
  const bar = (n: GraphNodeRecord, from: number, to: number): Bar => ({
    x: [from - t0, Math.max(from, to) - t0],
    y: laneLabel(n.rank!, record.lanes),
    node: n,
  });
  const groups: { label: string; color: string; border?: string; bars: Bar[] }[] = [
    { label: "waiting for inputs from other workers", color: withAlpha(theme.series.serial, 0.35), bars: [] },
    { label: "task", color: theme.status.ok, bars: [] },
    { label: "task on the critical path", color: theme.status.ok, border: theme.series.fit, bars: [] },
    { label: "failed", color: theme.status.error, bars: [] },
    { label: "cancelled", color: theme.status.cancelled, bars: [] },
  ];
  for (const n of ran) {
    if (n.waitMs && n.waitMs > 0) groups[0].bars.push(bar(n, n.startMs! - n.waitMs, n.startMs!));
    const g = n.status === "error" ? 3 : n.status === "cancelled" ? 4 : n.critical ? 2 : 1;
    groups[g].bars.push(bar(n, n.startMs!, n.endMs!));
  }
  const datasets = groups
    .filter((g, i) => i === 1 || g.bars.length > 0)
    .map((g) => ({
      type: "bar",
      label: `${g.label} (${g.bars.length})`,
      data: g.bars,
      backgroundColor: g.color,
      borderColor: g.border ?? theme.background,
      borderWidth: g.border ? 2.5 : 1,
      borderSkipped: false,
      grouped: false,
      pointStyle: "rect",
      minBarLength: 2,
      barPercentage: 0.9,
      categoryPercentage: 0.85,
    }));
  const end = Math.max(record.wallMs ?? 0, ...ran.map((n) => n.endMs! - t0));
  const title = `What each worker did: ${ran.length} task${ran.length === 1 ? "" : "s"} on ${record.workers} ${record.workerKind} worker${record.workers === 1 ? "" : "s"}, ${formatDuration(record.wallMs ?? 0)} wall`;
  const heightPx = 110 + Math.max(2, workers) * (workers > 12 ? 22 : 32);
  const base = baseOptions(theme, options, title, heightPx, true);
  return {
    type: "bar",
    data: { labels: lanes, datasets },
    options: {
      ...base,
      indexAxis: "y",
      scales: {
        x: axis(theme, { title: "time since the graph started (ms)", min: 0, max: niceMax(end) }),
        y: axis(theme, { title: "worker", type: "category", labels: lanes, fixedWidth: !record.lanes }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          callbacks: {
            title: (items: TooltipItem<"bar">[]) => {
              const b = items[0]?.raw as Bar | undefined;
              return b ? `${b.node.id} on ${b.y}` : "";
            },
            label: (item: TooltipItem<"bar">) => {
              const b = item.raw as Bar;
              return `${item.dataset.label?.replace(/ \(\d+\)$/, "")}: ${formatDuration(b.x[1] - b.x[0])} (${formatDuration(b.x[0])} → ${formatDuration(b.x[1])})`;
            },
          },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
}
