/**
 * Text edits on generated JavaScript. Rewrites of cell code are done as edits on the original
 * text rather than by re-printing an AST, so that every line stays where it was: tracebacks and
 * source maps keep pointing at the user's lines.
 */

/** Replaces text[start, end) with `text` (an insertion when start === end). */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies non-overlapping edits. Insertions at the same position keep the order in which they
 * were listed; a replacement that overlaps another edit is a bug in the caller and throws.
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const ordered = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  let out = "";
  let at = 0;
  for (const e of ordered) {
    if (e.start < at) throw new Error(`overlapping edits at ${e.start}: ${JSON.stringify(e.text)}`);
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/** An edit that removes text[start, end) but keeps its line breaks, so later lines do not move. */
export function blankOut(text: string, start: number, end: number): Edit {
  return { start, end, text: text.slice(start, end).replace(/[^\n]/g, "") };
}

/**
 * `base`, or `base` plus a number, such that the name occurs nowhere in `texts`; then no
 * identifier of the code, nor any identifier containing it, can collide with it. Names starting
 * with `__` are avoided on purpose: tslab's converter renames such identifiers.
 */
export function uniqueName(base: string, ...texts: string[]): string {
  for (let i = 0; ; i++) {
    const name = i === 0 ? base : `${base}${i}`;
    if (!texts.some((t) => t.includes(name))) return name;
  }
}
