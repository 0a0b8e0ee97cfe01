import { MagicContext } from "../magics/registry";
import { ParallelSession } from "../parallel/session";

/**
 * The kernel this process serves and the cell running now, for the `paralab` module's
 * programmatic API (parallel.map, ...), which cells call without a handle on the kernel.
 */
let session: ParallelSession | undefined;
let cell: MagicContext | undefined;

export function setKernelSession(s: ParallelSession): void {
  session = s;
}

export function setCurrentCell(ctx: MagicContext | undefined): void {
  cell = ctx;
}

export function currentKernel(what: string): { session: ParallelSession; ctx: MagicContext } {
  if (!session || !cell) throw new Error(`paralab: ${what} needs a cell running in the paralab kernel`);
  return { session, ctx: cell };
}
