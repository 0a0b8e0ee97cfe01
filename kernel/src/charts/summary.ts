/**
 * Each record's summary in words (README, Magics: %%parallel and how runs are measured): the text/plain of its bundle, the caption
 * under its PNG and under the chart in JupyterLab. Pure, shared with the labextension.
 *
 * The words follow the measurement rules: "speedup" and "efficiency" only where a serial time was
 * measured; CPU ÷ wall is "workers busy on average"; runs too short to judge say so.
 */
import { formatBytes, formatDuration } from "../format";
import type { MonitorRecord, ParalabRecord, RunRecord, ScalingRecord } from "../run/records";
import { coveredWallMs, describeDisturbance, DISTURBED_RATIO, isDisturbed } from "./disturbance";
import { capitalize, IN_TASK_CPU, MACHINE_CPU, MACHINE_CPU_SOURCE, WORKER_CPU, WORKER_CPU_SOURCE } from "./cpu-labels";
import { summarizeGraph } from "./graph-summary";
import { describeCompareSlowerTogether, describeScalingSlowerTogether } from "./slower-together";
import { describeRounds } from "./repeats";
import { summarizeLive } from "./live";

export { summarizeGraph } from "./graph-summary";

/** Below these, start-up and messaging dominate and ratios of times mean little. */
export const TOO_SHORT_WALL_MS = 20;
export const TOO_SHORT_CPU_MS = 10;
/** The same rule for a graph, whose work is the sum of its task times. */
const GRAPH_TOO_SHORT = Object.assign((wallMs: number, workMs: number) => isTooShort(wallMs, workMs), {
  wallMs: TOO_SHORT_WALL_MS,
  workMs: TOO_SHORT_CPU_MS,
});

/**
 * A run this long with under TOO_SHORT_CPU_MS of CPU was not too short: its workers waited
 * (timers, I/O, locks). Its busy figure (about 0) is then the lesson, not noise.
 */
export const WAITED_WALL_MS = 150;
/** A measured speedup this far above the worker count is more than timing noise. */
const NOISE_FACTOR = 1.15;

