/**
 * Keeps every task of a run timeline visible at any task count (README, Magics: how runs are measured; docs/records.md): a lane's adjacent
 * tasks too thin to draw (under MIN_BAR_PX on the chart's reference width) merge into one strip,
 * whose tooltip counts them and whose shade says how much of its span was spent in tasks; every bar
 * is at least MIN_BAR_PX wide. Pure, shared with the labextension.
 */
import type { TaskRecord, TaskStatus } from "../run/records";

/** Narrower bars than this (px) are not drawn distinctly; thinner adjacent tasks merge into a strip. */
export const MIN_BAR_PX = 2;
/** A strip ends after this many px, so that hovering over a part of a lane says what ran there. */
export const MAX_STRIP_PX = 40;
/** Below this width (px) a bar is drawn without its separating border, which would cover it. */
export const BORDERLESS_BELOW_PX = 6;

/** One drawn bar of a lane: a single task, or a strip of adjacent thin tasks. */
export interface TimelineBar {
  rank: number;
  status: TaskStatus;
  /** ms since the run started, as the tasks ran (the drawn bar may be wider: see drawnEndMs). */
  startMs: number;
  endMs: number;
  /** endMs widened to MIN_BAR_PX. */
  drawnEndMs: number;
  /** Tasks in the bar (1: a task; more: a strip). */
  tasks: number;
  /** Index of the first task and the last element of the last one (map: items; SPMD: ranks). */
  firstIndex: number;
  lastIndex: number;
  /** Sum of the tasks' durations and CPU, ms. */
  busyMs: number;
  cpuMs: number;
}

/**
 * The bars of a timeline: tasks grouped by lane in start order; a task thinner than `minMs` that
 * starts less than `minMs` after a strip (or a thin task) of the same status ends joins it, as long
 * as the strip stays within MAX_STRIP_PX.
 * `minMs` is MIN_BAR_PX in ms at the chart's scale.
 */
export function timelineBars(tasks: readonly TaskRecord[], runStartMs: number, minMs: number): TimelineBar[] {
  const maxMs = (minMs / MIN_BAR_PX) * MAX_STRIP_PX;
  const lanes = new Map<number, TaskRecord[]>();
  for (const t of tasks) {
    const lane = lanes.get(t.rank);
    if (lane) lane.push(t);
    else lanes.set(t.rank, [t]);
  }
  const bars: TimelineBar[] = [];
  for (const [, lane] of [...lanes].sort((a, b) => a[0] - b[0])) {
    lane.sort((a, b) => a.startMs - b.startMs || a.index - b.index);
    // The open bar is a thin task or a strip of them (a wide task is closed at once).
    let open: TimelineBar | undefined;
    for (const t of lane) {
      const startMs = t.startMs - runStartMs;
      const endMs = Math.max(startMs, t.endMs - runStartMs);
      const duration = endMs - startMs;
      const thin = duration < minMs;
      const lastIndex = t.index + Math.max(1, t.count ?? 1) - 1;
      if (open && thin && open.status === t.status && startMs - open.endMs < minMs && endMs - open.startMs <= maxMs) {
        open.endMs = Math.max(open.endMs, endMs);
        open.tasks++;
        open.firstIndex = Math.min(open.firstIndex, t.index);
        open.lastIndex = Math.max(open.lastIndex, lastIndex);
        open.busyMs += duration;
        open.cpuMs += t.cpuMs;
        continue;
      }
      if (open) bars.push(finish(open, minMs));
      open = {
        rank: t.rank,
        status: t.status,
        startMs,
        endMs,
        drawnEndMs: endMs,
        tasks: 1,
        firstIndex: t.index,
        lastIndex,
        busyMs: duration,
        cpuMs: t.cpuMs,
      };
      if (!thin) {
        // A task wide enough to see stands alone.
        bars.push(finish(open, minMs));
        open = undefined;
      }
    }
    if (open) bars.push(finish(open, minMs));
  }
  return bars;
}

function finish(bar: TimelineBar, minMs: number): TimelineBar {
  bar.drawnEndMs = Math.max(bar.endMs, bar.startMs + minMs);
  return bar;
}

/** Share of a strip's span its tasks ran (1 for a single task): how dark the strip is drawn. */
export function occupancy(bar: TimelineBar): number {
  const span = bar.endMs - bar.startMs;
  if (bar.tasks === 1 || span <= 0) return 1;
  return Math.min(1, bar.busyMs / span);
}
