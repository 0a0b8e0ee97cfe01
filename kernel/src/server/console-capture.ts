import { OutputSink } from "../output";

/**
 * Sends what the process writes to stdout/stderr while a cell runs into the cell's output
 * (console.log in cells ends up here). Returns a function that restores the streams.
 */
export function captureConsole(sink: OutputSink): () => void {
  const out = process.stdout.write;
  const err = process.stderr.write;
  const redirect = (name: "stdout" | "stderr") =>
    function (chunk: unknown, encodingOrCb?: unknown, cb?: unknown): boolean {
      const text =
        typeof chunk === "string"
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString(
              typeof encodingOrCb === "string" ? (encodingOrCb as BufferEncoding) : "utf8",
            );
      sink.stream(name, text);
      const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
      if (typeof done === "function") (done as () => void)();
      return true;
    } as typeof process.stdout.write;
  process.stdout.write = redirect("stdout");
  process.stderr.write = redirect("stderr");
  return () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };
}
