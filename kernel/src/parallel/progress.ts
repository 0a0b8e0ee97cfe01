import { MimeBundle, newDisplayId, OutputSink } from "../output";

const WIDTH = 30;
/** Below this, a progress bar would only flicker. */
const SHOW_AFTER_MS = 400;
const UPDATE_EVERY_MS = 200;

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
 * A live progress bar for a long run: shown once the run has taken a moment, updated in place
 * (update_display_data) at most every 200 ms, and replaced by the run's summary at the end.
 */
export class ProgressBar {
  private readonly displayId = newDisplayId();
  private readonly startedMs = Date.now();
  private shown = false;
  private lastUpdateMs = 0;
  private done = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sink: OutputSink,
    private readonly total: number,
  ) {
    this.timer = setTimeout(() => this.render(), SHOW_AFTER_MS);
    this.timer.unref();
  }

  update(done: number): void {
    this.done = done;
    const now = Date.now();
    if (this.shown && now - this.lastUpdateMs >= UPDATE_EVERY_MS) this.render();
  }

  private render(): void {
    this.lastUpdateMs = Date.now();
    const content = { data: progressBundle(this.done, this.total, Date.now() - this.startedMs), metadata: {} };
    this.sink.display({ ...content, transient: { display_id: this.displayId } }, this.shown);
    this.shown = true;
  }

  /** Ends the bar: replaces it with `final` when it was shown, else displays `final` (if any). */
  finish(final?: { data: MimeBundle; metadata: Record<string, unknown> }): void {
    clearTimeout(this.timer);
    if (this.shown) {
      const data = final?.data ?? progressBundle(this.done, this.total, Date.now() - this.startedMs);
      this.sink.display({ data, metadata: final?.metadata ?? {}, transient: { display_id: this.displayId } }, true);
    } else if (final) {
      this.sink.display({ ...final, transient: {} });
    }
  }
}
