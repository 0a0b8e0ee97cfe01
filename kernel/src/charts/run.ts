/** The run chart (docs/records.md): the timeline of tasks per worker, utilization beneath it, and --compare. */
import type { TooltipItem } from "chart.js";
import { formatDuration } from "../format";
import type { RunRecord, TaskStatus } from "../run/records";
import {
  AnyChartConfiguration,
  axis,
  baseOptions,
  ConfigOptions,
  niceMax,
  TimelinePoint,
  Y_AXIS_WIDTH_PX,
} from "./layout";
import {
  capitalize,
  IN_TASK_CPU,
  MACHINE_CPU,
  MACHINE_CPU_AXIS,
  MACHINE_CPU_SOURCE,
  WORKER_CPU,
  WORKER_CPU_AXIS,
  WORKER_CPU_SOURCE,
} from "./cpu-labels";
import { ChartTheme, LIGHT_THEME, withAlpha } from "./theme";
import { BORDERLESS_BELOW_PX, MIN_BAR_PX, timelineBars } from "./timeline-strips";
import { utilizationDatasets, utilizationLines } from "./utilization";
import { waitingDataset } from "./waiting";
import { DISTURBED_TITLE, isDisturbed } from "./disturbance";
import { Whisker, whiskersPlugin } from "./whiskers";

export const STATUS_LABEL: Record<TaskStatus, string> = { ok: "ok", error: "error", cancelled: "cancelled" };

export function laneLabel(rank: number, lanes?: readonly string[]): string {
  return lanes?.[rank] ?? `w${rank}`;
}

