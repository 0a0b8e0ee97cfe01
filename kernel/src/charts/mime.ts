/**
 * Display bundles for paralab charts (SPEC §5): the record as JSON for the
 * labextension, a PNG for other frontends, and a sentence for consoles.
 */
import { formatBytes, formatDuration } from "../format";
import { LIGHT_THEME, type ChartTheme } from "./theme";
import { renderPng } from "./png";
import { formatWork, timeBounds, workOverWall } from "./work-span";
import {
  GRAPH_MIME,
  MONITOR_MIME,
  RUN_MIME,
  SCALING_MIME,
  type GraphRecord,
  type MonitorRecord,
  type ParalabMime,
  type ParalabRecord,
  type RunRecord,
  type ScalingRecord,
} from "../run/records";

export { GRAPH_MIME, MONITOR_MIME, RUN_MIME, SCALING_MIME };

/** A Jupyter display_data / execute_result payload. */
export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface BundleOptions {
  /** Theme of the PNG (default light: classic Notebook, nbconvert and GitHub are light). */
  theme?: ChartTheme;
  widthPx?: number;
  /** Leave the PNG out (e.g. a live monitor update that only JupyterLab draws). */
  png?: boolean;
}

/**
 * `{ data: { [mime]: record, "image/png": base64, "text/plain": text }, metadata: {} }`.
 * If drawing the PNG fails, the bundle is still returned without it (the JSON and the
 * text are the contract; the PNG is a fallback) and the text says why.
 */
export function displayBundle(
  mime: ParalabMime | string,
  record: unknown,
  text: string,
  options: BundleOptions = {},
): DisplayBundle {
  const data: Record<string, unknown> = { [mime]: record };
  let plain = text;
  if (options.png !== false) {
    try {
      data["image/png"] = renderPng(mime, record, options.theme ?? LIGHT_THEME, options.widthPx ?? 800).toString(
        "base64",
      );
    } catch (err) {
      plain += `\n(chart image unavailable: ${err instanceof Error ? err.message : String(err)})`;
    }
  }
  data["text/plain"] = plain;
  return { data, metadata: {} };
}

/** The bundle for any record, with its own summary as text. */
export function recordBundle(record: ParalabRecord, options: BundleOptions = {}): DisplayBundle {
  switch (record.kind) {
    case "run":
      return displayBundle(RUN_MIME, record, summarizeRun(record), options);
    case "scaling":
      return displayBundle(SCALING_MIME, record, summarizeScaling(record), options);
    case "monitor":
      return displayBundle(MONITOR_MIME, record, summarizeMonitor(record), options);
    case "graph":
      return displayBundle(GRAPH_MIME, record, summarizeGraph(record), options);
  }
}

