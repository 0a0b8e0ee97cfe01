import type { CellScope } from "./scope";

/**
 * The cell running now. Set by the kernel's cell runner around each execute and read only by the
 * `paralab` module's functions (display, input, parallel.map, ...): everything else receives its
 * scope as an argument.
 */
let current: CellScope | undefined;
/** Output from timers after their cell ended goes to the last cell, as IPython's does. */
let last: CellScope | undefined;

/** Makes `scope` current until the returned function is called. */
export function enterCell(scope: CellScope): () => void {
  const previous = current;
  current = scope;
  last = scope;
  return () => {
    current = previous;
  };
}

/** The running cell's scope; `what` names the caller in the error when there is none. */
export function currentCell(what: string): CellScope {
  if (!current) throw new Error(`paralab: ${what} works only while a cell runs in the paralab kernel.`);
  return current;
}

/** The cell running now, if any. */
export function runningCell(): CellScope | undefined {
  return current;
}

/** Where display output goes: the running cell, else the one that ran last. */
export function outputCell(what: string): CellScope {
  return current ?? last ?? currentCell(what);
}

/** True inside a paralab worker, where cells' functions run without a kernel. */
export function inWorker(): boolean {
  return Boolean((globalThis as { __paralabShared?: unknown }).__paralabShared);
}