export function lastTaskEndMs(record: RunRecord): number {
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
  const lanes = Array.from({ length: workers }, (_, i) => laneLabel(i, record.lanes));
  // Every task visible at any count: tasks under MIN_BAR_PX (at the reference width) that follow one
  // another on a lane merge into a strip, and every bar is drawn at least MIN_BAR_PX wide.
  const xMax = niceMax(lastTaskEndMs(record));
  const plotPx = Math.max(100, (options.referenceWidthPx ?? 800) - Y_AXIS_WIDTH_PX - 40);
  const msPerPx = xMax / plotPx;
  const bars = timelineBars(record.tasks, record.startMs, MIN_BAR_PX * msPerPx);
  const byStatus: Record<TaskStatus, TimelinePoint[]> = { ok: [], error: [], cancelled: [] };
  const strips: Record<TaskStatus, TimelinePoint[]> = { ok: [], error: [], cancelled: [] };
  for (const b of bars) {
    (b.tasks > 1 ? strips : byStatus)[b.status]?.push({
      x: [b.startMs, b.drawnEndMs],
      y: laneLabel(b.rank, record.lanes),
      rank: b.rank,
      index: b.firstIndex,
      durationMs: b.endMs - b.startMs,
      cpuMs: b.cpuMs,
      status: b.status,
      ...(b.tasks > 1 ? { tasks: b.tasks, lastIndex: b.lastIndex, busyMs: b.busyMs, endMs: b.endMs } : {}),
    });
  }
  const count = (points: TimelinePoint[]) => points.reduce((n, p) => n + (p.tasks ?? 1), 0);
  const statuses = (Object.keys(byStatus) as TaskStatus[]).filter(
    (s) => s === "ok" || byStatus[s].length + strips[s].length > 0,
  );
  const what = record.mode === "map" ? "item" : "rank";
  const barStyle = (points: TimelinePoint[]) => ({
    type: "bar",
    borderColor: theme.background,
    // A separating border on a bar a few pixels wide would cover it.
    borderWidth: points.map((p) => ((p.x[1] - p.x[0]) / msPerPx < BORDERLESS_BELOW_PX ? 0 : 1)),
    borderSkipped: false,
    grouped: false,
    pointStyle: "rect",
    minBarLength: MIN_BAR_PX,
    barPercentage: 0.9,
    categoryPercentage: 0.85,
  });
  const datasets: Record<string, unknown>[] = statuses.map((s) => ({
    ...barStyle(byStatus[s]),
    label: `${STATUS_LABEL[s]} (${byStatus[s].length + count(strips[s])})`,
    data: byStatus[s],
    backgroundColor: theme.status[s],
  }));
  for (const s of statuses) {
    if (!strips[s].length) continue;
    datasets.push({
      ...barStyle(strips[s]),
      // Strips that follow one another read as one stretch of lane, shaded by how busy it was.
      borderWidth: 0,
      label: `${STATUS_LABEL[s]}: ${count(strips[s])} tasks under ${MIN_BAR_PX} px in strips (shade: time in tasks)`,
      data: strips[s],
      // The shade of a strip says how much of its span its tasks ran (the rest is dispatch and messages).
      backgroundColor: strips[s].map((p) =>
        withAlpha(theme.status[s], 0.4 + 0.6 * Math.min(1, (p.busyMs ?? 0) / Math.max(1e-9, p.durationMs))),
      ),
    });
  }
  const title =
    record.title ??
    `Run timeline: ${record.tasks.length} task${record.tasks.length === 1 ? "" : "s"} on ` +
      `${record.workers} ${record.workerKind} worker${record.workers === 1 ? "" : "s"}, ${formatDuration(record.wallMs)} wall`;
  const heightPx = 110 + Math.max(2, workers) * (workers > 12 ? 22 : 32);
  const base = baseOptions(theme, options, title, heightPx, true);
  return {
    type: "bar",
    data: { labels: lanes, datasets },
    options: {
      ...base,
      indexAxis: "y",
      scales: {
        x: axis(theme, { title: "time since run start (ms)", min: 0, max: xMax }),
        // named lanes (host:pid/w0) need their width; fixed width only aligns with the utilization chart
        y: axis(theme, { title: "worker", type: "category", labels: lanes, fixedWidth: !record.lanes }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          callbacks: {
            title: (items: TooltipItem<"bar">[]) => {
              const p = items[0]?.raw as TimelinePoint | undefined;
              return p ? `worker ${laneLabel(p.rank, record.lanes)}` : "";
            },
            label: (item: TooltipItem<"bar">) => {
              const p = item.raw as TimelinePoint;
              if (p.tasks !== undefined) {
                // "312 tasks, items 0–3119, 41.0 ms (12.0 ms → 53.0 ms), 3.20 ms in tasks, CPU 2.90 ms, ok"
                return (
                  `${p.tasks} tasks, ${what}s ${p.index}–${p.lastIndex}, ${formatDuration(p.durationMs)} ` +
                  `(${formatDuration(p.x[0])} → ${formatDuration(p.endMs ?? p.x[1])}), ` +
                  `${formatDuration(p.busyMs ?? 0)} in tasks, ${IN_TASK_CPU} ${formatDuration(p.cpuMs)}, ${p.status}`
                );
              }
              return (
                `${what} ${p.index}: ${formatDuration(p.durationMs)} (${formatDuration(p.x[0])} → ${formatDuration(p.x[1])}), ` +
                `${IN_TASK_CPU} ${formatDuration(p.cpuMs)}, ${p.status}`
              );
            },
          },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
}

/** Per-core counters tick every 10 ms and are read every 100 ms: shorter runs need thread clocks. */
const PER_CORE_MIN_WALL_MS = 1000;
const PER_CORE_MIN_SAMPLES = 10;

/**
 * Which utilization a run chart shows: per worker from thread clocks for runs too short for the
 * per-core counters (or when there are no per-core samples), per core otherwise.
 */
export function utilizationSource(record: RunRecord): "workers" | "cores" | undefined {
  const workers = record.workerSamples?.length ?? 0;
  const cores = record.samples.length;
  if (workers > 1 && (record.wallMs < PER_CORE_MIN_WALL_MS || cores < PER_CORE_MIN_SAMPLES)) return "workers";
  if (cores > 0) return "cores";
  return workers > 1 ? "workers" : undefined;
}

/** Utilization during a run, on the same time axis as the timeline; the title says what it shows. */
export function runUtilizationConfig(
  record: RunRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  if (utilizationSource(record) === "workers") return workerUtilizationConfig(record, theme, options);
  const datasets = utilizationDatasets(record.samples, record.cores, (t) => t - record.startMs, theme);
  const waiting = waitingDataset(record, (t) => t - record.startMs, theme);
  if (waiting) datasets.push(waiting);
  const base = baseOptions(
    theme,
    options,
    `${capitalize(MACHINE_CPU)} per core during the run (${MACHINE_CPU_SOURCE}; ${record.cores} cores, /proc/stat every 100 ms)`,
    240,
    true,
  );
  return utilizationLines(
    datasets,
    base,
    theme,
    options,
    { title: "time since run start (ms)", max: niceMax(lastTaskEndMs(record)), unit: "ms" },
    MACHINE_CPU_AXIS,
  );
}

/** Each worker's CPU use from its thread clock, a point every few ms: short runs drawn in full. */
function workerUtilizationConfig(record: RunRecord, theme: ChartTheme, options: ConfigOptions): AnyChartConfiguration {
  const samples = record.workerSamples ?? [];
  const asCores = samples.map((s) => ({ tMs: s.tMs, cores: s.workers }));
  const datasets = utilizationDatasets(asCores, record.workers, (t) => t - record.startMs, theme, "w", "workers");
  const waiting = waitingDataset(record, (t) => t - record.startMs, theme);
  if (waiting) datasets.push(waiting);
  const periodMs = samples.length > 1 ? (samples[samples.length - 1].tMs - samples[0].tMs) / (samples.length - 1) : 0;
  const window = record.workerWindowMs ? `, each over the ${formatDuration(record.workerWindowMs)} before it` : "";
  const title =
    `${capitalize(WORKER_CPU)} during the run (${WORKER_CPU_SOURCE}; ${samples.length} points` +
    `${periodMs > 0 ? ` every ${formatDuration(periodMs)}` : ""}${window})`;
  const base = baseOptions(theme, options, title, 240, true);
  return utilizationLines(
    datasets,
    base,
    theme,
    options,
    { title: "time since run start (ms)", max: niceMax(lastTaskEndMs(record)), unit: "ms" },
    WORKER_CPU_AXIS,
  );
}

/** `--compare`: serial vs parallel wall time, the measured speedup in the title. */
export function compareConfig(
  record: RunRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const cmp = record.compare;
  // A speedup is only ever a measured ratio (README, Magics: how runs are measured): without a serial pass there is none.
  if (!cmp) throw new TypeError("paralab charts: compareConfig needs a record with compare (a --compare run)");
  const labels = ["serial", `parallel (${record.workers} worker${record.workers === 1 ? "" : "s"})`];
  const rounds = cmp.rounds?.length ?? 1;
  const median = rounds > 1 ? ` (median of ${rounds} rounds)` : "";
  // With rounds, each bar is the median and a whisker spans the fastest to the slowest round.
  const whiskers: Whisker[] = [];
  if (rounds > 1 && cmp.serialMsMin !== undefined && cmp.serialMsMax !== undefined)
    whiskers.push({ datasetIndex: 0, index: 0, min: cmp.serialMsMin, max: cmp.serialMsMax });
  if (rounds > 1 && cmp.parallelMsMin !== undefined && cmp.parallelMsMax !== undefined)
    whiskers.push({ datasetIndex: 1, index: 1, min: cmp.parallelMsMin, max: cmp.parallelMsMax });
  const datasets = [
    {
      type: "bar",
      label: `serial ${cmp.serialWhere ?? "in the kernel"}: ${formatDuration(cmp.serialMs)}${median}`,
      data: [cmp.serialMs, null],
      backgroundColor: theme.series.serial,
      grouped: false,
      pointStyle: "rect",
      barPercentage: 0.8,
      categoryPercentage: 0.9,
    },
    {
      type: "bar",
      label: `parallel on ${record.workers} ${record.workerKind} worker${record.workers === 1 ? "" : "s"}: ${formatDuration(cmp.parallelMs)}${median}`,
      data: [null, cmp.parallelMs],
      backgroundColor: theme.series.parallel,
      grouped: false,
      pointStyle: "rect",
      barPercentage: 0.8,
      categoryPercentage: 0.9,
    },
  ];
  const spread =
    rounds > 1 && cmp.speedupMin !== undefined && cmp.speedupMax !== undefined
      ? ` (${cmp.speedupMin.toFixed(2)}–${cmp.speedupMax.toFixed(2)}x over ${rounds} rounds; whiskers: fastest to slowest round)`
      : "";
  const title = `Serial vs parallel: ${cmp.speedup.toFixed(2)}x speedup${spread}${isDisturbed(record) ? DISTURBED_TITLE : ""}`;
  const base = baseOptions(theme, options, title, 200, true);
  const longest = Math.max(cmp.serialMs, cmp.parallelMs, ...whiskers.map((w) => w.max));
  return {
    type: "bar",
    data: { labels, datasets },
    plugins: whiskers.length ? [whiskersPlugin(whiskers, theme.foreground, "x")] : [],
    options: {
      ...base,
      indexAxis: "y",
      scales: {
        x: axis(theme, { title: "wall time (ms)", min: 0, ...(whiskers.length ? { max: niceMax(longest) } : {}) }),
        y: axis(theme, { title: "run", type: "category", fixedWidth: false }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          callbacks: {
            label: (item: TooltipItem<"bar">) => `${formatDuration(Number(item.parsed.x))}`,
          },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
}
