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
}

/** A fresh id for an output that will be updated in place. */
export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}
