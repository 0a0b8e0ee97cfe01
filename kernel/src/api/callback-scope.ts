import { inspect } from "node:util";
import { enterCell, outputCell, runningCell } from "../cell/current";
import type { CellScope } from "../cell/scope";
import { ownMimeBundle } from "../output";
import { describeThrown } from "../transfer/thrown";

/**
 * Runs code that the frontend started (a widget's observer, a button's click, a comm message)
 * as if in a cell: parallel.map, display and the rest need one. Between cells the scope is the
 * last cell's, with its own stop signal (the last cell's may have fired) and `sink` if given.
 * An error is written to that scope's stderr and not thrown further: the frontend that sent the
 * message has nobody waiting for it.
 */
export async function inCallbackScope(what: string, work: () => Promise<void>): Promise<void> {
  if (runningCell()) return reportErrors(runningCell()!, what, work);
  const base = outputCell(what);
  const controller = new AbortController();
  const leave = enterCell({ ...base, signal: controller.signal });
  try {
    await reportErrors(base, what, work);
  } finally {
    leave();
    restoreLast(base);
  }
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
