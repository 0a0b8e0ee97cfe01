/**
 * The work–span chart (README, Magics: task graphs): what the graph allows on P workers, and where the run landed.
 * The y axis is T1 ÷ time: work over wall time. For the bounds it reads as "how many times faster
 * than one worker doing all the work, at best"; for the run it is the measured work ÷ wall, which
 * is not a measured speedup (that needs a serial run, README, Magics: how runs are measured): it is how many tasks ran at
 * once on average.
 */
import type { TooltipItem } from "chart.js";
import { formatDuration } from "../format";
import type { GraphRecord, WorkSpan } from "../run/records";
import { DISTURBED_TITLE, readDisturbance } from "./disturbance";
import { AnyChartConfiguration, axis, baseOptions, ConfigOptions, XYPoint } from "./layout";
import { ChartTheme, LIGHT_THEME } from "./theme";

/** For P workers: no schedule beats `lower` = max(T1/P, T∞); a greedy one takes at most `greedy` = T1/P + T∞ (Brent). */
export function timeBounds(ws: Pick<WorkSpan, "work" | "span">, workers: number): { lower: number; greedy: number } {
  const p = Math.max(1, workers);
  return { lower: Math.max(ws.work / p, ws.span), greedy: ws.work / p + ws.span };
}

/** T1 ÷ wall: work over wall time (the average number of tasks running at once). */
export function workOverWall(record: GraphRecord): number | undefined {
  return record.ran && record.wallMs && record.wallMs > 0 ? record.workSpan.work / record.wallMs : undefined;
}

export function formatWork(value: number, unit: WorkSpan["unit"]): string {
  if (unit === "ms") return formatDuration(value);
  if (unit === "cost") return `${Number(value.toPrecision(4))}`;
  return `${Math.round(value)} task${Math.round(value) === 1 ? "" : "s"}`;
}

/** How a record's figures were counted before a run, e.g. "each task counted as 1". */
export function countedAs(unit: WorkSpan["unit"]): string | undefined {
  if (unit === "tasks") return "each task counted as 1";
  if (unit === "cost") return "each task counted as the cost its delayed() declared, 1 where none was given";
  return undefined;
}

export function workSpanConfig(
  record: GraphRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const ws = record.workSpan;
  const par = ws.parallelism;
  const maxP = Math.min(64, Math.max(8, 2 * record.workers, record.cores, Math.ceil(par * 1.5)));
  const ps = Array.from({ length: maxP }, (_, i) => i + 1);
  const ratio = (t: number) => (t > 0 ? ws.work / t : 0);
  const measured = workOverWall(record);
  const datasets: Record<string, unknown>[] = [
    line(
      "ideal: P (every worker busy all the time)",
      ps.map((p) => ({ x: p, y: p })),
      theme.series.ideal,
      [6, 4],
      1.5,
    ),
    line(
      `best possible: T1 ÷ max(T1/P, T∞) = min(P, ${par.toFixed(2)})`,
      ps.map((p) => ({ x: p, y: ratio(timeBounds(ws, p).lower) })),
      theme.series.fit,
      undefined,
      2.5,
    ),
    line(
      "greedy guarantee (Brent): T1 ÷ (T1/P + T∞)",
      ps.map((p) => ({ x: p, y: ratio(timeBounds(ws, p).greedy) })),
      theme.series.serial,
      [2, 3],
      2,
    ),
  ];
  if (measured !== undefined) {
    datasets.unshift({
      type: "scatter",
      label: `this run: work ÷ wall on ${record.workers} worker${record.workers === 1 ? "" : "s"} = ${measured.toFixed(2)}${disturbed(record) ? DISTURBED_TITLE : ""}`,
      data: [{ x: record.workers, y: measured }],
      borderColor: theme.series.measured,
      backgroundColor: theme.series.measured,
      pointRadius: 7,
      pointHoverRadius: 9,
      pointStyle: "circle",
      order: 0,
    });
  }
  const counted = countedAs(ws.unit);
  const unitNote = counted ? ` (before running: ${counted})` : "";
  const title =
    record.title && !record.ran
      ? record.title
      : `Work–span${unitNote}: T1 = ${formatWork(ws.work, ws.unit)}, T∞ = ${formatWork(ws.span, ws.unit)}, ` +
        `parallelism T1/T∞ = ${par.toFixed(2)}: ${beyond(par)}`;
  const base = baseOptions(theme, options, title, 340, true);
  return {
    type: "scatter",
    data: { datasets },
    options: {
      ...base,
      scales: {
        x: axis(theme, { title: "workers P", min: 1, max: maxP, stepSize: maxP <= 16 ? 1 : undefined }),
        y: axis(theme, { title: "T1 ÷ time (work over wall time)", min: 0, fixedWidth: true }),
      },
      plugins: {
        ...(base.plugins as Record<string, unknown>),
        tooltip: {
          enabled: options.static !== true,
          callbacks: {
            label: (item: TooltipItem<"scatter">) =>
              `${item.dataset.label}: P = ${item.parsed.x} → ${Number(item.parsed.y).toFixed(2)}`,
          },
        },
      },
    },
  } as unknown as AnyChartConfiguration;
}

/** Other programs (or a large wait of unknown cause) kept the workers from the cores during the run. */
function disturbed(record: GraphRecord): boolean {
  return record.disturbance !== undefined && readDisturbance(record.disturbance, record.wallMs ?? 0).disturbed;
}

/** "no gain beyond 3 workers": the most workers that can still shorten the run. */
function beyond(parallelism: number): string {
  const n = Math.max(1, Math.ceil(parallelism - 1e-9));
  return `no gain beyond ${n} worker${n === 1 ? "" : "s"}`;
}

function line(label: string, data: XYPoint[], color: string, dash: number[] | undefined, width: number) {
  return {
    type: "scatter",
    label,
    data,
    showLine: true,
    borderColor: color,
    backgroundColor: color,
    borderDash: dash,
    borderWidth: width,
    pointRadius: 0,
    pointHitRadius: 6,
    pointStyle: "line",
    order: 1,
  };
}
