import { inspect } from "node:util";
import { enterCell, outputCell, runningCell } from "../cell/current";
import type { CellScope } from "../cell/scope";
import { afterReplyAtOnce, OutputSink, ownMimeBundle } from "../output";
import { describeThrown } from "../transfer/thrown";

/**
 * Runs code that the frontend started (a widget's observer, a button's click, a comm message)
 * as if in a cell: parallel.map, display and the rest need one. Between cells the scope is the
 * last cell's, with its own stop signal (the last cell's may have fired) and `sink` if given.
 * An error is written to that scope's stderr and not thrown further: the frontend that sent the
 * message has nobody waiting for it.
 */
export async function inCallbackScope(what: string, work: () => Promise<void>, sink?: OutputSink): Promise<void> {
  if (runningCell()) return reportErrors(runningCell()!, what, work);
  const base = outputCell(what);
  const controller = new AbortController();
  const scope = sink ? { ...base, sink, outputNow: () => sink, showValue: (v: unknown) => showIn(sink, v) } : base;
  const leave = enterCell({ ...scope, signal: controller.signal });
  const restoreConsole = sink ? captureConsoleInto(sink) : () => undefined;
  try {
    await reportErrors(scope, what, work);
  } finally {
    restoreConsole();
    leave();
    restoreLast(base);
  }
}

/**
 * Output sent with the frontend's message that started a callback (its parent): JupyterLab's
 * widget manager shows it in the Log Console, as it does for ipywidgets' callbacks.
 */
export function messageSink(publish: (msgType: string, content: unknown) => void): OutputSink {
  return {
    stream: (name, text) => publish("stream", { name, text }),
    display: (c, update) =>
      publish(update ? "update_display_data" : "display_data", {
        data: c.data,
        metadata: c.metadata ?? {},
        transient: c.transient ?? {},
      }),
    clear: (wait) => publish("clear_output", { wait }),
    result: (data) => publish("display_data", { data, metadata: {}, transient: {} }),
    afterReply: afterReplyAtOnce,
  };
}

/** Runs `work` with `sink` as where the cell's output goes (Output.capture); returns its value. */
export async function withSink<T>(sink: CellScope["sink"], what: string, work: () => T | Promise<T>): Promise<T> {
  const base = runningCell() ?? outputCell(what);
  const leave = enterCell({
    ...base,
    sink,
    outputNow: () => sink,
    showValue: (value) => showIn(sink, value),
  });
  try {
    return await work();
  } finally {
    leave();
    restoreLast(base);
  }
}

/** enterCell makes its scope the "last cell" too; put back the one that was. */
function restoreLast(scope: CellScope): void {
  enterCell(scope)();
}

async function reportErrors(scope: CellScope, what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : describeThrown(e);
    scope.sink.stream("stderr", `${what} failed: ${text}\n`);
  }
}

function showIn(sink: CellScope["sink"], value: unknown): void {
  if (value === undefined) return;
  sink.result(ownMimeBundle(value) ?? { "text/plain": inspect(value, { depth: 4, maxArrayLength: 100 }) });
}

/**
 * console.log and process.stdout writes go to `sink` until the returned function is called.
 * A cell may start or end meanwhile (interact's runs do not hold the kernel) and swap the streams
 * itself, so the end restores only its own redirect, and a redirect still installed after its end
 * passes writes on to what it replaced.
 */
export function captureConsoleInto(sink: OutputSink): () => void {
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  let active = true;
  const redirect = (name: "stdout" | "stderr") =>
    function (this: unknown, chunk: unknown, encodingOrCb?: unknown, cb?: unknown): boolean {
      if (!active) return (original[name] as (...a: unknown[]) => boolean).call(process[name], chunk, encodingOrCb, cb);
      sink.stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
      if (typeof done === "function") (done as () => void)();
      return true;
    } as typeof process.stdout.write;
  const mine = { stdout: redirect("stdout"), stderr: redirect("stderr") };
  process.stdout.write = mine.stdout;
  process.stderr.write = mine.stderr;
  return () => {
    active = false;
    if (process.stdout.write === mine.stdout) process.stdout.write = original.stdout;
    if (process.stderr.write === mine.stderr) process.stderr.write = original.stderr;
  };
}
