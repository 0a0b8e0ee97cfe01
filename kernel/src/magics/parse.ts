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
  /** The text after the name: options, or for `%time` the code to time. */
  argText: string;
  /** Cell magics: everything after the first line. Line magics: empty. */
  body: string;
  /** 1-based cell line of the body's first line (cell magics), for error messages. */
  bodyLine: number;
  /** 1-based cell line of the magic itself. */
  line: number;
}

/** A run of TypeScript between magics; `line` is the 1-based cell line of its first line. */
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
        argText: m[2].trim(),
        body: lines.slice(first + 1).join("\n"),
        bodyLine: first + 2,
        line: first + 1,
      };
      return [{ type: "magic", call }];
    }
  }
  const segments: CellSegment[] = [];
  let code: string[] = [];
  let codeStart = 0;
  const flush = () => {
    if (code.some((l) => l.trim() !== "")) segments.push({ type: "code", code: code.join("\n"), line: codeStart + 1 });
    code = [];
  };
  lines.forEach((text, i) => {
    const trimmed = text.trimStart();
    const cellMagic = CELL_MAGIC.exec(trimmed);
    if (cellMagic) {
      throw new MagicOptionError(
        `%%${cellMagic[1]} is on line ${i + 1} of the cell, but a cell magic must be its first line. ` +
          `Move %%${cellMagic[1]} to the top of the cell (or split the cell in two).`,
      );
    }
    const m = LINE_MAGIC.exec(trimmed);
    if (m) {
      flush();
      codeStart = i + 1;
      segments.push({
        type: "magic",
        call: { kind: "line", name: m[1], argText: m[2].trim(), body: "", bodyLine: i + 1, line: i + 1 },
      });
    } else {
      if (code.length === 0) codeStart = i;
      code.push(text);
    }
  });
  flush();
  return segments;
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
