/** Section 5: a warm `%%parallel --workers 2` cell with body `rank`, through the real kernel. */
import { makeKernelSpecs } from "../kernel-specs";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, SectionResult } from "../report";
import type { Summary } from "../stats";
import { formatTable, ms } from "../table";

type ParallelCell =
  { available: false; reason: string } | { available: true; output: string; variants: Record<string, Summary> };

export const ID = "cell";
const TITLE = "5. Warm %%parallel --workers 2 cell (body: rank), request → reply through jupyter_client";
const BASELINE = "plain cell 1+1 (baseline)";

export async function runParallelCell(ctx: BenchContext): Promise<SectionResult> {
  const base: SectionResult = { id: ID, title: TITLE, tables: [], notes: [], ratios: [], data: undefined };
  const venv = ensureVenv(ctx.root);
  if (venv) return { ...base, skipped: venv };
  const specs = makeKernelSpecs();
  const options = ctx.quick ? { runs: 10, warmup: 2 } : { runs: 30, warmup: 3 };
  let r: ParallelCell;
  try {
    r = await runPython<ParallelCell>(ctx.root, "parallel_cell.py", options, specs.env);
  } finally {
    specs.remove();
  }
  if (!r.available) return { ...base, skipped: `not available yet (the kernel answered: ${r.reason})`, data: r };
  const v = r.variants;
  const table = formatTable(
    ["cell", "median ms", "p90 ms", "min ms", "max ms"],
    Object.entries(v).map(([label, s]) => [label, ms(s.medianMs), ms(s.p90Ms), ms(s.minMs), ms(s.maxMs)]),
  );
  const typed = v["type check"];
  const untyped = v["--no-typecheck"];
  return {
    ...base,
    tables: [table],
    notes: [
      "The baseline runs right after the %%parallel cells (a changed source for the type checker), so it costs more than a repeated `1+1` in section 1.",
      `${typed.n} runs per variant after ${options.warmup} warm-up rounds, alternating; first output: ${JSON.stringify(r.output.slice(0, 120))}`,
    ],
    ratios: [
      {
        section: ID,
        what: "%%parallel latency: type check / --no-typecheck",
        value: typed.medianMs / untyped.medianMs,
      },
      {
        section: ID,
        what: "%%parallel --no-typecheck latency / plain 1+1 cell",
        value: untyped.medianMs / v[BASELINE].medianMs,
      },
    ],
    data: { options, ...r },
  };
}
