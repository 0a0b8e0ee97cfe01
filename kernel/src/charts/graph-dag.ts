/**
 * The task graph drawn as a DAG (README, Magics: task graphs): columns by depth, each node coloured by the worker
 * that ran it and shaped by its status, edges grey when the input stayed on its worker and
 * dashed when it was copied worker to worker, the critical path highlighted. A graph too big to
 * read as a drawing is shown as its width per depth instead: how many tasks each level offers.
 */
import type { Chart, Plugin, TooltipItem } from "chart.js";
import { formatBytes, formatDuration } from "../format";
import type { GraphNodeRecord, GraphNodeStatus, GraphRecord } from "../run/records";
import { layoutGraph, type NodePosition } from "./graph-layout";
import { AnyChartConfiguration, axis, baseOptions, ConfigOptions } from "./layout";
import { laneLabel } from "./run";
import { ChartTheme, colorAt, LIGHT_THEME, withAlpha } from "./theme";

/** Above this many nodes the DAG is drawn as its width per depth. */
export const MAX_DRAWN_NODES = 300;
/** Above this many nodes, node labels are left to the tooltips. */
const MAX_LABELLED_NODES = 40;

interface NodePoint {
  x: number;
  y: number;
  node: GraphNodeRecord;
}

const STATUS_WORDS: Record<GraphNodeStatus, string> = {
  ok: "ran",
  error: "failed",
  skipped: "skipped (an input failed)",
  cancelled: "cancelled",
  kept: "kept from an earlier compute",
  pending: "not run yet",
};

