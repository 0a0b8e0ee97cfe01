import type { CellScope } from "../cell/scope";
import type { OptionSpec, ParsedOptions } from "../options/spec";
import type { MagicCall } from "./parse";

/** What a magic may use while it runs: its cell's scope, and where it stands in the cell. */
export interface MagicContext extends CellScope {
  /** True when more code or magics follow this line magic in the same cell. */
  readonly followedByCode: boolean;
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
  /**
   * Words after the options that are not options: `code` (%time takes the rest of the line as
   * code), `words` (%workers 4, %workers restart). Without it, every word must be an option.
   */
  positional?: "code" | "words";
  run(call: MagicCall, options: ParsedOptions, ctx: MagicContext, positional: string[]): Promise<void>;
}

export function magicLabel(call: Pick<MagicCall, "kind" | "name">): string {
  return `${call.kind === "cell" ? "%%" : "%"}${call.name}`;
}
