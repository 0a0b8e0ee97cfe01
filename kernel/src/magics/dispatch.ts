import { MagicOptionError } from "../errors";
import { MagicCall, splitArgs } from "./parse";
import { ParsedOptions, closest, formatUsage, parseOptions } from "./options";
import { Magic, magicLabel } from "./registry";

export interface ResolvedMagic {
  magic: Magic;
  /** For line magics that take code (%time), the call's body is that code. */
  call: MagicCall;
  options: ParsedOptions;
  /** Set when --help was given: print this and run nothing. */
  help?: string;
}

/** Finds the magic and parses its options; throws MagicOptionError before anything runs. */
export function resolveMagic(call: MagicCall, magics: readonly Magic[]): ResolvedMagic {
  const label = magicLabel(call);
  const magic = magics.find((m) => m.name === call.name && m.kinds.includes(call.kind));
  if (!magic) {
    const sameName = magics.find((m) => m.name === call.name);
    if (sameName) {
      const other = call.kind === "cell" ? `%${call.name}` : `%%${call.name}`;
      throw new MagicOptionError(`${label} is not a ${call.kind} magic; write it as ${other}.`);
    }
    const all = magics.flatMap((m) => m.kinds.map((k) => (k === "cell" ? "%%" : "%") + m.name));
    const guess = closest(label, all);
    throw new MagicOptionError(
      `unknown magic ${label}.${guess ? ` Did you mean ${guess}?` : ""} Magics: ${all.join(", ")} (see %lsmagic).`,
    );
  }
  let resolved: MagicCall = call;
  let words = call.args;
  if (magic.rawArgs && call.kind === "line") {
    const { optionWords, rest } = leadingOptions(call.argText, magic);
    words = optionWords;
    resolved = { ...call, body: rest };
  }
  if (words.includes("--help")) {
    return {
      magic,
      call: resolved,
      options: {},
      help: formatUsage(label, magic.synopsis, magic.description, magic.options),
    };
  }
  return { magic, call: resolved, options: parseOptions(label, words, magic.options) };
}

/** Splits "-n 10 -r 3 code..." into option words and the code after them. */
function leadingOptions(text: string, magic: Magic): { optionWords: string[]; rest: string } {
  const optionWords: string[] = [];
  let rest = text.trimStart();
  for (;;) {
    const m = /^(-{1,2}[\w-]+)(?:\s+|$)/.exec(rest);
    if (!m) break;
    const spec = magic.options.find((s) => s.flag === m[1] || s.short === m[1]);
    if (m[1] === "--help") {
      optionWords.push("--help");
      rest = rest.slice(m[0].length);
      continue;
    }
    if (!spec) {
      if (magic.options.length === 0 && !m[1].startsWith("--")) break; // e.g. %time -x, code
      optionWords.push(m[1]);
      rest = rest.slice(m[0].length);
      continue;
    }
    rest = rest.slice(m[0].length);
    if (spec.type === "flag") {
      optionWords.push(m[1]);
      continue;
    }
    const value = /^(\S+)\s*/.exec(rest);
    optionWords.push(m[1], ...(value ? splitArgs(value[1]) : []));
    rest = value ? rest.slice(value[0].length) : rest;
  }
  return { optionWords, rest };
}
