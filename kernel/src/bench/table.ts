/** Plain-text tables and number formats for the benchmark report. */

export type Cell = string | number;

/** Right-aligned columns except the first; numbers are printed as given (format them first). */
export function formatTable(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [head, ...rows].map((r) => r.map(String));
  const widths = head.map((_, i) => Math.max(...text.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(text[0]), widths.map((w) => "-".repeat(w)).join("  "), ...text.slice(1).map(line)].join("\n");
}

export const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
export const ratio = (v: number): string => `${v.toFixed(2)}x`;
export const int = (v: number): string => Math.round(v).toLocaleString("en-US");
export const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
