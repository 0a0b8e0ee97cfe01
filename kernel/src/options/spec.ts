/**
 * Option declarations, written once with their help text and read by the magic parser, the
 * programmatic API's checker, --help and "Did you mean" (like ipyparallel's exec_args
 * decorators). A flag and its field share a name: `--no-block` ↔ `noBlock`.
 */
/**
 * `expression`: TypeScript evaluated in the kernel, kept as written (quotes included).
 * `optionalString`: a flag that may take a value (`--cluster` or `--cluster URL`): true, or the string.
 */
export type OptionType =
  "flag" | "int" | "number" | "string" | "expression" | "list" | "intList" | "choice" | "keyValues" | "optionalString";

export interface OptionSpec {
  flag: string; // e.g. "--workers"
  short?: string; // e.g. "-n"
  type: OptionType;
  metavar?: string;
  choices?: readonly string[];
  /** For int and intList: the smallest value allowed (default 1). */
  min?: number;
  help: string;
  /** Example value used in error messages ("Try: ..."). */
  example?: string;
  /** Only for the magic's words, not an options object (e.g. --help). */
  magicOnly?: boolean;
}

export type OptionValue = boolean | number | string | string[] | number[] | Record<string, number>;
export type ParsedOptions = Record<string, OptionValue>;

export const HELP_OPTION: OptionSpec = {
  flag: "--help",
  type: "flag",
  help: "show this help and exit",
  magicOnly: true,
};

/** `--no-block` → `noBlock`. */
export function fieldName(flag: string): string {
  return flag.replace(/^-+/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function describeType(spec: OptionSpec): string {
  return spec.choices ? `one of ${spec.choices.join(", ")}` : (spec.metavar ?? spec.type);
}
