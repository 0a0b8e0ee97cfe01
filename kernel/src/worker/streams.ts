/**
 * Sends everything written to process.stdout/stderr inside the worker (console.log included) to
 * the pool as it happens, instead of to the worker's own file descriptors.
 */
import type { StreamMessage } from "../run/messages";

type Write = (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;

export function captureStreams(send: (msg: StreamMessage) => void): void {
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    const write: Write = (chunk, encoding, cb) => {
      const text =
        typeof chunk === "string"
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString(
              typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
            );
      try {
        send({ type: "stream", name, text });
      } catch {
        // channel closed: nowhere to write
      }
      const done = typeof encoding === "function" ? encoding : cb;
      if (typeof done === "function") queueMicrotask(() => (done as () => void)());
      return true;
    };
    (stream as unknown as { write: Write }).write = write;
  }
}
