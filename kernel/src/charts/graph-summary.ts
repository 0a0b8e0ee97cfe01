/**
 * The task graph's summary in words (README, Magics: task graphs and how runs are measured): before running, its figures counted in
 * tasks; after, the work and span in ms, work ÷ wall called what it is (tasks running at once on
 * average, not a speedup), the bounds for the workers used, and the paths the data took. Pure.
 */
import { formatBytes, formatDuration } from "../format";
import type { GraphRecord } from "../run/records";
import { describeDisturbance } from "./disturbance";
import { countedAs, formatWork, timeBounds, workOverWall } from "./work-span";

/** The measurement rules' "too short to judge" test (charts/summary.ts), with its limits for the words. */
export interface TooShort {
  (wallMs: number, workMs: number): boolean;
  wallMs: number;
  workMs: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "0.3 kB" rather than "321 B" next to kB, as the run summary says it. */
function formatCopied(bytes: number): string {
  if (bytes >= 100 && bytes < 1000) return `${(bytes / 1000).toFixed(1)} kB`;
  return formatBytes(bytes);
}

/**
 * The graph summary (README, Magics: task graphs), e.g. before running: "task graph of 9 tasks, not run yet:
 * work T1 = 9 tasks, span T∞ = 3 tasks, parallelism 3.00 (...)"; after: "task graph: 9 tasks on
 * 2 workers (thread) in 520 ms wall: 9 ran; work T1 = 900 ms, span T∞ = 300 ms, parallelism
 * T1/T∞ = 3.00; work ÷ wall = 1.73 (...)".
 */
export function summarizeGraph(record: GraphRecord, tooShort?: TooShort): string {
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
      `${head}task graph of ${plural(total, "task")}, not run yet (${countedAs(ws.unit) ?? "each task counted as 1"}): ${figures}, ` +
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
  if (measured !== undefined && ws.work > 0 && tooShort?.(wall, ws.work)) {
    parts.push(
      `too short to judge work ÷ wall (under ${tooShort.wallMs} ms wall or ${tooShort.workMs} ms of work, ` +
        "start-up and messaging dominate)",
    );
  } else if (measured !== undefined && ws.work > 0) {
    parts.push(
      `work ÷ wall = ${measured.toFixed(2)} (tasks running at once on average; not a serial-vs-parallel speedup), ` +
        `at most min(P, T1/T∞) = ${Math.min(p, ws.parallelism).toFixed(2)} on ${plural(p, "worker")}; ` +
        `a greedy schedule takes between max(T1/P, T∞) = ${formatDuration(bounds.lower)} and T1/P + T∞ = ${formatDuration(bounds.greedy)} ` +
        // Brent's bound counts task time only; a cluster's tasks also wait on Redis, often for more than T∞.
        (record.workerKind === "cluster"
          ? "(Brent, counting task time only: on a cluster each batch of tasks also waits for Redis round trips)"
          : "(Brent)"),
    );
  }
  const disturbance =
    record.disturbance && describeDisturbance(record.disturbance, { wallMs: wall, cores: record.cores, workers: p });
  if (disturbance) parts.push(disturbance);
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
  if (record.bytesMoved.redis || count("redis"))
    moved.push(
      `${formatCopied(record.bytesMoved.redis ?? 0)} worker to worker through Redis (${count("redis")} inputs)`,
    );
  if (count("local")) moved.push(`${count("local")} inputs read where they were made`);
  parts.push(
    `${formatCopied(record.bytesIn)} copied in, ${formatCopied(record.bytesOut)} out` +
      (moved.length ? `; ${moved.join(", ")}` : ""),
  );
  return head + parts.join("; ");
}
