import { MagicOptionError } from "../errors";

/**
 * Option specs, declared once with their help text and shared by magics and their --help
 * (like ipyparallel's exec_args decorators). A flag and its parsed field share a name:
 * `--no-block` ↔ `noBlock`.
 */
export type OptionType = "flag" | "int" | "number" | "string" | "list" | "intList" | "choice" | "keyValues";

export interface OptionSpec {
  flag: string; // e.g. "--workers"
  short?: string; // e.g. "-n"
  type: OptionType;
  metavar?: string;
  choices?: readonly string[];
  /** For int and intList: the smallest value allowed. */
  min?: number;
  help: string;
  /** Example value used in error messages ("Try: ..."). */
  example?: string;
}

export type OptionValue = boolean | number | string | string[] | number[] | Record<string, number>;
export type ParsedOptions = Record<string, OptionValue>;

export const HELP_OPTION: OptionSpec = { flag: "--help", type: "flag", help: "show this help and exit" };

export function fieldName(flag: string): string {
  return flag.replace(/^-+/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Parses option words against the specs; throws MagicOptionError naming the bad option. */
export function parseOptions(magic: string, args: string[], specs: readonly OptionSpec[]): ParsedOptions {
  const all = [...specs, HELP_OPTION];
  const out: ParsedOptions = {};
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const name = eq > 0 ? word.slice(0, eq) : word;
    const spec = all.find((s) => s.flag === name || s.short === name);
    if (!spec) {
      if (!word.startsWith("-")) {
        throw new MagicOptionError(
          `${magic}: unexpected argument "${word}". Options are written --name value; valid options: ${listFlags(all)}.`,
        );
      }
      const guess = closest(
        name,
        all.map((s) => s.flag),
      );
      throw new MagicOptionError(
        `${magic}: unknown option ${name}.${guess ? ` Did you mean ${guess}?` : ""} Valid options: ${listFlags(all)}.`,
      );
    }
    const key = fieldName(spec.flag);
    if (key in out) throw new MagicOptionError(`${magic}: ${spec.flag} is given twice; give it once.`);
    if (spec.type === "flag") {
      if (eq > 0) throw new MagicOptionError(`${magic}: ${spec.flag} is a flag and takes no value.`);
      out[key] = true;
      continue;
    }
    const raw = eq > 0 ? word.slice(eq + 1) : args[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith("--"))) {
      throw new MagicOptionError(`${magic}: ${spec.flag} needs a value (${describe(spec)}).${tryHint(magic, spec)}`);
    }
    out[key] = parseValue(magic, spec, raw);
  }
  return out;
}

function parseValue(magic: string, spec: OptionSpec, raw: string): OptionValue {
  const bad = (what: string) =>
    new MagicOptionError(`${magic}: ${spec.flag} must be ${what}, got "${raw}".${tryHint(magic, spec)}`);
  const min = spec.min ?? 1;
  switch (spec.type) {
    case "int": {
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw) || n < min) throw bad(min === 1 ? "a positive integer" : `an integer ≥ ${min}`);
      return n;
    }
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n) || n <= 0) throw bad("a positive number");
      return n;
    }
    case "string":
      if (raw === "") throw bad("a non-empty value");
      return raw;
    case "choice":
      if (!spec.choices?.includes(raw)) throw bad(`one of ${spec.choices?.join(", ")}`);
      return raw;
    case "list": {
      const items = raw.split(",").map((s) => s.trim());
      if (items.some((s) => !/^[A-Za-z_$][\w$]*$/.test(s))) throw bad("a comma-separated list of variable names");
      return items;
    }
    case "intList": {
      const items = raw.split(",").map((s) => s.trim());
      if (items.some((s) => !/^\d+$/.test(s) || Number(s) < min))
        throw bad("a comma-separated list of positive integers");
      return items.map(Number);
    }
    case "keyValues": {
      const result: Record<string, number> = {};
      for (const pair of raw.split(",")) {
        const [k, v, ...extra] = pair.split("=");
        const n = Number(v);
        if (extra.length || !/^[A-Za-z_$][\w$]*$/.test(k?.trim() ?? "") || v === undefined || !Number.isFinite(n)) {
          throw bad("comma-separated name=number pairs");
        }
        result[k.trim()] = n;
      }
      return result;
    }
    case "flag":
      return true;
  }
}

function describe(spec: OptionSpec): string {
  return spec.choices ? `one of ${spec.choices.join(", ")}` : (spec.metavar ?? spec.type);
}

function tryHint(magic: string, spec: OptionSpec): string {
  return spec.example ? ` Try: ${magic} ${spec.flag} ${spec.example}` : "";
}

function listFlags(specs: readonly OptionSpec[]): string {
  return specs.map((s) => s.flag).join(", ");
}

/** The most similar flag within edit distance 2, for "Did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Usage text for --help, generated from the same specs the parser uses. */
export function formatUsage(
  magic: string,
  synopsis: string,
  description: string,
  specs: readonly OptionSpec[],
): string {
  const all = [...specs, HELP_OPTION];
  const left = all.map((s) => {
    const names = s.short ? `${s.short}, ${s.flag}` : s.flag;
    return s.type === "flag" ? names : `${names} ${s.metavar ?? s.choices?.join("|") ?? s.type.toUpperCase()}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const rows = all.map((s, i) => `  ${left[i].padEnd(width)}${s.help}`);
  return [`Usage: ${magic} ${synopsis}`, "", description, "", "Options:", ...rows].join("\n");
}
