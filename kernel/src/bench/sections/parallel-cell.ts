/** Section 5: a warm `%%parallel --workers 2` cell with body `rank`, through the real kernel. */
import { makeKernelSpecs } from "../kernel-specs";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, SectionResult } from "../report";
import type { Summary } from "../stats";
import { formatTable, ms } from "../table";

type ParallelCell =
  | { available: false; reason: string }
  | { available: true; output: string; variants: Record<string, Summary>; toIdle: Record<string, Summary> };

export const ID = "cell";
const TITLE = "5. Warm %%parallel --workers 2 cell (body: rank), request → reply and → idle through jupyter_client";
const BASELINE = "plain cell, new source (baseline)";
const NEW_BODY = "type check, new body each run";

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
  const idle = r.toIdle;
  const table = formatTable(
    ["cell", "→ reply median ms", "p90 ms", "min ms", "max ms", "→ idle median ms", "p90 ms"],
    Object.entries(v).map(([label, s]) => [
      label,
      ms(s.medianMs),
      ms(s.p90Ms),
      ms(s.minMs),
      ms(s.maxMs),
      ms(idle[label].medianMs),
      ms(idle[label].p90Ms),
    ]),
  );
  const typed = v["type check"];
  const untyped = v["--no-typecheck"];
  return {
    ...base,
    tables: [table],
    notes: [
      "The baseline is `1 + i`, a new source each run, right after the %%parallel cells. A body run again against the same declarations reuses its type check (as a repeated plain cell does); `rank + i` is checked every time. A cell is done for the user at its reply (the frontend shows its count); paralab draws a run chart's PNG (for frontends other than JupyterLab's extension, and saved notebooks) after the reply and sends it before idle, so → idle includes it.",
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
        what: "default %%parallel cell / plain new-source cell (→ reply)",
        value: typed.medianMs / v[BASELINE].medianMs,
        goal: "<= 2",
        goalMax: 2,
      },
      {
        section: ID,
        what: "default %%parallel cell, new body each run / plain new-source cell (→ reply)",
        value: v[NEW_BODY].medianMs / v[BASELINE].medianMs,
      },
      {
        section: ID,
        what: "default %%parallel cell / plain new-source cell (→ idle)",
        value: idle["type check"].medianMs / idle[BASELINE].medianMs,
      },
    ],
    data: { options, ...r },
  };
}
