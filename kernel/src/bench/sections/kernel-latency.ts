/** Section 1: paralab vs tslab start-up and trivial-cell latency, through jupyter_client. */
import { makeKernelSpecs } from "../kernel-specs";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, SectionResult } from "../report";
import type { Summary } from "../stats";
import { formatTable, ms } from "../table";

interface KernelLatency {
  kernels: Record<string, { startup: Summary; latency: Record<string, Summary>; output: string }>;
}

export const ID = "kernel";
const TITLE = "1. Kernel start-up and trivial-cell latency (paralab vs tslab, jupyter_client)";

export async function runKernelLatency(ctx: BenchContext): Promise<SectionResult> {
  const base: SectionResult = { id: ID, title: TITLE, tables: [], notes: [], ratios: [], data: undefined };
  const venv = ensureVenv(ctx.root);
  if (venv) return { ...base, skipped: venv };
  const specs = makeKernelSpecs();
  const options = ctx.quick ? { startups: 2, runs: 20, warmup: 3 } : { startups: 4, runs: 50, warmup: 5 };
  let r: KernelLatency;
  try {
    r = await runPython<KernelLatency>(ctx.root, "kernel_latency.py", options, specs.env);
  } finally {
    specs.remove();
  }
  const p = r.kernels.paralab;
  const t = r.kernels.tslab;
  const startupTable = formatTable(
    ["kernel", "start-up median ms", "min ms", "max ms"],
    Object.entries(r.kernels).map(([name, k]) => [
      name,
      ms(k.startup.medianMs),
      ms(k.startup.minMs),
      ms(k.startup.maxMs),
    ]),
  );
  const cells = Object.keys(p.latency);
  const latencyTable = formatTable(
    ["cell (execute_request → execute_reply)", "kernel", "median ms", "p90 ms", "min ms", "max ms"],
    cells.flatMap((cell) =>
      Object.entries(r.kernels).map(([name, k]) => {
        const s = k.latency[cell];
        return [cell, name, ms(s.medianMs), ms(s.p90Ms), ms(s.minMs), ms(s.maxMs)];
      }),
    ),
  );
  return {
    ...base,
    tables: [startupTable, latencyTable],
    notes: [
      `${p.startup.n} start-ups per kernel (spawn → ready: kernel_info_reply and iopub connected), alternating; ` +
        `${p.latency[cells[0]].n} requests per cell and kernel after ${options.warmup} warm-up, alternating request by request.`,
      "`1+1` repeats the same source; `1+i` is a new source every time, so the type checker has work to do.",
    ],
    ratios: [
      { section: ID, what: "start-up: tslab / paralab (median)", value: t.startup.medianMs / p.startup.medianMs },
      ...cells.map((cell) => ({
        section: ID,
        what: `${cell} latency: tslab / paralab (median)`,
        value: t.latency[cell].medianMs / p.latency[cell].medianMs,
      })),
    ],
    data: { options, ...r },
  };
}