export function graphDagConfig(
  record: GraphRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  if (record.nodes.length > MAX_DRAWN_NODES || record.nodesOmitted) return graphWidthConfig(record, theme, options);
  const pos = layoutGraph(record.nodes);
  const byId = new Map(record.nodes.map((n) => [n.id, n]));
  const datasets: Record<string, unknown>[] = [];
  // Edges first (drawn under the nodes): one dataset per kind, segments separated by gaps.
  const segment = (from: NodePosition, to: NodePosition) => [from, to, { x: NaN, y: NaN }];
  const local: NodePosition[] = [];
  const moved: NodePosition[] = [];
  const fromKernel: NodePosition[] = [];
  let movedBytes = 0;
  let kernelBytes = 0;
  for (const e of record.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    if (e.path === "port" || e.path === "relay" || e.path === "redis") {
      moved.push(...segment(a, b));
      movedBytes += e.bytes;
    } else if (e.path === "kernel") {
      fromKernel.push(...segment(a, b));
      kernelBytes += e.bytes;
    } else local.push(...segment(a, b));
  }
  const edgeSet = (label: string, data: NodePosition[], color: string, dash?: number[]) => ({
    type: "scatter",
    label,
    data,
    showLine: true,
    spanGaps: false,
    borderColor: color,
    backgroundColor: color,
    borderWidth: 1.25,
    borderDash: dash,
    pointRadius: 0,
    pointHitRadius: 0,
    pointStyle: "line",
    order: 3,
  });
  if (local.length) {
    const label = record.ran ? "input on the same worker (not copied)" : "input";
    datasets.push(edgeSet(label, local, withAlpha(theme.foreground, 0.35)));
  }
  if (moved.length) {
    datasets.push(
      edgeSet(`input copied to another worker (${formatBytes(movedBytes)})`, moved, theme.series.serial, [5, 4]),
    );
  }
  if (fromKernel.length) {
    datasets.push(
      edgeSet(`input sent from the kernel (${formatBytes(kernelBytes)})`, fromKernel, theme.series.ideal, [1, 3]),
    );
  }
  const critical = record.workSpan.criticalPath.map((id) => pos.get(id)).filter((p): p is NodePosition => !!p);
  if (critical.length > 1 || (critical.length === 1 && record.nodes.length > 1)) {
    datasets.push({
      ...edgeSet(
        `critical path (T∞), ${critical.length} task${critical.length === 1 ? "" : "s"}`,
        critical,
        withAlpha(theme.series.fit, 0.55),
      ),
      borderWidth: 7,
      pointRadius: 11,
      pointBackgroundColor: "transparent",
      pointBorderColor: withAlpha(theme.series.fit, 0.55),
      pointBorderWidth: 3,
      pointStyle: "circle",
      order: 2,
    });
  }
  // Nodes: one dataset per worker for those that ran or were kept, one per other status.
  const groups = new Map<
    string,
    { label: string; color: string; style: string; hollow: boolean; points: NodePoint[] }
  >();
  const group = (key: string, label: string, color: string, style: string, hollow = false) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { label, color, style, hollow, points: [] }));
    return g;
  };
  for (const n of record.nodes) {
    const p = pos.get(n.id)!;
    let g;
    if ((n.status === "ok" || n.status === "kept") && n.rank !== undefined) {
      g = group(`w${n.rank}`, `ran on ${laneLabel(n.rank, record.lanes)}`, colorAt(theme, n.rank), "circle");
      if (n.status === "kept")
        g = group(`kept${n.rank}`, `kept on w${n.rank} (from before)`, colorAt(theme, n.rank), "rect");
    } else if (n.status === "error") g = group("error", "failed", theme.status.error, "crossRot");
    else if (n.status === "skipped")
      g = group("skipped", "skipped (an input failed)", theme.status.cancelled, "triangle", true);
    else if (n.status === "cancelled") g = group("cancelled", "cancelled", theme.status.cancelled, "rectRot", true);
    else if (n.status === "kept") g = group("kept", "value already in the kernel", theme.series.ideal, "rect");
    else g = group("pending", "task (not run yet)", theme.series.parallel, "circle", true);
    g.points.push({ x: p.x, y: p.y, node: n });
  }
  const sortedGroups = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
  for (const [, g] of sortedGroups) {
    datasets.push({
      type: "scatter",
      label: `${g.label} (${g.points.length})`,
      data: g.points,
      backgroundColor: g.hollow ? theme.background : g.color,
      borderColor: g.color,
      borderWidth: g.style === "crossRot" ? 3 : 2,
      pointStyle: g.style,
      pointRadius: g.style === "crossRot" ? 9 : 7,
      pointHoverRadius: 9,
      order: 1,
    });
  }
  const depth = Math.max(0, ...record.nodes.map((n) => n.depth));
  const rows = Math.max(1, ...countBy(record.nodes.map((n) => n.depth)).values());
  const title =
    `Task graph: ${record.nodes.length} task${record.nodes.length === 1 ? "" : "s"}, ${depth + 1} level${depth === 0 ? "" : "s"}` +
    (record.ran ? `, coloured by the worker that ran each` : ", not run yet");
  const heightPx = Math.min(560, 150 + rows * 34);
  const base = baseOptions(theme, options, title, heightPx, true);
  const labelled = record.nodes.length <= MAX_LABELLED_NODES;
  return {
    type: "scatter",
    data: { datasets },
    plugins: labelled ? [nodeLabels(theme)] : [],
    options: {
      ...base,
      layout: { padding: { left: 8, right: 24, top: 4, bottom: 16 } },
      scales: {
        x: {
          ...axis(theme, { title: "depth: tasks on the longest chain before it", min: -0.4, max: depth + 0.4 }),
          // One tick per level, at the columns (not at the padded ends).
          afterBuildTicks: (scale: { ticks: { value: number }[] }) => {
            scale.ticks = Array.from({ length: depth + 1 }, (_, value) => ({ value }));
          },
        },
        y: { display: false, min: -0.1, max: rows + 0.35, reverse: true },
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          filter: (item: TooltipItem<"scatter">) => Boolean((item.raw as NodePoint | undefined)?.node),
          callbacks: { label: (item: TooltipItem<"scatter">) => describeNode((item.raw as NodePoint).node, byId) },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
}

function describeNode(n: GraphNodeRecord, byId: Map<string, GraphNodeRecord>): string {
  const parts = [`${n.id}: ${STATUS_WORDS[n.status]}`];
  if (n.rank !== undefined && n.status !== "pending") parts.push(`on w${n.rank}`);
  if (n.durationMs !== undefined) parts.push(formatDuration(n.durationMs));
  if (n.waitMs) parts.push(`waited ${formatDuration(n.waitMs)} for inputs`);
  if (n.resultBytes !== undefined) parts.push(`result ${formatBytes(n.resultBytes)}`);
  if (n.deps.length) parts.push(`reads ${n.deps.filter((d) => byId.has(d)).join(", ") || n.deps.join(", ")}`);
  if (n.cellLine !== undefined) parts.push(`delayed at cell line ${n.cellLine}`);
  if (n.critical) parts.push("on the critical path");
  return parts.join(", ");
}

/** Draws each node's function name under it (static PNGs have no tooltips). */
function nodeLabels(theme: ChartTheme): Plugin {
  return {
    id: "paralabNodeLabels",
    afterDatasetsDraw(chart: Chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = theme.foreground;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.font = `11px ${theme.fontFamily}`;
      chart.data.datasets.forEach((ds, i) => {
        const meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        (ds.data as unknown[]).forEach((raw, j) => {
          const node = (raw as NodePoint | undefined)?.node;
          const el = meta.data[j] as unknown as { x: number; y: number } | undefined;
          if (!node || !el) return;
          ctx.fillText(node.label, el.x, el.y + 10);
        });
      });
      ctx.restore();
    },
  };
}

function countBy(values: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

/** A big graph: tasks per depth level, by status (how wide the graph is where). */
function graphWidthConfig(record: GraphRecord, theme: ChartTheme, options: ConfigOptions): AnyChartConfiguration {
  const depth = Math.max(0, ...record.nodes.map((n) => n.depth));
  const labels = Array.from({ length: depth + 1 }, (_, d) => String(d));
  const statuses: GraphNodeStatus[] = ["ok", "kept", "error", "skipped", "cancelled", "pending"];
  const colour: Record<GraphNodeStatus, string> = {
    ok: theme.status.ok,
    kept: theme.series.ideal,
    error: theme.status.error,
    skipped: theme.status.cancelled,
    cancelled: withAlpha(theme.status.cancelled, 0.5),
    pending: theme.series.parallel,
  };
  const datasets = statuses
    .map((s) => {
      const counts = new Array<number>(depth + 1).fill(0);
      for (const n of record.nodes) if (n.status === s) counts[n.depth]++;
      return { s, counts };
    })
    .filter(({ counts }) => counts.some((c) => c > 0))
    .map(({ s, counts }) => ({
      type: "bar",
      label: STATUS_WORDS[s],
      data: counts,
      backgroundColor: colour[s],
      stack: "tasks",
      barPercentage: 1,
      categoryPercentage: 0.9,
      pointStyle: "rect",
    }));
  const shown = record.nodes.length;
  const omitted = record.nodesOmitted ? ` (${record.nodesOmitted} more not in the record)` : "";
  const title = `Task graph of ${shown + (record.nodesOmitted ?? 0)} tasks, too many to draw: tasks per depth level${omitted}`;
  const base = baseOptions(theme, options, title, 260, true);
  return {
    type: "bar",
    data: { labels, datasets },
    options: {
      ...base,
      scales: {
        x: {
          ...axis(theme, { title: "depth: tasks on the longest chain before it", type: "category" }),
          stacked: true,
          ticks: { color: theme.foreground, autoSkip: true, maxTicksLimit: 20 },
        },
        y: { ...axis(theme, { title: "tasks at that depth", min: 0, fixedWidth: true }), stacked: true },
      },
    },
  } as unknown as AnyChartConfiguration;
}
