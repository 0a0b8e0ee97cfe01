/**
 * Live charts (SPEC §5): what a run or a compute has done so far, as the same record its final chart
 * is built from, marked `live`. Folding keeps each update small whatever the task count: a lane's
 * adjacent tasks join into strips (one TaskRecord whose `count` sums their items), more coarsely as
 * the run grows, so a 100,000-task map sends a few hundred records. Pure, shared with the
 * labextension (which draws a live record as it draws a final one, with the summary line below).
 */
import { formatDuration } from "../format";
import type { CoreSample, GraphRecord, LiveState, RunRecord, TaskRecord, TaskStatus } from "../run/records";
import { MAX_STRIP_PX, MIN_BAR_PX } from "./timeline-strips";

/** Task records an update carries at most (about 150 bytes each in JSON). */
export const LIVE_TASK_BUDGET = 600;
/** Utilization points per series an update carries at most. */
export const LIVE_SAMPLE_BUDGET = 200;
/** A strip spans at most this many merge gaps (the timeline's strips: MAX_STRIP_PX of MIN_BAR_PX). */
const STRIP_SPAN = MAX_STRIP_PX / MIN_BAR_PX;
/** A failure shows over a cancel, a cancel over success, when folding has to merge them. */
const SEVERITY: Record<TaskStatus, number> = { ok: 0, cancelled: 1, error: 2 };

/**
 * The tasks of a run so far, folded to at most `budget` records. Tasks arrive as they end (in
 * order on each lane: a worker runs one task at a time); each joins its lane's last record when it
 * starts less than `gapMs` after it, has its status and the strip stays under STRIP_SPAN gaps.
 * Over budget, the gap doubles and the lanes fold again: cost O(tasks) amortized, no sort per update.
 */
export class TaskFold {
  private readonly lanes = new Map<number, TaskRecord[]>();
  private size = 0;
  /** 0: nothing merges yet (a short run's tasks are sent as they are). */
  private gapMs = 0;
  /** Last resort when statuses alternate: merge across statuses, the worst one shown. */
  private mixed = false;
  private firstStartMs = Infinity;
  private lastEndMs = -Infinity;
  /** Tasks added, before folding. */
  added = 0;

  constructor(private readonly budget = LIVE_TASK_BUDGET) {}

  add(task: TaskRecord): void {
    this.added++;
    this.firstStartMs = Math.min(this.firstStartMs, task.startMs);
    this.lastEndMs = Math.max(this.lastEndMs, task.endMs);
    const t = { ...task };
    let lane = this.lanes.get(t.rank);
    if (!lane) this.lanes.set(t.rank, (lane = []));
    const last = lane[lane.length - 1];
    if (last && last.startMs > t.startMs) {
      // Ended out of order (a task an interrupt cancelled is recorded at the end): put it in place.
      let i = lane.length - 1;
      while (i > 0 && lane[i - 1].startMs > t.startMs) i--;
      lane.splice(i, 0, t);
      this.size++;
    } else if (last && this.joins(last, t)) {
      merge(last, t);
    } else {
      lane.push(t);
      this.size++;
    }
    if (this.size > this.budget) this.refold();
  }

  /** The folded records, lane by lane (copies: the caller may keep them). */
  tasks(): TaskRecord[] {
    const out: TaskRecord[] = [];
    for (const lane of this.lanes.values()) for (const t of lane) out.push({ ...t });
    return out;
  }

  private joins(a: TaskRecord, b: TaskRecord): boolean {
    if (this.gapMs <= 0 || (a.status !== b.status && !this.mixed)) return false;
    return b.startMs - a.endMs < this.gapMs && Math.max(a.endMs, b.endMs) - a.startMs <= this.gapMs * STRIP_SPAN;
  }

  private refold(): void {
    const spanMs = Math.max(1, this.lastEndMs - this.firstStartMs);
    while (this.size > this.budget) {
      this.gapMs = this.gapMs > 0 ? this.gapMs * 2 : spanMs / this.budget;
      // Once a gap spans the run, only status changes keep records apart: then merge those too.
      if (this.gapMs > spanMs) this.mixed = true;
      this.size = 0;
      for (const [rank, lane] of this.lanes) {
        const folded: TaskRecord[] = [];
        for (const t of lane) {
          const last = folded[folded.length - 1];
          if (last && this.joins(last, t)) merge(last, t);
          else folded.push(t);
        }
        this.lanes.set(rank, folded);
        this.size += folded.length;
      }
      if (this.gapMs > spanMs * 64) break; // one record per lane: cannot fold further
    }
  }
}

function merge(into: TaskRecord, t: TaskRecord): void {
  into.endMs = Math.max(into.endMs, t.endMs);
  into.index = Math.min(into.index, t.index);
  into.count = (into.count ?? 1) + (t.count ?? 1);
  into.cpuMs += t.cpuMs;
  if (t.waitMs !== undefined) into.waitMs = (into.waitMs ?? 0) + t.waitMs;
  if (t.bytesIn !== undefined) into.bytesIn = (into.bytesIn ?? 0) + t.bytesIn;
  if (t.bytesOut !== undefined) into.bytesOut = (into.bytesOut ?? 0) + t.bytesOut;
  if (SEVERITY[t.status] > SEVERITY[into.status]) into.status = t.status;
}

