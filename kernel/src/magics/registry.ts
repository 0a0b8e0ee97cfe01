import { CellExecutor } from "../executor/executor";
import { OutputSink } from "../output";
import { MagicCall } from "./parse";
import { OptionSpec, ParsedOptions } from "./options";

/** What a magic may use while it runs: the cell's output, the kernel's executor, the stop button. */
export interface MagicContext {
  sink: OutputSink;
  /** Aborted when the user interrupts the cell. */
  signal: AbortSignal;
  executor: CellExecutor;
  /** Shows a value as the cell's result, the way a plain cell shows its last expression. */
  showValue(value: unknown): void;
  /** Every registered magic, for %lsmagic. */
  magics: readonly Magic[];
  /** True when more code or magics follow this line magic in the same cell. */
  followedByCode: boolean;
  /**
   * Runs `task` beside the rest of the cell; the cell ends when both have. `rest` resolves when
   * the rest of the cell has finished (e.g. %monitor samples while the code below it runs).
   */
  background(task: (rest: Promise<void>) => Promise<void>): void;
}

export interface Magic {
  name: string;
  /** "cell" magics take the cell body (%%name), "line" magics one line (%name). */
  kinds: readonly ("cell" | "line")[];
  summary: string;
  /** After the magic's name in the usage line, e.g. "[--workers N] [--map EXPR]". */
  synopsis: string;
  description: string;
  options: readonly OptionSpec[];
  /** Line magics that take code or words after the name (like %time) parse argText themselves. */
  rawArgs?: boolean;
  run(call: MagicCall, options: ParsedOptions, ctx: MagicContext): Promise<void>;
}

export function magicLabel(call: Pick<MagicCall, "kind" | "name">): string {
  return `${call.kind === "cell" ? "%%" : "%"}${call.name}`;
}
