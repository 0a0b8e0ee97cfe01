import { MagicOptionError } from "../errors";

/**
 * Cell text → magic calls. Pure: no kernel state, no I/O.
 *
 * A cell whose first line starts with `%%` is a cell magic: the rest of the cell is its body.
 * Otherwise each line starting with `%` is a line magic; the other lines are TypeScript, run in
 * order between them.
 */

export interface MagicCall {
  kind: "cell" | "line";
  /** Without the percent signs, e.g. "parallel". */
  name: string;
  /** The option words after the name, split like a shell would. */
  args: string[];
  /** The text after the name, unsplit (line magics such as `%time` take code there). */
  argText: string;
  /** Cell magics: everything after the first line. Line magics: empty. */
  body: string;
  /** 0-based line of the body's first line within the cell, to report cell line numbers. */
  bodyLine: number;
  /** 0-based line of the magic itself within the cell. */
  line: number;
}

export type CellSegment = { type: "code"; code: string; line: number } | { type: "magic"; call: MagicCall };

const CELL_MAGIC = /^%%([A-Za-z_][\w-]*)(.*)$/;
const LINE_MAGIC = /^%([A-Za-z_][\w-]*)(.*)$/;

/** Splits a cell into TypeScript chunks and magic calls; a cell without magics is one code segment. */
export function parseCell(cell: string): CellSegment[] {
  const lines = cell.split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first >= 0) {
    const m = CELL_MAGIC.exec(lines[first].trim());
    if (m) {
      const call: MagicCall = {
        kind: "cell",
        name: m[1],
        args: splitArgs(m[2]),
        argText: m[2].trim(),
        body: lines.slice(first + 1).join("\n"),
        bodyLine: first + 1,
        line: first,
      };
      return [{ type: "magic", call }];
    }
  }
  const segments: CellSegment[] = [];
  let code: string[] = [];
  let codeStart = 0;
  const flush = () => {
    if (code.some((l) => l.trim() !== "")) segments.push({ type: "code", code: code.join("\n"), line: codeStart });
    code = [];
  };
  lines.forEach((text, i) => {
    const m = LINE_MAGIC.exec(text.trimStart());
    if (m && !text.trimStart().startsWith("%%")) {
      flush();
      codeStart = i + 1;
      const call: MagicCall = {
        kind: "line",
        name: m[1],
        args: [],
        argText: m[2].trim(),
        body: "",
        bodyLine: i,
        line: i,
      };
      segments.push({ type: "magic", call });
    } else {
      if (code.length === 0) codeStart = i;
      code.push(text);
    }
  });
  flush();
  return segments;
}

/** True when the cell has any magic at all (plain cells take the fast path). */
export function hasMagic(cell: string): boolean {
  return /^\s*%/m.test(cell);
}

/**
 * Shell-like word splitting: whitespace separates, single and double quotes group, backslash
 * escapes. Inside (), [] and {} nothing splits and quotes stay as written, so an expression such
 * as `--map [1, 2, 3]` or `--map Array.from({ length: 8 }, (_, i) => i)` is one word.
 */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | null = null;
  let depth = 0;
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
      quote = c;
      inWord = true;
      if (depth > 0) word += c;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c) && depth === 0) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      if ("([{".includes(c)) depth++;
      else if (")]}".includes(c) && depth > 0) depth--;
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new MagicOptionError(`unterminated ${quote} quote in the magic's options; close it or remove it.`);
  if (inWord) words.push(word);
  return words;
}

/**
 * The cell as TypeScript for completion, inspection and is_complete: magic lines become spaces of
 * the same length (so cursor offsets stay valid), except the code after `%time`/`%timeit`, which
 * stays visible.
 */
export function maskMagics(cell: string): string {
  return cell
    .split("\n")
    .map((line) => {
      const m = /^(\s*%%?)([A-Za-z_][\w-]*)(.*)$/.exec(line);
      if (!m) return line;
      if (m[1].trim() === "%" && (m[2] === "time" || m[2] === "timeit")) {
        const code = m[3].replace(/^(\s+-[nr]\s*\d+)*/, "");
        return " ".repeat(line.length - code.length) + code;
      }
      return " ".repeat(line.length);
    })
    .join("\n");
}
