/**
 * Section "deno": paralab, Deno's Jupyter kernel and tslab side by side, through jupyter_client,
 * on start-up, `1+1`, a new source each time and a top-level 30 M loop (bench/deno_compare.py).
 * Deno comes from npm's `deno` package, installed on demand (../deno.ts); without it (no network,
 * a platform the package has no binary for) the section is skipped with the reason.
 */
import { denoKernelSpec, ensureDeno } from "../deno";
import { makeKernelSpecs } from "../kernel-specs";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, SectionResult } from "../report";
import type { Summary } from "../stats";
import { formatTable, ms } from "../table";

export const ID = "deno";
const TITLE = "Deno's kernel vs paralab vs tslab: start-up, trivial cells, top-level loop (jupyter_client)";
const ONE_PLUS_ONE = "1+1";
const NEW_SOURCE = "1+i (new source each run)";

interface KernelRun {
  startup: Summary;
  /** Spawn → the reply to a first `1+1` sent as soon as the kernel was ready. */
  firstCell: Summary;
  latency: Record<string, Summary>;
  loop: { wall: Summary; cpu: Summary; h: number };
  output: string;
}

interface DenoCompare {
  iterations: number;
  kernels: Record<string, KernelRun>;
}

export async function runDeno(ctx: BenchContext): Promise<SectionResult> {
  const base: SectionResult = { id: ID, title: TITLE, tables: [], notes: [], ratios: [], data: undefined };
  const venv = ensureVenv(ctx.root);
  if (venv) return { ...base, skipped: venv };
  const deno = ensureDeno(ctx.root, ctx.log);
  if (typeof deno === "string") return { ...base, skipped: deno };
  const specs = makeKernelSpecs({ deno: denoKernelSpec(deno) });
  const options = {
    kernels: ["paralab", "deno", "tslab"],
    ...(ctx.quick ? { startups: 3, runs: 20, warmup: 3, rounds: 1 } : { startups: 5, runs: 50, warmup: 5, rounds: 3 }),
    iterations: 30_000_000,
    // tslab runs the loop ~100x slower (every top-level variable goes through `exports`): one round.
    loopRounds: { tslab: 1 },
  };
  let r: DenoCompare;
  try {
    r = await runPython<DenoCompare>(ctx.root, "deno_compare.py", options, specs.env, 1_800_000);
  } finally {
    specs.remove();
  }
  const k = r.kernels;
  const names = Object.keys(k);
  const table = formatTable(
    ["kernel", "start-up ms", "first cell ms", "1+1 ms", "new source ms", "30 M loop wall ms", "loop CPU ms"],
    names.map((n) => [
      n === "deno" ? `deno ${deno.version}` : n,
      ms(k[n].startup.medianMs),
      ms(k[n].firstCell.medianMs),
      ms(k[n].latency[ONE_PLUS_ONE].medianMs),
      ms(k[n].latency[NEW_SOURCE].medianMs),
      ms(k[n].loop.wall.medianMs),
      ms(k[n].loop.cpu.medianMs),
    ]),
  );
  const spread = formatTable(
    ["spread (min – max ms)", ...names],
    [
      ["start-up", ...names.map((n) => `${ms(k[n].startup.minMs)} – ${ms(k[n].startup.maxMs)}`)],
      ["first cell", ...names.map((n) => `${ms(k[n].firstCell.minMs)} – ${ms(k[n].firstCell.maxMs)}`)],
      [
        ONE_PLUS_ONE,
        ...names.map((n) => `${ms(k[n].latency[ONE_PLUS_ONE].minMs)} – ${ms(k[n].latency[ONE_PLUS_ONE].maxMs)}`),
      ],
      [
        NEW_SOURCE,
        ...names.map((n) => `${ms(k[n].latency[NEW_SOURCE].minMs)} – ${ms(k[n].latency[NEW_SOURCE].maxMs)}`),
      ],
    ],
  );
  const agree = new Set(names.map((n) => k[n].loop.h)).size === 1 && names.every((n) => k[n].output === "2");
  const p = k.paralab;
  const d = k.deno;
  const t = k.tslab;
  return {
    ...base,
    tables: [table, spread],
    notes: [
      `Medians. Start-up: spawn → ready (kernel_info_reply and iopub connected), ${p.startup.n} per kernel, alternating. ` +
        `First cell: spawn → the reply to a \`1+1\` sent the moment the kernel is ready (${p.firstCell.n} per kernel): ` +
        "paralab answers kernel_info before it builds its type checker (~1 s), so a cell sent at once waits for that. " +
        `Cells: execute_request → execute_reply, ${p.latency[ONE_PLUS_ONE].n} per cell and kernel after ${options.warmup} warm-up, ` +
        "alternating request by request; `1+1` repeats its source, `1+i` is a new source each time.",
      `Loop: \`for (let i = 0; i < 30,000,000; i++) { h = (h + i * 7) % 1000003; }\` at a cell's top level, timed inside the cell; ` +
        `rounds: ${names.map((n) => `${n} ${k[n].loop.wall.n}`).join(", ")}. On a busy machine read the CPU column.`,
      "Deno takes shortcuts paralab must not copy: it does not type check cells (it only strips types), " +
        "SIGINT kills its kernel instead of interrupting the cell, and its outputs sometimes arrive after `idle` " +
        "(the loop's line is waited for past idle). paralab's and tslab's cell times include a type check.",
      `Results agree across kernels (1+1 = 2, same loop result): ${agree ? "yes" : `no (${JSON.stringify(names.map((n) => [n, k[n].output, k[n].loop.h]))})`}.`,
    ],
    ratios: [
      {
        section: ID,
        what: "start-up: paralab / Deno (median)",
        value: p.startup.medianMs / d.startup.medianMs,
        goal: "<= 1.7",
        goalMax: 1.7,
      },
      {
        section: ID,
        what: "first cell (spawn → 1+1 replied): paralab / Deno (median)",
        value: p.firstCell.medianMs / d.firstCell.medianMs,
      },
      {
        section: ID,
        what: "first cell (spawn → 1+1 replied): paralab / tslab (median)",
        value: p.firstCell.medianMs / t.firstCell.medianMs,
      },
      {
        section: ID,
        what: "1+1: paralab / Deno (median)",
        value: p.latency[ONE_PLUS_ONE].medianMs / d.latency[ONE_PLUS_ONE].medianMs,
        goal: "<= 1.6",
        goalMax: 1.6,
      },
      {
        section: ID,
        what: "new source: paralab / tslab (median)",
        value: p.latency[NEW_SOURCE].medianMs / t.latency[NEW_SOURCE].medianMs,
        goal: "<= 1",
        goalMax: 1,
      },
      {
        section: ID,
        what: "top-level 30 M loop: paralab / Deno (wall median)",
        value: p.loop.wall.medianMs / d.loop.wall.medianMs,
      },
      {
        section: ID,
        what: "top-level 30 M loop: paralab / Deno (CPU median)",
        value: p.loop.cpu.medianMs / d.loop.cpu.medianMs,
      },
    ],
    data: { options, deno: deno.version, ...r },
  };
}
