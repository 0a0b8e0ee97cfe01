/** Section 7: gpu.js matrix multiply in every working mode vs plain JS (kernel/src/gpu/bench.ts). */
import { benchMatmul, formatMatmulBench } from "../../gpu/bench";
import type { BenchContext, SectionResult } from "../report";

export const ID = "gpu";
const TITLE = "7. GPU matmul (gpu.js modes vs plain JS)";

export async function runGpuMatmul(ctx: BenchContext): Promise<SectionResult> {
  const sizes = ctx.quick ? [256] : ctx.full ? [256, 512, 1024] : [256, 512];
  const rows = await benchMatmul(sizes, { onRow: (r) => ctx.log(`${r.size} ${r.mode}: ${r.runMs.toFixed(1)} ms`) });
  const best = sizes.map((n) => {
    const candidates = rows.filter((r) => r.size === n && r.mode !== "js" && r.agree);
    return candidates.sort((a, b) => b.speedupVsJs - a.speedupVsJs)[0];
  });
  return {
    id: ID,
    title: TITLE,
    tables: [formatMatmulBench(rows)],
    notes: [
      `sizes ${sizes.join(", ")}${ctx.full ? "" : ctx.quick ? " (512 without --quick, 1024 with --full)" : " (1024 with --full)"}; run ms is the second, cached run.`,
      ...rows
        .filter((r) => !r.agree)
        .map((r) => `${r.size} ${r.mode}: results do NOT agree with JS (max |diff| ${r.maxAbsDiff})`),
    ],
    ratios: best
      .filter((r) => r !== undefined)
      .map((r) => ({ section: ID, what: `matmul ${r.size}: best mode (${r.mode}) vs plain JS`, value: r.speedupVsJs })),
    data: { sizes, rows },
  };
}
