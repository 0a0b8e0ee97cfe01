import { MagicOptionError } from "../errors";
import { isIdentifier } from "../lang/identifier";
import { closest } from "./closest";
import { ApiOptionsOf, OptionSpec, OptionValue, ParsedOptions, fieldName } from "./spec";

/**
 * Checks an options object of the programmatic API (`parallel.map(fn, xs, { workers: 4 })`)
 * against the same declarations as the magic's words, so that both accept the same values and
 * fail with the same kind of message, naming `options.field` and its flag.
 */
export function checkOptionsObject<const S extends readonly OptionSpec[]>(
  api: string,
  given: unknown,
  specs: S,
): ApiOptionsOf<S>;
// Each value is checked against its declaration below, which is what makes the typed result true.
export function checkOptionsObject(api: string, given: unknown, specs: readonly OptionSpec[]): ParsedOptions {
  if (given === undefined) return {};
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw new MagicOptionError(`${api}: options must be an object such as { workers: 4 }, got ${describe(given)}.`);
  }
  const usable = specs.filter((s) => !s.magicOnly);
  const byField = new Map(usable.map((s) => [fieldName(s.flag), s]));
  const out: ParsedOptions = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = byField.get(key);
    if (!spec) {
      const guess = closest(key, [...byField.keys()]);
      throw new MagicOptionError(
        `${api}: unknown option ${key}.${guess ? ` Did you mean ${guess}?` : ""} Valid options: ${[...byField.keys()].join(", ")}.`,
      );
    }
    out[key] = checkValue(api, key, spec, value);
  }
  return out;
}

function checkValue(api: string, key: string, spec: OptionSpec, value: unknown): OptionValue {
  const bad = (what: string) =>
    new MagicOptionError(
      `${api}: options.${key} must be ${what}, got ${describe(value)}.${spec.example ? ` Try: { ${key}: ${example(spec)} }` : ""}`,
    );
  const min = spec.min ?? 1;
  const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= min;
  switch (spec.type) {
    case "flag":
      if (typeof value !== "boolean") throw bad("true or false");
      return value;
    case "int":
      if (!isInt(value)) throw bad(min === 1 ? "a positive integer" : `an integer ≥ ${min}`);
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw bad("a positive number");
      return value;
    case "string":
    case "expression":
      if (typeof value !== "string" || value.trim() === "") throw bad("a non-empty string");
      return value;
    case "optionalString":
      if (typeof value !== "boolean" && (typeof value !== "string" || value.trim() === ""))
        throw bad(`true, false or a non-empty string`);
      return value;
    case "choice":
      if (typeof value !== "string" || !spec.choices?.includes(value)) throw bad(`one of ${spec.choices?.join(", ")}`);
      return value;
    case "list":
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && isIdentifier(v)))
        throw bad("an array of variable names");
      return value as string[];
    case "intList":
      if (!Array.isArray(value) || value.length === 0 || !value.every(isInt))
        throw bad("an array of positive integers");
      return value as number[];
    case "keyValues": {
      const entries = value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : undefined;
      if (!entries?.every(([k, v]) => isIdentifier(k) && typeof v === "number" && Number.isFinite(v)))
        throw bad("an object of name: number pairs");
      return value as Record<string, number>;
    }
  }
}

function example(spec: OptionSpec): string {
  const e = spec.example ?? "";
  if (spec.type === "intList") return `[${e}]`;
  if (spec.type === "list")
    return `[${e
      .split(",")
      .map((s) => JSON.stringify(s))
      .join(", ")}]`;
  if (spec.type === "string" || spec.type === "expression" || spec.type === "choice" || spec.type === "optionalString")
    return JSON.stringify(e);
  return e;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return "an object";
  return String(value);
}
