/** Section 1: paralab vs tslab start-up and trivial-cell latency, through jupyter_client. */
import { makeKernelSpecs } from "../kernel-specs";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, SectionResult } from "../report";
import type { Summary } from "../stats";
import { formatTable, ms } from "../table";

interface KernelLatency {
  code: string;
  kernels: Record<string, { startup: Summary; latency: Summary; output: string }>;
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
  const row = (name: string, k: KernelLatency["kernels"][string]) => [
    name,
    ms(k.startup.medianMs),
    ms(k.startup.minMs),
    ms(k.latency.medianMs),
    ms(k.latency.p90Ms),
    ms(k.latency.minMs),
  ];
  const table = formatTable(
    ["kernel", "start-up median ms", "start-up min ms", `\`${r.code}\` median ms`, "p90 ms", "min ms"],
    [row("paralab", p), row("tslab", t)],
  );
  return {
    ...base,
    tables: [table],
    notes: [
      `${p.startup.n} start-ups per kernel (spawn → kernel_info_reply), alternating; ` +
        `${p.latency.n} execute_request → execute_reply per kernel, alternating cell by cell.`,
    ],
    ratios: [
      { section: ID, what: "start-up: tslab / paralab (median)", value: t.startup.medianMs / p.startup.medianMs },
      { section: ID, what: "1+1 latency: tslab / paralab (median)", value: t.latency.medianMs / p.latency.medianMs },
    ],
    data: { options, ...r },
  };
}
