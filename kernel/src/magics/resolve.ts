import { MagicOptionError } from "../errors";
import { closest } from "../options/closest";
import { ParsedOptions } from "../options/spec";
import { formatUsage } from "../options/usage";
import { Word, parseOptions, splitWords } from "../options/words";
import { MagicCall } from "./parse";
import { Magic, magicLabel } from "./registry";

export interface ResolvedMagic {
  magic: Magic;
  /** For line magics that take code (%time), the call's body is that code. */
  call: MagicCall;
  options: ParsedOptions;
  /** Words that are not options, for magics that take them (%workers 4). */
  positional: string[];
  /** Set when --help was given: print this and run nothing. */
  help?: string;
}

/**
 * Finds the magic and parses its options, the same way for every magic; throws MagicOptionError
 * before anything runs.
 */
export function resolveMagic(call: MagicCall, magics: readonly Magic[]): ResolvedMagic {
  const label = magicLabel(call);
  const magic = findMagic(call, magics);
  let resolved: MagicCall = call;
  let words: Word[];
  const positional: string[] = [];
  if (magic.positional === "code" && call.kind === "line") {
    const { optionWords, rest } = leadingOptions(call.argText, magic);
    words = optionWords;
    resolved = { ...call, body: rest };
  } else {
    words = splitWords(call.argText);
    if (magic.positional === "words") {
      // A word is positional unless it is an option or the value of the option before it (%workers --memory 2048).
      let takesValue = false;
      words = words.filter((w) => {
        const isOption = w.value.startsWith("-");
        const keep = isOption || takesValue;
        const spec = isOption ? magic.options.find((s) => s.flag === w.value || s.short === w.value) : undefined;
        takesValue = spec !== undefined && spec.type !== "flag";
        if (!keep) positional.push(w.value);
        return keep;
      });
    }
  }
  if (words.some((w) => w.value === "--help")) {
    const help = formatUsage(label, magic.synopsis, magic.description, magic.options);
    return { magic, call: resolved, options: {}, positional, help };
  }
  return { magic, call: resolved, options: parseOptions(label, words, magic.options), positional };
}

function findMagic(call: MagicCall, magics: readonly Magic[]): Magic {
  const label = magicLabel(call);
  const magic = magics.find((m) => m.name === call.name && m.kinds.includes(call.kind));
  if (magic) return magic;
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

/** Splits "-n 10 -r 3 code..." into option words and the code after them. */
function leadingOptions(text: string, magic: Magic): { optionWords: Word[]; rest: string } {
  const optionWords: Word[] = [];
  let rest = text.trimStart();
  for (;;) {
    const m = /^(-{1,2}[\w-]+)(?:\s+|$)/.exec(rest);
    if (!m) break;
    const flag = m[1];
    const spec = magic.options.find((s) => s.flag === flag || s.short === flag);
    if (!spec && flag !== "--help" && !flag.startsWith("--")) break; // e.g. %time -x, code
    rest = rest.slice(m[0].length);
    optionWords.push({ value: flag, raw: flag });
    if (!spec || spec.type === "flag") continue;
    const value = /^(\S+)\s*/.exec(rest);
    if (value) {
      optionWords.push(...splitWords(value[1]));
      rest = rest.slice(value[0].length);
    }
  }
  return { optionWords, rest };
}
