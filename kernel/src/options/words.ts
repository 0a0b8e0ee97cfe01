import { MagicOptionError } from "../errors";
import { isIdentifier } from "../lang/identifier";
import { closest } from "./closest";
import { HELP_OPTION, OptionSpec, OptionValue, ParsedOptions, describeType, fieldName } from "./spec";

/** One word of a magic line: its value (quotes removed) and the text as written. */
export interface Word {
  value: string;
  raw: string;
}

/**
 * Shell-like word splitting: whitespace separates, single and double quotes group, backslash
 * escapes. Inside (), [] and {} nothing splits and quotes stay as written, so an expression such
 * as `--map [1, 2, 3]` or `--map Array.from({ length: 8 }, (_, i) => i)` is one word.
 */
export function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let word = "";
  let inWord = false;
  let startAt = 0;
  let quote: string | null = null;
  let depth = 0;
  const end = (i: number) => {
    if (inWord) words.push({ value: word, raw: text.slice(startAt, i) });
    word = "";
    inWord = false;
  };
  const begin = (i: number) => {
    if (!inWord) startAt = i;
    inWord = true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) {
        quote = null;
        if (depth > 0) word += c;
      } else if (c === "\\" && i + 1 < text.length) {
        word += depth > 0 ? c + text[++i] : text[++i];
      } else word += c;
    } else if (c === "'" || c === '"' || (c === "`" && depth > 0)) {
      begin(i);
      quote = c;
      if (depth > 0) word += c;
    } else if (c === "\\" && i + 1 < text.length) {
      begin(i);
      word += text[++i];
    } else if (/\s/.test(c) && depth === 0) {
      end(i);
    } else {
      begin(i);
      if ("([{".includes(c)) depth++;
      else if (")]}".includes(c) && depth > 0) depth--;
      word += c;
    }
  }
  if (quote) throw new MagicOptionError(`unterminated ${quote} quote in the magic's options; close it or remove it.`);
  end(text.length);
  return words;
}

/** The words' values, as a shell would pass them. */
export function splitArgs(text: string): string[] {
  return splitWords(text).map((w) => w.value);
}

/**
 * Parses a magic's option words against its declarations; throws MagicOptionError naming the bad
 * option and the valid ones. An `expression` value runs to the next option and keeps its quotes,
 * so `--map new Set([1, 2])` and `--map 'abc'` mean what they say in TypeScript.
 */
export function parseOptions(magic: string, input: readonly (Word | string)[], specs: readonly OptionSpec[]) {
  const words = input.map((w) => (typeof w === "string" ? { value: w, raw: w } : w));
  const all = [...specs, HELP_OPTION];
  const out: ParsedOptions = {};
  /** The option whose value was the word just before, for "put the value in quotes". */
  let valueOf: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i].value;
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const name = eq > 0 ? word.slice(0, eq) : word;
    const spec = all.find((s) => s.flag === name || s.short === name);
    if (!spec) throw unknownWord(magic, word, name, all, valueOf);
    valueOf = undefined;
    const key = fieldName(spec.flag);
    if (key in out) throw new MagicOptionError(`${magic}: ${spec.flag} is given twice; give it once.`);
    if (spec.type === "flag") {
      if (eq > 0) throw new MagicOptionError(`${magic}: ${spec.flag} is a flag and takes no value.`);
      out[key] = true;
      continue;
    }
    if (spec.type === "optionalString" && eq < 0 && (i + 1 >= words.length || isOptionWord(words[i + 1].value))) {
      out[key] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq > 0) raw = word.slice(eq + 1);
    else if (spec.type === "expression") {
      const parts: string[] = [];
      while (i + 1 < words.length && !isOptionWord(words[i + 1].value)) parts.push(words[++i].raw);
      raw = parts.length ? parts.join(" ") : undefined;
    } else if (i + 1 < words.length && !isOptionWord(words[i + 1].value)) raw = words[++i].value;
    if (raw === undefined) {
      throw new MagicOptionError(
        `${magic}: ${spec.flag} needs a value (${describeType(spec)}).${tryHint(magic, spec)}`,
      );
    }
    out[key] = parseValue(magic, spec, raw);
    if (eq < 0) valueOf = spec.flag;
  }
  return out;
}

function isOptionWord(word: string): boolean {
  return /^--?[A-Za-z]/.test(word);
}

function unknownWord(magic: string, word: string, name: string, all: OptionSpec[], valueOf?: string) {
  if (!word.startsWith("-")) {
    const quote = valueOf
      ? ` If it belongs to ${valueOf}'s value, put the value in quotes: ${valueOf} "… ${word}".`
      : "";
    return new MagicOptionError(
      `${magic}: unexpected argument "${word}". Options are written --name value;${quote} valid options: ${listFlags(all)}.`,
    );
  }
  const guess = closest(
    name,
    all.map((s) => s.flag),
  );
  return new MagicOptionError(
    `${magic}: unknown option ${name}.${guess ? ` Did you mean ${guess}?` : ""} Valid options: ${listFlags(all)}.`,
  );
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
    case "expression":
    case "optionalString":
      if (raw.trim() === "") throw bad("a non-empty value");
      return raw;
    case "choice":
      if (!spec.choices?.includes(raw)) throw bad(`one of ${spec.choices?.join(", ")}`);
      return raw;
    case "list": {
      const items = raw.split(",").map((s) => s.trim());
      if (!items.every(isIdentifier)) throw bad("a comma-separated list of variable names");
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
        if (extra.length || !isIdentifier(k?.trim() ?? "") || v === undefined || !Number.isFinite(n)) {
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

function tryHint(magic: string, spec: OptionSpec): string {
  return spec.example ? ` Try: ${magic} ${spec.flag} ${spec.example}` : "";
}

function listFlags(specs: readonly OptionSpec[]): string {
  return specs.map((s) => s.flag).join(", ");
}