/** Like formatBytes but for the "copied in/out" clause: "0.3 kB" rather than "321 B" next to kB. */
function formatCopied(bytes: number): string {
  if (bytes >= 100 && bytes < 1000) return `${(bytes / 1000).toFixed(1)} kB`;
  return formatBytes(bytes);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * The run summary line (SPEC §3.1), e.g.
 * "8 tasks on 2 workers (thread) in 123 ms wall, 240 ms CPU; speedup 1.95x over serial CPU time,
 * efficiency 97%; 1.2 kB copied in, 0.3 kB out".
 */
export function summarizeRun(record: RunRecord): string {
  const serial = record.serialCpuMs ?? record.cpuMs;
  const speedup = record.speedup ?? (record.wallMs > 0 ? serial / record.wallMs : 0);
  const efficiency = record.efficiency ?? (record.workers > 0 ? speedup / record.workers : 0);
  const what =
    record.items !== undefined
      ? `${plural(record.items, "item")} in ${plural(record.tasks.length, "task")}`
      : plural(record.tasks.length, "task");
  const parts = [
    `${what} on ${plural(record.workers, "worker")} (${record.workerKind}) ` +
      `in ${formatDuration(record.wallMs)} wall, ${formatDuration(record.cpuMs)} CPU`,
    `speedup ${speedup.toFixed(2)}x over serial CPU time, efficiency ${Math.round(efficiency * 100)}%`,
    `${formatCopied(record.bytesIn)} copied in, ${formatCopied(record.bytesOut)} out`,
  ];
  const errors = record.tasks.filter((t) => t.status === "error").length;
  const cancelled = record.tasks.filter((t) => t.status === "cancelled").length;
  if (errors || cancelled) {
    const bad: string[] = [];
    if (errors) bad.push(`${errors} failed`);
    if (cancelled) bad.push(`${cancelled} cancelled`);
    parts.push(bad.join(", "));
  }
  if (record.workers > record.cores) {
    parts.push(`oversubscribed: ${record.workers} workers on ${plural(record.cores, "core")}`);
  }
  if (record.compare) {
    const c = record.compare;
    parts.push(
      `compare: serial ${formatDuration(c.serialMs)}, parallel ${formatDuration(c.parallelMs)}, speedup ${c.speedup.toFixed(2)}x`,
    );
  }
  return (record.title ? `${record.title}: ` : "") + parts.join("; ");
}

/**
 * E.g. "scaling on 1, 2, 4 workers: 1.00x, 1.90x, 3.40x (ideal 1x, 2x, 4x); Amdahl fit: serial
 * fraction 0.050, speedup limit 20.0x; 4 cores".
 */
export function summarizeScaling(record: ScalingRecord): string {
  const pts = [...record.points].sort((a, b) => a.workers - b.workers);
  const s = record.serialFraction;
  const limit = s > 0 ? `speedup limit ${(1 / s).toFixed(1)}x` : "no serial limit";
  return (
    (record.title ? `${record.title}: ` : "") +
    `scaling on ${pts.map((p) => p.workers).join(", ")} workers: ` +
    `${pts.map((p) => `${p.speedup.toFixed(2)}x`).join(", ")} ` +
    `(wall ${pts.map((p) => formatDuration(p.wallMs)).join(", ")}); ` +
    `Amdahl fit${fitNote(pts, record.cores)}: serial fraction ${s.toFixed(3)}, ${limit}; ${plural(record.cores, "core")}`
  );
}

/** Says when oversubscribed points were left out of the fit (see buildScalingRecord). */
function fitNote(points: readonly { workers: number }[], cores: number): string {
  const onCores = points.filter((p) => p.workers <= cores).length;
  return onCores >= 2 && onCores < points.length ? ` on the points with ≤ ${cores} workers` : "";
}

/** E.g. "CPU monitor, 10.0 s on 2 cores: mean 45% (core 0 50%, core 1 40%), now 12%". */
export function summarizeMonitor(record: MonitorRecord): string {
  const n = record.samples.length;
  const cores = Math.max(record.cores, ...record.samples.map((x) => x.cores.length), 0);
  const head = `CPU monitor${record.done ? "" : " (running)"}, ${formatDuration(record.durationMs)} on ${plural(cores, "core")}`;
  if (n === 0) return `${head}: no samples yet`;
  const perCore = Array.from(
    { length: cores },
    (_, c) => record.samples.reduce((a, x) => a + (x.cores[c] ?? 0), 0) / n,
  );
  const mean = perCore.reduce((a, b) => a + b, 0) / Math.max(1, cores);
  const last = record.samples[n - 1].cores;
  const now = last.reduce((a, b) => a + b, 0) / Math.max(1, last.length);
  const each = cores <= 16 ? ` (${perCore.map((v, c) => `core ${c} ${Math.round(v)}%`).join(", ")})` : "";
  return `${head}: mean ${Math.round(mean)}%${each}, now ${Math.round(now)}%`;
}

/**
 * The graph summary (SPEC §3.3.1), e.g. before running: "task graph of 9 tasks, not run yet:
 * work T1 = 9 tasks, span T∞ = 3 tasks, parallelism 3.00 (...)"; after: "task graph: 9 tasks on
 * 2 workers (thread) in 520 ms wall: 9 ran; work T1 = 900 ms, span T∞ = 300 ms, parallelism
 * T1/T∞ = 3.00; work ÷ wall = 1.73 (...)".
 */
export function summarizeGraph(record: GraphRecord): string {
  const ws = record.workSpan;
  const total = record.nodes.length + (record.nodesOmitted ?? 0);
  const figures =
    `work T1 = ${formatWork(ws.work, ws.unit)}, span T∞ = ${formatWork(ws.span, ws.unit)}, ` +
    `parallelism T1/T∞ = ${ws.parallelism.toFixed(2)}`;
  const path = ws.criticalPath.length
    ? `critical path ${ws.criticalPath.length <= 8 ? ws.criticalPath.join(" → ") : `${ws.criticalPath.slice(0, 3).join(" → ")} → … → ${ws.criticalPath[ws.criticalPath.length - 1]} (${ws.criticalPath.length} tasks)`}`
    : "";
  const head = record.title ? `${record.title}: ` : "";
  if (!record.ran) {
    return (
      `${head}task graph of ${plural(total, "task")}, not run yet (each task counted as 1): ${figures}, ` +
      `so at most ${ws.parallelism.toFixed(2)} workers can be kept busy on average` +
      (path ? `; ${path}` : "")
    );
  }
  const c = record.counts;
  const states = [
    c.ok ? `${c.ok} ran` : "",
    c.kept ? `${c.kept} kept from before` : "",
    c.error ? `${c.error} failed` : "",
    c.skipped ? `${c.skipped} skipped` : "",
    c.cancelled ? `${c.cancelled} cancelled` : "",
  ].filter(Boolean);
  const wall = record.wallMs ?? 0;
  const p = record.workers;
  const measured = workOverWall(record);
  const bounds = timeBounds(ws, p);
  const parts = [
    `task graph: ${plural(total, "task")} on ${plural(p, "worker")} (${record.workerKind}) in ${formatDuration(wall)} wall: ${states.join(", ") || "nothing to run"}`,
    figures,
  ];
  if (measured !== undefined && ws.work > 0) {
    parts.push(
      `work ÷ wall = ${measured.toFixed(2)} (tasks running at once on average; not a serial-vs-parallel speedup), ` +
        `at most min(P, T1/T∞) = ${Math.min(p, ws.parallelism).toFixed(2)} on ${plural(p, "worker")}; ` +
        `a greedy schedule takes between max(T1/P, T∞) = ${formatDuration(bounds.lower)} and T1/P + T∞ = ${formatDuration(bounds.greedy)} (Brent)`,
    );
  }
  if (path) parts.push(path);
  const moved: string[] = [];
  const edges = record.edges;
  const count = (path: string) => edges.filter((e) => e.path === path).length;
  if (record.bytesMoved.port || count("port"))
    moved.push(`${formatCopied(record.bytesMoved.port)} worker to worker over MessagePorts (${count("port")} inputs)`);
  if (record.bytesMoved.relay || count("relay"))
    moved.push(
      `${formatCopied(record.bytesMoved.relay)} worker to worker relayed through the kernel process (${count("relay")} inputs)`,
    );
  if (count("local")) moved.push(`${count("local")} inputs read where they were made`);
  parts.push(
    `${formatCopied(record.bytesIn)} copied in, ${formatCopied(record.bytesOut)} out` +
      (moved.length ? `; ${moved.join(", ")}` : ""),
  );
  return head + parts.join("; ");
}
