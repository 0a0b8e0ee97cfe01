import type { Sampler } from "../monitor/sampler";
import type { ParallelEnv } from "../parallel/env";

/**
 * Everything one execute request may use, made by the cell runner when the cell starts and
 * dropped when it ends: the output sink, the stop button, stdin, the kernel's code and runners.
 * Magics receive it as an argument; the `paralab` module's functions find it through
 * cell/current.ts, because cells call them without a handle on the kernel.
 */
export interface CellScope extends ParallelEnv {
  readonly sampler: Sampler;
  /** Asks the frontend for a line of text (stdin input_request); rejects when the frontend cannot. */
  input(prompt: string, password: boolean): Promise<string>;
  /**
   * Runs `task` beside the rest of the cell; the cell ends when both have. `rest` resolves when
   * the rest of the cell has finished (e.g. %monitor samples while the code below it runs).
   */
  background(task: (rest: Promise<void>) => Promise<void>): void;
}
