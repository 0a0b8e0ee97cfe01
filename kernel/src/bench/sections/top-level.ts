/**
 * Section "toplevel": README, Magics: how runs are measured says top-level code in a plain cell runs within 1.3x of the same
 * code inside a function. The same 30 M-iteration loop runs at the top level, inside a function,
 * and in a later cell on a variable an earlier cell declared, in paralab and in tslab (which
 * writes every top-level variable through `exports`); each cell times its own loop. Then the cost
 * that paralab's rewrite of the converter's output (executor/cell-script.ts) adds to each cell.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createConverter } from "tslab/dist/converter";
import { rewriteCellScript } from "../../executor/cell-script";
import { forwardPackageImports } from "../../executor/module-host";
import { parseCell } from "../../magics/parse";
import { makeKernelSpecs } from "../kernel-specs";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, SectionResult } from "../report";
import { summarize, type Summary } from "../stats";
import { formatTable, ms, ratio } from "../table";

export const ID = "toplevel";
const TITLE = "Top-level cell code vs the same code in a function (paralab vs tslab, 30 M iterations)";
const TOP = "top level";
const FUNCTION = "in a function";
const LATER = "later cell, variable of an earlier cell";

interface TopLevelRun {
  iterations: number;
  rounds: number;
  timesMs: Record<string, Record<string, number[]>>;
  cpuMs: Record<string, Record<string, number[]>>;
  results: Record<string, Record<string, number>>;
}

export async function runTopLevel(ctx: BenchContext): Promise<SectionResult> {
  const base: SectionResult = { id: ID, title: TITLE, tables: [], notes: [], ratios: [], data: undefined };
  const rewrite = measureRewrite(ctx.root, ctx.quick ? ["showcase.ipynb"] : undefined);
  const venv = ensureVenv(ctx.root);
  if (venv) return { ...base, skipped: venv };
  const specs = makeKernelSpecs();
  const options = { iterations: 30_000_000, rounds: ctx.quick ? 1 : 3 };
  let r: TopLevelRun;
  try {
    r = await runPython<TopLevelRun>(ctx.root, "top_level.py", options, specs.env, 1_800_000);
  } finally {
    specs.remove();
  }
  const kernels = Object.keys(r.timesMs);
  const median = (k: string, label: string) => summarize(r.timesMs[k][label]).medianMs;
  const medianCpu = (k: string, label: string) => summarize(r.cpuMs[k][label]).medianMs;
  const loopTable = formatTable(
    ["loop", "kernel", "wall median ms", "÷ function", "CPU median ms", "÷ function"],
    [TOP, FUNCTION, LATER].flatMap((label) =>
      kernels.map((k) => [
        label,
        k,
        ms(median(k, label)),
        ratio(median(k, label) / median(k, FUNCTION)),
        ms(medianCpu(k, label)),
        ratio(medianCpu(k, label) / medianCpu(k, FUNCTION)),
      ]),
    ),
  );
  const rewriteTable = formatTable(
    ["paralab's rewrite of one cell's converter output", "median ms", "max ms"],
    [
      ["rewrite (cell-script.ts)", ms(rewrite.rewrite.medianMs), ms(rewrite.rewrite.maxMs)],
      ["for scale: tslab's converter (type check + emit)", ms(rewrite.convert.medianMs), ms(rewrite.convert.maxMs)],
    ],
  );
  const same = new Set(kernels.flatMap((k) => Object.values(r.results[k]))).size;
  return {
    ...base,
    tables: [loopTable, rewriteTable],
    notes: [
      `Loop: \`for (let i = 0; i < ${r.iterations.toLocaleString("en-US")}; i++) { h = (h + i * 7) % 1000003; }\`, timed inside the cell ` +
        `with performance.now() (no type check or messaging in the figure); ${r.rounds} round(s), kernels alternating.`,
      "On a busy machine (high others' CPU) read the CPU columns: the loop is single-threaded, so its CPU time is its run time " +
        "without the waits for a core that inflate wall time.",
      `Results agree across kernels and cases: ${same <= 2 ? "yes" : `no (${JSON.stringify(r.results)})`}.`,
      `Rewrite cost: the ${rewrite.cells} plain code cells of ${rewrite.notebooks.join(", ")} (notebooks/), converted in order, ` +
        `each rewritten ${REWRITE_REPS} times (median per cell, then over cells).`,
    ],
    ratios: [
      ...kernels.flatMap((k) => [
        {
          section: ID,
          what: `${k}: top-level loop / same loop in a function (wall)`,
          value: median(k, TOP) / median(k, FUNCTION),
        },
        {
          section: ID,
          what: `${k}: later-cell loop on an earlier cell's variable / in a function (wall)`,
          value: median(k, LATER) / median(k, FUNCTION),
        },
      ]),
      // The summary checks goals as "at least": top level within 1.3x is function / top >= 1 / 1.3.
      // Judged on CPU time: the loop is single-threaded, and on a shared machine wall time mostly
      // measures the waits for a core (the table shows both).
      ...(kernels.includes("paralab")
        ? [
            {
              section: ID,
              what: "paralab: function / top-level loop, CPU time (top level within 1.3x)",
              value: medianCpu("paralab", FUNCTION) / medianCpu("paralab", TOP),
              goal: ">= 0.77",
              goalMin: 1 / 1.3,
            },
          ]
        : []),
    ],
    data: { options, ...r, rewrite },
  };
}

const REWRITE_REPS = 50;

/** Times rewriteCellScript on the converter's output for the notebooks' plain code cells. */
function measureRewrite(
  root: string,
  only?: string[],
): { notebooks: string[]; cells: number; rewrite: Summary; convert: Summary } {
  const dir = path.join(root, "notebooks");
  const notebooks =
    only ??
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ipynb"))
      .sort();
  forwardPackageImports(dir);
  const rewriteMs: number[] = [];
  const convertMs: number[] = [];
  for (const name of notebooks) {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as {
      cells: { cell_type: string; source: string | string[] }[];
    };
    const sources = nb.cells
      .filter((c) => c.cell_type === "code")
      .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source))
      .filter((src) => parseCell(src).every((s) => s.type === "code"));
    // One converter per notebook, as one kernel per notebook: declarations chain cell to cell.
    const converter = createConverter({ isJS: false, isBrowser: false });
    let prev = "";
    try {
      for (const src of sources) {
        const t0 = performance.now();
        const out = converter.convert(prev, src);
        convertMs.push(performance.now() - t0);
        if (out.diagnostics.length || !out.output) continue;
        prev = out.declOutput ?? prev;
        const samples: number[] = [];
        for (let i = 0; i < REWRITE_REPS; i++) {
          const t1 = performance.now();
          rewriteCellScript(out.output, out.lastExpressionVar);
          samples.push(performance.now() - t1);
        }
        rewriteMs.push(summarize(samples).medianMs);
      }
    } finally {
      converter.close();
    }
  }
  return { notebooks, cells: rewriteMs.length, rewrite: summarize(rewriteMs), convert: summarize(convertMs) };
}
