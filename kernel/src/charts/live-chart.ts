/**
 * The display side of live charts (SPEC §5): one output per run or compute, shown once it has
 * taken a moment and updated in place with the record so far, then replaced by the final chart.
 * Below parallel/ and graph/, which both use it.
 */
import { summarizeLive } from "./live";
import { escapeHtml } from "../format";
import { MimeBundle, newDisplayId, OutputSink } from "../output";
import type { GraphRecord, RunRecord } from "../run/records";

const WIDTH = 30;
/** Below this, a progress bar would only flicker. */
const SHOW_AFTER_MS = 400;
/** At most 4 updates a second: live enough to watch, cheap for the kernel and the frontend. */
const UPDATE_EVERY_MS = 250;

/** "[██████░░░░] 600/1,000 tasks · 1.2k tasks/s · ETA 0.3 s" as text and HTML. */
export function progressBundle(done: number, total: number, elapsedMs: number, label = "tasks"): MimeBundle {
  const fraction = total > 0 ? Math.min(done / total, 1) : 0;
  const filled = Math.round(fraction * WIDTH);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? (total - done) / rate : undefined;
  const fmt = (n: number) => n.toLocaleString("en-US");
  const text =
    `[${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}] ${fmt(done)}/${fmt(total)} ${label} · ` +
    `${formatRate(rate)} ${label}/s · ${eta === undefined ? "ETA ?" : `ETA ${eta.toFixed(1)} s`}`;
  const html =
    `<div class="paralab-progress"><progress value="${done}" max="${total}" style="width: 20em"></progress> ` +
    `<span>${fmt(done)}/${fmt(total)} ${label} · ${formatRate(rate)} ${label}/s · ${eta === undefined ? "ETA ?" : `ETA ${eta.toFixed(1)} s`}</span></div>`;
  return { "text/plain": text, "text/html": html };
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k`;
  return rate.toFixed(rate < 10 ? 1 : 0);
}

/**
 * A run's or a compute's live chart (SPEC §5): one output, shown once the run has taken a moment
 * and updated in place (update_display_data) at most every 250 ms with `partial()` (the record so
 * far, its text and HTML, no PNG), then replaced by the final bundle. A run that ends sooner
 * shows only its final chart: a short cell costs one timer, no messages.
 */
export class LiveChart {
  private readonly displayId = newDisplayId();
  private shown = false;
  /** No more live updates (hold). */
  private held = false;
  /** The final chart (or the last partial one) is in place (finish). */
  private finished = false;
  private timer?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  /** Updates sent (the first display included): for tests. */
  updates = 0;

  constructor(
    private readonly sink: OutputSink,
    private readonly partial: () => MimeBundle,
    o: { everyMs?: number; showAfterMs?: number } = {},
  ) {
    const start = () => {
      this.render();
      this.ticker = setInterval(() => this.render(), o.everyMs ?? UPDATE_EVERY_MS);
      this.ticker.unref();
    };
    // 0: shown at once (a cell that ends before the run does must show it while it runs).
    if (o.showAfterMs === 0) start();
    else this.timer = setTimeout(start, o.showAfterMs ?? SHOW_AFTER_MS).unref();
  }

  get isShown(): boolean {
    return this.shown;
  }

  private render(): void {
    if (this.held) return;
    let data: MimeBundle;
    try {
      data = this.partial();
    } catch (e) {
      // A live view must never break the run it watches: the final chart still comes.
      data = { "text/plain": `(live chart unavailable: ${e instanceof Error ? e.message : String(e)})` };
    }
    this.sink.display({ data, metadata: {}, transient: { display_id: this.displayId } }, this.shown);
    this.shown = true;
    this.updates++;
  }

  /**
   * Shows `data` now, in place, without waiting for the next tick: an interrupted run's last state
   * while the cell still runs (an awaiting cell ends at once on an interrupt; the final chart
   * with its PNG may come after it, and frontends that drop late output keep this one).
   */
  showNow(data: MimeBundle): void {
    if (!this.shown || this.finished) return;
    this.hold();
    this.sink.display({ data, metadata: {}, transient: { display_id: this.displayId } }, true);
    this.updates++;
  }

  /** No more updates (the run ended; its final chart is being built). */
  hold(): void {
    this.held = true;
    clearTimeout(this.timer);
    clearInterval(this.ticker);
  }

  /**
   * Ends the live view with `final`: in place of the live chart when it was shown, else as a new
   * output when `showAnyway` (a finished run's chart), else nothing. Without `final`, a shown
   * live chart stays as it last was. Returns the id of the output `final` went to, if it was shown
   * (a later update can complete it: charts/lazy.ts showChart).
   */
  finish(final?: { data: MimeBundle; metadata: Record<string, unknown> }, showAnyway = true): string | undefined {
    this.hold();
    this.finished = true;
    if (!final || !(this.shown || showAnyway)) return undefined;
    this.sink.display({ ...final, transient: { display_id: this.displayId } }, this.shown);
    return this.displayId;
  }
}

/**
 * A live record's bundle: the record for the labextension, and for other frontends the summary
 * line with the progress bar (a console's progress line; HTML for the classic Notebook). No PNG:
 * only the final update draws one.
 */
export function liveBundle(mime: string, record: RunRecord | GraphRecord): MimeBundle {
  const live = record.live!;
  const line = summarizeLive(record);
  const bar = progressBundle(live.done, live.total, record.wallMs ?? 0, `${live.unit}s`);
  return {
    [mime]: record,
    "text/plain": `${line}\n${bar["text/plain"] as string}`,
    "text/html": `<div class="paralab-live">${escapeHtml(line)}</div>${bar["text/html"] as string}`,
  };
}
