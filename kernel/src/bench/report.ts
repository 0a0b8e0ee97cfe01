/** What a benchmark section hands back, and the final summary of ratios. */
import { formatTable, ratio } from "./table";

/** One headline ratio; `higherIsBetter` ratios are "A is N times faster than B". */
export interface RatioRow {
  section: string;
  what: string;
  value: number;
  /** e.g. ">= 1.9" or "<= 2"; the check is value >= goalMin, or value <= goalMax. */
  goal?: string;
  goalMin?: number;
  goalMax?: number;
}

/** "met", "NOT met", or undefined when the ratio has no checkable goal. */
function goalVerdict(r: RatioRow): string | undefined {
  if (r.goalMin !== undefined) return r.value >= r.goalMin ? "met" : "NOT met";
  if (r.goalMax !== undefined) return r.value <= r.goalMax ? "met" : "NOT met";
  return undefined;
}

export interface SectionResult {
  id: string;
  title: string;
  /** Printed tables, in order. */
  tables: string[];
  notes: string[];
  ratios: RatioRow[];
  /** Raw numbers for build/bench.json. */
  data: unknown;
  /** CPU % of the whole machine that other processes used while the section ran. */
  othersCpuPercent?: number;
  /** Set when the section did not run (why). */
  skipped?: string;
}

export interface BenchContext {
  quick: boolean;
  full: boolean;
  /** Repository root. */
  root: string;
  log(message: string): void;
}

export function formatSection(s: SectionResult): string {
  const out = [`\n== ${s.title}`];
  if (s.skipped) out.push(`not available: ${s.skipped}`);
  for (const t of s.tables) out.push(t, "");
  for (const n of s.notes) out.push(`note: ${n}`);
  if (s.ratios.length) out.push(s.ratios.map((r) => `ratio: ${r.what} = ${ratio(r.value)}${goalText(r)}`).join("\n"));
  return out.join("\n").trimEnd();
}

export function formatSummary(sections: readonly SectionResult[]): string {
  const rows = sections.flatMap((s) =>
    s.skipped
      ? [[s.id, `(not available: ${s.skipped.split("\n")[0].slice(0, 70)})`, "", "", "", ""]]
      : s.ratios.map((r) => [
          r.section,
          r.what,
          ratio(r.value),
          r.goal ?? "",
          goalVerdict(r) ?? "",
          s.othersCpuPercent === undefined ? "" : `${s.othersCpuPercent.toFixed(0)}%`,
        ]),
  );
  const legend =
    "A / B of times: above 1 means B is faster; A / B of items/s or speedups: above 1 means A is faster.\n" +
    "others' CPU: share of the machine other processes used during the section (noise; 0% is a quiet machine).";
  return `${legend}\n${formatTable(["section", "ratio", "value", "goal", "", "others' CPU"], rows)}`;
}

function goalText(r: RatioRow): string {
  const verdict = goalVerdict(r);
  return verdict ? `  (goal ${r.goal}: ${verdict})` : "";
}
