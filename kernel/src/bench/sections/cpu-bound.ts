/**
 * Section 3: a fixed amount of CPU-bound work (LCG Monte Carlo pi) serially in the main thread vs
 * SPMD on the pool with 2 workers (threads, processes); the same source text runs everywhere.
 */
import * as os from "node:os";
import { Pool } from "../../pool/pool";
import type { BenchContext, RatioRow, SectionResult } from "../report";
import { timeRuns, type Summary } from "../stats";
import { formatTable, int, ms, ratio } from "../table";
import { PI_SPMD, piTask } from "../work";

export const ID = "cpu";
const TITLE = "3. CPU-bound: Monte Carlo pi, serial main thread vs pool with 2 workers";
const SEED = 12345;

export async function runCpuBound(ctx: BenchContext): Promise<SectionResult> {
  const samplesPerRank = ctx.quick ? 40_000_000 : 80_000_000;
  const reps = ctx.quick ? 2 : 3;
  const task = piTask();
  const serial = await timeRuns(reps, () => [0, 1].map((r) => task(SEED + r, samplesPerRank)));
  ctx.log(`serial: ${ms(serial.summary.medianMs)} ms`);
  const rows: { label: string; summary: Summary; hits: number[]; cpuMs?: number }[] = [
    { label: "serial (main thread)", summary: serial.summary, hits: serial.value },
  ];
  for (const kind of ["thread", "process"] as const) {
    const pool = new Pool({ size: 2, kind });
    try {
      await pool.runSpmd({ code: PI_SPMD, workers: 2, vars: { seed: SEED, samples: 1000 } });
      const job = { code: PI_SPMD, workers: 2, vars: { seed: SEED, samples: samplesPerRank } };
      const r = await timeRuns(reps, () => pool.runSpmd(job), 0);
      rows.push({
        label: `pool, 2 ${kind === "thread" ? "threads" : "processes"} (SPMD)`,
        summary: r.summary,
        hits: r.value.values as number[],
        cpuMs: r.value.cpuMs,
      });
      ctx.log(`${kind}s: ${ms(r.summary.medianMs)} ms`);
    } finally {
      await pool.close();
    }
  }
  for (const r of rows) {
    if (r.hits.join() !== serial.value.join())
      throw new Error(`${r.label}: hits ${r.hits.join()} differ from serial ${serial.value.join()}`);
  }
  const samples = 2 * samplesPerRank;
  const pi = (4 * (serial.value[0] + serial.value[1])) / samples;
  const base = serial.summary.medianMs;
  const table = formatTable(
    ["run", "median ms", "min ms", "Msamples/s", "speedup", "efficiency"],
    rows.map((r) => [
      r.label,
      ms(r.summary.medianMs),
      ms(r.summary.minMs),
      (samples / r.summary.medianMs / 1000).toFixed(1),
      ratio(base / r.summary.medianMs),
      `${((100 * base) / r.summary.medianMs / (r.label.startsWith("serial") ? 1 : 2)).toFixed(0)}%`,
    ]),
  );
  const ratios: RatioRow[] = rows.slice(1).map((r) => ({
    section: ID,
    what: `speedup: ${r.label} vs serial`,
    value: base / r.summary.medianMs,
    goal: ">= 1.9",
    goalMin: 1.9,
  }));
  return {
    id: ID,
    title: TITLE,
    tables: [table],
    notes: [
      `${int(samples)} samples (pi ≈ ${pi.toFixed(5)}), median of ${reps} runs; pools warmed up first; ` +
        `hits checked equal across runs; ${os.availableParallelism()} cores, load average ${os.loadavg()[0].toFixed(2)} at the end.`,
    ],
    ratios,
    data: { samples, reps, rows: rows.map(({ hits: _h, ...r }) => r) },
  };
}
