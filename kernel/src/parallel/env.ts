import type { KernelCode } from "../executor/kernel-code";
import type { OutputSink } from "../output";
import type { RunObserver } from "../monitor/observer";
import type { Runners } from "./runners";

/**
 * What running a plan needs from the cell that asked: where output goes, the stop button, the
 * kernel's variables, the runners and who watches. The kernel's per-cell scope provides it.
 */
export interface ParallelEnv {
  readonly sink: OutputSink;
  /** Aborted when the user interrupts the cell. */
  readonly signal: AbortSignal;
  readonly code: KernelCode;
  readonly runners: Runners;
  readonly observer: RunObserver;
  /** Shows a value as the cell's result, the way a plain cell shows its last expression. */
  showValue(value: unknown): void;
  /**
   * Where output can go at this moment: the sink of the cell running now, or undefined between
   * cells (a frontend drops output addressed to a cell that has finished).
   */
  outputNow(): OutputSink | undefined;
}
