import { DisplayContent, MimeBundle } from "./protocol/messages";

/**
 * Where a cell's output goes. The protocol handler provides one per execute request; the
 * `display` API, console capture and magics write through it and never see sockets.
 */
export interface OutputSink {
  stream(name: "stdout" | "stderr", text: string): void;
  display(content: DisplayContent, update?: boolean): void;
  clear(wait: boolean): void;
  /** Shows a value as the cell's result (execute_result). */
  result(data: MimeBundle): void;
}

let current: OutputSink | undefined;

export function setOutputSink(sink: OutputSink | undefined): void {
  current = sink;
}

export function outputSink(): OutputSink {
  if (!current) throw new Error("paralab: display is only available while a cell runs in the paralab kernel");
  return current;
}
