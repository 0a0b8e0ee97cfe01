import { randomBytes } from "node:crypto";

/** A display's data, keyed by MIME type. */
export type MimeBundle = Record<string, unknown>;

export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  /** display_id lets update_display_data replace this output later. */
  transient?: { display_id?: string };
}

/**
 * Where a cell's output goes. The protocol handler makes one per execute request and the cell
 * runner hands it down: magics, the `display` API and console capture write through it and never
 * see sockets.
 */
export interface OutputSink {
  stream(name: "stdout" | "stderr", text: string): void;
  display(content: DisplayContent, update?: boolean): void;
  clear(wait: boolean): void;
  /** Shows a value as the cell's result (execute_result). */
  result(data: MimeBundle): void;
  /**
   * Work that completes the cell's output after its execute_reply and before its `idle`: the
   * cell is done for the user (the frontend shows its count) while a chart's PNG is still being
   * drawn, and frontends that stop reading at idle (nbclient) still receive what this sends.
   */
  afterReply(work: () => void | Promise<void>): void;
}

/**
 * afterReply for a sink that answers no request (a widget's Output, a callback's messages): the
 * work runs at once. A failure surfaces as an unhandled rejection, which the kernel reports.
 */
export function afterReplyAtOnce(work: () => void | Promise<void>): void {
  void Promise.resolve().then(work);
}

/** A fresh id for an output that will be updated in place. */
export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Objects that know how they are shown (widgets) have a method under this symbol returning their
 * MIME bundle; a cell's last value and display(value) use it instead of Node's inspect.
 */
export const MIME_BUNDLE = Symbol.for("paralab.mimeBundle");

/** The bundle an object gives for itself under MIME_BUNDLE, if it has one. */
export function ownMimeBundle(value: unknown): MimeBundle | undefined {
  if (!value || (typeof value !== "object" && typeof value !== "function")) return undefined;
  const method = (value as { [MIME_BUNDLE]?: unknown })[MIME_BUNDLE];
  return typeof method === "function" ? (method.call(value) as MimeBundle) : undefined;
}