/** Averages neighbouring core samples (time-weighted) until at most `max` remain. */
export function thinCoreSamples(samples: readonly CoreSample[], max = LIVE_SAMPLE_BUDGET): CoreSample[] {
  if (samples.length <= max) return [...samples];
  const group = Math.ceil(samples.length / max);
  const out: CoreSample[] = [];
  for (let i = 0; i < samples.length; i += group) {
    const part = samples.slice(i, i + group);
    const width = Math.max(...part.map((s) => s.cores.length));
    const cores = Array.from(
      { length: width },
      (_, c) => part.reduce((sum, s) => sum + (s.cores[c] ?? 0), 0) / part.length,
    );
    out.push({ tMs: part[part.length - 1].tMs, cores });
  }
  return out;
}

/** What a run's live record is made of. */
export interface LiveRunInput {
  mode: "map" | "spmd";
  workers: number;
  workerKind: RunRecord["workerKind"];
  cores: number;
  startMs: number;
  nowMs: number;
  fold: TaskFold;
  /** Items (map) or ranks (SPMD) done, and in all. */
  done: number;
  total: number;
  state: LiveState["state"];
  samples?: CoreSample[];
  workerSamples?: RunRecord["workerSamples"];
  workerSamplesFromMs?: number;
  workerWindowMs?: number;
}

/** The run so far as a RunRecord marked `live`: the final chart's shape, its tasks folded. */
export function liveRunRecord(o: LiveRunInput): RunRecord {
  const tasks = o.fold.tasks();
  let cpuMs = 0,
    bytesIn = 0,
    bytesOut = 0;
  for (const t of tasks) {
    cpuMs += t.cpuMs;
    bytesIn += t.bytesIn ?? 0;
    bytesOut += t.bytesOut ?? 0;
  }
  const wallMs = Math.max(0, o.nowMs - o.startMs);
  const record: RunRecord = {
    version: 1,
    kind: "run",
    mode: o.mode,
    workers: o.workers,
    workerKind: o.workerKind,
    cores: o.cores,
    startMs: o.startMs,
    endMs: o.nowMs,
    wallMs,
    cpuMs,
    busyWorkers: wallMs > 0 ? cpuMs / wallMs : 0,
    bytesIn,
    bytesOut,
    items: o.mode === "map" ? o.total : undefined,
    tasks,
    samples: thinCoreSamples(o.samples ?? []),
    live: {
      state: o.state,
      done: o.done,
      total: o.total,
      unit: o.mode === "map" ? "item" : "rank",
      tasks: o.fold.added,
    },
  };
  // The timeline's title says it is not the whole run.
  const line = summarizeLive(record);
  record.title = `${line[0].toUpperCase()}${line.slice(1)} (${o.workers} ${o.workerKind} worker${o.workers === 1 ? "" : "s"})`;
  if (o.workerSamples?.length) {
    record.workerSamples = o.workerSamples;
    record.workerSamplesFromMs = o.workerSamplesFromMs;
    record.workerWindowMs = o.workerWindowMs;
  }
  return record;
}

function count(n: number, unit: string): string {
  return `${n.toLocaleString("en-US")} ${unit}${n === 1 ? "" : "s"}`;
}

/**
 * A live record's summary line: "running: 412 of 1,000 items, 3.1 s", or how a run that did not
 * finish ended, "interrupted after 3.1 s: 412 of 1,000 items done, 2 tasks cancelled".
 */
export function summarizeLive(record: RunRecord | GraphRecord): string {
  const live = record.live!;
  const elapsed = formatDuration(record.wallMs ?? 0);
  const of = `${live.done.toLocaleString("en-US")} of ${count(live.total, live.unit)}`;
  const statuses =
    record.kind === "run" ? record.tasks.map((t) => ({ status: t.status, n: t.count ?? 1 })) : graphStatuses(record);
  const failed = statuses.filter((t) => t.status === "error").reduce((n, t) => n + t.n, 0);
  const cancelled = statuses.filter((t) => t.status === "cancelled").reduce((n, t) => n + t.n, 0);
  const unit = record.kind === "run" && record.mode === "map" ? "item" : live.unit;
  const bad = [failed ? `${count(failed, unit)} failed` : "", cancelled ? `${count(cancelled, unit)} cancelled` : ""]
    .filter(Boolean)
    .join(", ");
  if (live.state === "running") return `running: ${of}, ${elapsed}${bad ? ` (${bad})` : ""}`;
  const notRun = Math.max(0, live.total - live.done - cancelled);
  const rest = [bad, notRun ? `${count(notRun, unit)} not run` : ""].filter(Boolean).join(", ");
  return `${live.state} after ${elapsed}: ${of} done${rest ? `, ${rest}` : ""}`;
}

function graphStatuses(record: GraphRecord): { status: string; n: number }[] {
  return Object.entries(record.counts).map(([status, n]) => ({ status, n: n ?? 0 }));
}
