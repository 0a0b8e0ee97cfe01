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

type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
/** The field of a flag, as a type: `"--no-block"` → `"noBlock"` (fieldName does it to values). */
export type FieldOf<Flag extends string> = CamelCase<Flag extends `--${infer R}` ? R : Flag>;
/** What a parser gives for one option; a choice gives one of its choices. */
export type ValueOf<S extends OptionSpec> = S extends { type: "choice"; choices: readonly (infer C extends string)[] }
  ? C
  : ValueOfType<S["type"]>;
type ValueOfType<T extends OptionType> = T extends "flag"
  ? boolean
  : T extends "int" | "number"
    ? number
    : T extends "string" | "expression" | "choice"
      ? string
      : T extends "list"
        ? string[]
        : T extends "intList"
          ? number[]
          : T extends "keyValues"
            ? Record<string, number>
            : boolean | string;
/**
 * The options a parser gives for declarations declared `as const`, field by field: for
 * PARALLEL_OPTIONS, `{ workers?: number; schedule?: "dynamic" | "static"; ... }`. For a plain
 * `OptionSpec[]` it is ParsedOptions.
 */
export type OptionsOf<S extends readonly OptionSpec[]> = string extends S[number]["flag"]
  ? ParsedOptions
  : { [E in S[number] as FieldOf<E["flag"]>]?: ValueOf<E> };
/** The same, without the options only the magic's words take (what an options object may hold). */
export type ApiOptionsOf<S extends readonly OptionSpec[]> = string extends S[number]["flag"]
  ? ParsedOptions
  : { [E in S[number] as E extends { magicOnly: true } ? never : FieldOf<E["flag"]>]?: ValueOf<E> };

/** The declarations of `flags`, in their order in `specs`, with their literal types kept. */
export function pickOptions<const S extends readonly OptionSpec[], const F extends S[number]["flag"]>(
  specs: S,
  flags: readonly F[],
): Extract<S[number], { flag: F }>[] {
  return specs.filter((s): s is Extract<S[number], { flag: F }> => flags.some((f) => f === s.flag));
}

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