export function summarize(record: ParalabRecord): string {
  // A chart drawn while its run lasts (or left by one that did not finish) says how far it got.
  if ((record.kind === "run" || record.kind === "graph") && record.live) return summarizeLive(record);
  switch (record.kind) {
    case "run":
      return summarizeRun(record);
    case "scaling":
      return summarizeScaling(record);
    case "monitor":
      return summarizeMonitor(record);
    case "graph":
      return summarizeGraph(record, GRAPH_TOO_SHORT);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "0.3 kB" rather than "321 B" next to kB. */
function formatCopied(bytes: number): string {
  if (bytes >= 100 && bytes < 1000) return `${(bytes / 1000).toFixed(1)} kB`;
  return formatBytes(bytes);
}

/**
 * How many workers' threads ran on average during the run, from their thread clocks
 * (workerSamples, each the busy % over a window before it): tasks plus messaging. Undefined
 * without at least 2 samples within the run.
 */
export function workerCpuCores(record: RunRecord): number | undefined {
  const inRun = (record.workerSamples ?? []).filter((s) => s.tMs > record.startMs && s.tMs <= record.endMs + 1);
  if (inRun.length < 2) return undefined;
  const total = inRun.reduce((a, s) => a + s.workers.reduce((b, w) => b + w, 0), 0);
  return total / inRun.length / 100;
}

export function isTooShort(wallMs: number, cpuMs: number): boolean {
  return wallMs < TOO_SHORT_WALL_MS || (cpuMs < TOO_SHORT_CPU_MS && wallMs < WAITED_WALL_MS);
}

/**
 * E.g. "1,000 items in 36 tasks on 2 workers (thread) in 780 ms wall, 1.50 s in-task CPU; 1.9 of 2
 * workers busy on average; 8.3 kB copied in, 8.3 kB out". "Busy" is in-task CPU ÷ wall; when the
 * workers' thread clocks ran notably more than their tasks (messaging), the summary says so.
 */
export function summarizeRun(record: RunRecord): string {
  const what =
    record.items !== undefined
      ? `${plural(record.items, "item")} in ${plural(record.tasks.length, "task")}`
      : plural(record.tasks.length, "task");
  const parts = [
    `${what} on ${plural(record.workers, "worker")} (${record.workerKind}) ` +
      `in ${formatDuration(record.wallMs)} wall, ${formatDuration(record.cpuMs)} ${IN_TASK_CPU}`,
  ];
  if (record.items === 0 || record.tasks.length === 0) parts.push("nothing ran");
  else if (isTooShort(record.wallMs, record.cpuMs)) {
    parts.push(
      `too short to judge parallelism (under ${TOO_SHORT_WALL_MS} ms wall or ${TOO_SHORT_CPU_MS} ms ${IN_TASK_CPU}, ` +
        "start-up and messaging dominate): give the workers more work to measure it",
    );
  } else {
    const busy = record.busyWorkers ?? record.cpuMs / record.wallMs;
    const threads = workerCpuCores(record);
    // The thread clocks count what the tasks do and what the workers do between them (messages).
    const messaging = threads !== undefined && threads >= busy + Math.max(0.1, 0.25 * busy);
    const waited = record.cpuMs < TOO_SHORT_CPU_MS && !messaging ? " (the workers mostly waited)" : "";
    parts.push(`${busy.toFixed(1)} of ${record.workers} workers busy on average${waited}`);
    if (messaging) {
      parts.push(
        `${WORKER_CPU} (${WORKER_CPU_SOURCE}) ${threads.toFixed(1)} of ${record.workers}: ` +
          `the difference went to messages between tasks, not to the tasks`,
      );
    }
  }
  parts.push(`${formatCopied(record.bytesIn)} copied in, ${formatCopied(record.bytesOut)} out`);
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
  // A run too short to judge already says its times mean little.
  const judged = record.tasks.length > 0 && !isTooShort(record.wallMs, record.cpuMs);
  const disturbance =
    judged &&
    record.disturbance &&
    (record.compare
      ? describeDisturbance(record.disturbance, { ...record, wallMs: coveredWallMs(record) }, "the timed passes")
      : describeDisturbance(record.disturbance, record));
  if (disturbance) parts.push(disturbance);
  if (record.compare) parts.push(describeComparison(record));
  const slower = describeCompareSlowerTogether(record);
  if (slower) parts.push(slower);
  return (record.title ? `${record.title}: ` : "") + parts.join("; ");
}

/** The measured speedup of --compare, with what to make of one above the worker count. */
function describeComparison(record: RunRecord): string {
  const c = record.compare!;
  const where = c.serialWhere ?? "in the kernel";
  const rounds = c.rounds?.length ?? 1;
  const range = (min: number | undefined, max: number | undefined) =>
    rounds > 1 && min !== undefined && max !== undefined ? ` (${formatRange(min, max)})` : "";
  const head =
    `serial pass ${where} ${formatDuration(c.serialMs)}${range(c.serialMsMin, c.serialMsMax)}, ` +
    `parallel ${formatDuration(c.parallelMs)}${range(c.parallelMsMin, c.parallelMsMax)}`;
  const how = c.repeat
    ? `; ${rounds > 1 ? "medians of " : ""}${describeRounds(c.repeat.rounds, c.repeat.rule, "serial and parallel alternating")}`
    : "";
  if (c.serialMs < TOO_SHORT_WALL_MS || c.parallelMs < TOO_SHORT_WALL_MS) {
    return `${head}: too short to judge a speedup (under ${TOO_SHORT_WALL_MS} ms)${how}`;
  }
  const efficiency = Math.round((c.speedup / record.workers) * 100);
  const spread =
    rounds > 1 && c.speedupMin !== undefined && c.speedupMax !== undefined
      ? ` (${c.speedupMin.toFixed(2)}–${c.speedupMax.toFixed(2)}x over ${rounds} rounds)`
      : "";
  let text = `${head}: speedup ${c.speedup.toFixed(2)}x${spread}, efficiency ${efficiency}%`;
  const disturbed = isDisturbed(record);
  if (disturbed) {
    // Other load may have fallen on one pass more than the other: no conclusion about caches.
    text += ` (${DISTURBED_RATIO})`;
  } else if (c.speedup > record.workers) {
    text +=
      c.speedup <= record.workers * NOISE_FACTOR
        ? ` (above the ideal ${record.workers}x by ${Math.round((c.speedup / record.workers - 1) * 100)}%: within timing noise; run it again to see it vary)`
        : ` (well above the ideal ${record.workers}x: more than timing noise, likely a cache effect: each worker's share of the data fits its core's cache better than the whole did)`;
  }
  return text + how;
}

/** "801–830 ms", or "0.98–1.20 s": both ends in one unit where formatDuration agrees. */
function formatRange(min: number, max: number): string {
  const lo = formatDuration(min);
  const hi = formatDuration(max);
  const unit = (t: string) => t.replace(/^[\d.,]+\s*/, "");
  return unit(lo) === unit(hi) ? `${lo.replace(/\s*[^\d.,]+$/, "")}–${hi}` : `${lo}–${hi}`;
}

/**
 * E.g. "scaling on 1, 2 workers: 1.00x, 1.93x (wall 812 ms, 421 ms); Amdahl estimate from 2
 * points: serial fraction ≈ 0.036 (...); 2 cores".
 */
export function summarizeScaling(record: ScalingRecord): string {
  const pts = [...record.points].sort((a, b) => a.workers - b.workers);
  const rounds = record.repeat?.rounds ?? 1;
  const speedup = (p: (typeof pts)[number]) =>
    `${p.speedup.toFixed(2)}x` +
    (rounds > 1 && p.workers !== 1 && p.speedupMin !== undefined && p.speedupMax !== undefined
      ? ` (${p.speedupMin.toFixed(2)}–${p.speedupMax.toFixed(2)}x)`
      : "");
  const wall = (p: (typeof pts)[number]) =>
    formatDuration(p.wallMs) +
    (rounds > 1 && p.wallMsMin !== undefined && p.wallMsMax !== undefined
      ? ` (${formatRange(p.wallMsMin, p.wallMsMax)})`
      : "");
  const how = record.repeat
    ? `; ${rounds > 1 ? "medians of " : ""}${describeRounds(record.repeat.rounds, record.repeat.rule, `${pts.map((p) => p.workers).join(", ")} workers in turn`)}`
    : "";
  return (
    (record.title ? `${record.title}: ` : "") +
    scalingHead(record, pts) +
    `${pts.map(speedup).join(", ")} ` +
    `(wall ${pts.map(wall).join(", ")})${how}; ` +
    `${describeFit(record)}${describeScalingDisturbance(record)}${prefixed(describeScalingSlowerTogether(record))}; ${plural(record.cores, "core")}`
  );
}

function prefixed(text: string | undefined): string {
  return text ? `; ${text}` : "";
}

/** A scaling series measured while the workers waited for cores: its speedups and fit say so. */
function describeScalingDisturbance(record: ScalingRecord): string {
  if (!record.disturbance) return "";
  const note = describeDisturbance(
    record.disturbance,
    { wallMs: coveredWallMs(record), cores: record.cores, workers: Math.max(...record.points.map((p) => p.workers)) },
    "the timed passes",
  );
  return note ? `; ${note}; the speedups and the fit were ${DISTURBED_RATIO}` : "";
}

/**
 * "scaling on 1, 2 workers: ", or for weak scaling "weak scaling on 1, 2 workers (work grows with
 * the workers: 4, 8 items): scaled speedup ".
 */
function scalingHead(record: ScalingRecord, pts: ScalingRecord["points"]): string {
  const workers = `${pts.map((p) => p.workers).join(", ")} workers`;
  if (!record.weak) return `scaling on ${workers}: `;
  const items = pts.every((p) => p.items !== undefined) ? `: ${pts.map((p) => p.items).join(", ")} items` : "";
  return `weak scaling on ${workers} (work grows with the workers${items}): scaled speedup `;
}

/** What the Amdahl fit (or, for weak scaling, Gustafson's) can claim from the points it had (README, Magics: how runs are measured). */
export function describeFit(record: ScalingRecord): string {
  if (record.weak) return describeGustafson(record);
  const s = record.serialFraction ?? 0;
  const fit = record.fit ?? { points: record.points.length, quality: "exact" as const };
  const left = record.points.filter((p) => p.workers > record.cores).length;
  const leftOut = left
    ? `, ${plural(left, "point")} above ${record.cores} workers left out (oversubscribed workers take turns)`
    : "";
  switch (fit.quality) {
    case "none":
      return `no Amdahl fit: it needs at least 2 points within the ${plural(record.cores, "core")}${leftOut}`;
    case "slowdown":
      return describeSlowdown(record, fit.bestSpeedup);
    case "exact":
      return (
        `Amdahl estimate from ${fit.points} points: serial fraction ≈ ${s.toFixed(3)}${describeAgreement(fit)} ` +
        `(two points fix the one parameter exactly, so this is an estimate, not a test of the law; ` +
        `claiming a limit 1/s needs 3 or more points within the cores)${leftOut}`
      );
    case "fitted":
      return (
        `Amdahl fit on ${fit.points} points: serial fraction ${s.toFixed(3)}${describeAgreement(fit)}, ` +
        `${fit.limit !== undefined ? `speedup limit ${fit.limit.toFixed(1)}x` : "no serial limit"}${leftOut}`
      );
  }
}

/** Weak scaling: Gustafson's fit S(N) = s + (1 − s)·N, with Amdahl's honesty rules (README, Magics: how runs are measured). */
export function describeGustafson(record: ScalingRecord): string {
  const g = record.gustafson ?? { points: record.points.length, quality: "none" as const, curve: [] };
  const s = g.serialFraction ?? 0;
  const left = record.points.filter((p) => p.workers > record.cores).length;
  const leftOut = left
    ? `, ${plural(left, "point")} above ${record.cores} workers left out (oversubscribed workers take turns)`
    : "";
  const range = g.serialFractionRange;
  const agreement =
    range === null
      ? " (no serial fraction fits within every point's spread: Gustafson's law describes these points poorly)"
      : range !== undefined
        ? ` (${range.min.toFixed(range.max - range.min < 0.01 ? 3 : 2)}–${range.max.toFixed(range.max - range.min < 0.01 ? 3 : 2)} fits the spreads)`
        : "";
  switch (g.quality) {
    case "none":
      return `no Gustafson fit: it needs at least 2 points within the ${plural(record.cores, "core")}${leftOut}`;
    case "slowdown": {
      const best = g.bestSpeedup ?? Math.max(...record.points.filter((p) => p.workers >= 2).map((p) => p.speedup));
      return (
        `no Gustafson fit: a slowdown (best scaled speedup with 2 or more workers ${best.toFixed(2)}x: ` +
        `the workers together did less work per second than one worker alone): overhead (starting tasks, copying data, messages) ` +
        `dominates, and Gustafson's law, whose scaled speedup never falls below 1x, does not describe it; ` +
        `give each task more work and measure again`
      );
    }
    case "exact":
      return (
        `Gustafson fit s + (1 − s)·N, an estimate from ${g.points} points: serial fraction ≈ ${s.toFixed(3)}${agreement} ` +
        `(two points fix the one parameter, so this is an estimate, not a test of the law; ` +
        `testing it needs 3 or more points within the cores)${leftOut}`
      );
    case "fitted":
      return (
        `Gustafson fit s + (1 − s)·N on ${g.points} points: serial fraction ${s.toFixed(3)}${agreement}` +
        `${g.rmsError !== undefined ? `, the points fit with an RMS error of ${g.rmsError.toFixed(2)}x` : ""}${leftOut}`
      );
  }
}

/** Two or more workers ran slower than one: no serial fraction describes that. */
function describeSlowdown(record: ScalingRecord, bestSpeedup: number | undefined): string {
  const best = bestSpeedup ?? Math.max(...record.points.filter((p) => p.workers >= 2).map((p) => p.speedup));
  return (
    `no Amdahl fit: a slowdown (best speedup with 2 or more workers ${best.toFixed(2)}x): ` +
    `overhead (starting tasks, copying data, messages) costs more than the parallel work saves, ` +
    `and Amdahl's law, whose speedup never falls below 1x, does not describe it; ` +
    `give each task more work (more items per task or a heavier body) and measure again`
  );
}

/**
 * How well the points fit: the serial fractions the spreads allow (with --repeat), or else the RMS
 * error of the curve through the points (only worth saying when 3 or more points test the law).
 */
function describeAgreement(fit: NonNullable<ScalingRecord["fit"]>): string {
  const range = fit.serialFractionRange;
  if (range === null)
    return " (no serial fraction fits within every point's spread: Amdahl's law describes these points poorly)";
  if (range !== undefined) {
    const digits = range.max - range.min < 0.01 ? 3 : 2;
    return ` (${range.min.toFixed(digits)}–${range.max.toFixed(digits)} fits the spreads)`;
  }
  if (fit.quality === "fitted" && fit.rmsError !== undefined) {
    return ` (the points fit with an RMS error of ${fit.rmsError.toFixed(2)}x)`;
  }
  return "";
}

/** E.g. "Machine CPU monitor (all programs), 10.0 s on 2 cores: mean 45% (core 0 50%, core 1 40%), now 12%". */
export function summarizeMonitor(record: MonitorRecord): string {
  const n = record.samples.length;
  const cores = Math.max(record.cores, ...record.samples.map((x) => x.cores.length), 0);
  const head = `${capitalize(MACHINE_CPU)} monitor (${MACHINE_CPU_SOURCE}${record.done ? "" : ", running"}), ${formatDuration(record.durationMs)} on ${plural(cores, "core")}`;
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
