import { inspect } from "node:util";
import { outputCell } from "./cell/current";
import { MimeBundle, newDisplayId, ownMimeBundle } from "./output";

export { newDisplayId } from "./output";

const outputSink = () => outputCell("display").sink;

/** tslab's display API, plus clear() and update(); every method sends one display_data. */
export interface Display {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  json(value: unknown): void;
  raw(contentType: string, b: string | Uint8Array): void;
  /** Shows a whole MIME bundle; with `displayId`, later update(displayId, ...) replaces it. */
  bundle(data: MimeBundle, options?: { displayId?: string; metadata?: Record<string, unknown> }): void;
  /** Replaces the output shown earlier with this display id (update_display_data). */
  update(displayId: string, data: MimeBundle): void;
  /** Clears the cell's output; with wait, only when the next output arrives (no flicker). */
  clear(wait?: boolean): void;
}

function encode(b: string | Uint8Array): string {
  return typeof b === "string" ? b : Buffer.from(b).toString("base64");
}

class DisplayImpl implements Display {
  private shown = false;

  /** With an id, the first output is display_data and each later one updates it in place. */
  constructor(private readonly id?: string) {}

  javascript(s: string) {
    this.raw("application/javascript", s);
  }
  html(s: string) {
    this.raw("text/html", s);
  }
  markdown(s: string) {
    this.raw("text/markdown", s);
  }
  latex(s: string) {
    this.raw("text/latex", s);
  }
  svg(s: string) {
    this.raw("image/svg+xml", s);
  }
  png(b: Uint8Array) {
    this.raw("image/png", b);
  }
  jpeg(b: Uint8Array) {
    this.raw("image/jpeg", b);
  }
  gif(b: Uint8Array) {
    this.raw("image/gif", b);
  }
  pdf(b: Uint8Array) {
    this.raw("application/pdf", b);
  }
  text(s: string) {
    this.raw("text/plain", s);
  }
  json(value: unknown) {
    this.bundle({ "application/json": value, "text/plain": JSON.stringify(value, null, 2) });
  }

  raw(contentType: string, b: string | Uint8Array): void {
    this.bundle({ [contentType]: encode(b) });
  }

  bundle(data: MimeBundle, options: { displayId?: string; metadata?: Record<string, unknown> } = {}): void {
    const displayId = options.displayId ?? this.id;
    const update = this.id !== undefined && this.shown;
    this.shown = true;
    outputSink().display(
      { data, metadata: options.metadata ?? {}, transient: displayId ? { display_id: displayId } : {} },
      update,
    );
  }

  update(displayId: string, data: MimeBundle): void {
    outputSink().display({ data, metadata: {}, transient: { display_id: displayId } }, true);
  }

  clear(wait = false): void {
    outputSink().clear(wait);
  }
}

/**
 * display(value) shows a value as a cell's last value would (a widget as its view); display.html(),
 * display.png() and the rest are tslab's.
 */
export type CallableDisplay = Display & ((value: unknown) => void);

function callable(impl: DisplayImpl): CallableDisplay {
  const show = (value: unknown) =>
    impl.bundle(ownMimeBundle(value) ?? { "text/plain": inspect(value, { depth: 4, maxArrayLength: 100 }) });
  const methods = Object.getOwnPropertyNames(DisplayImpl.prototype).filter((k) => k !== "constructor");
  for (const key of methods) {
    (show as unknown as Record<string, unknown>)[key] = (
      impl as unknown as Record<string, (...a: unknown[]) => unknown>
    )[key].bind(impl);
  }
  return show as CallableDisplay;
}

export const display: CallableDisplay = callable(new DisplayImpl());

/** A display that keeps one output entry and overwrites it on each call (tslab's newDisplay). */
export function newDisplay(): Display {
  return new DisplayImpl(newDisplayId());
}
