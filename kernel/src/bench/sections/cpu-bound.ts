/**
 * Section 3: a fixed amount of CPU-bound work (LCG Monte Carlo pi) serially in the main thread vs
 * SPMD on the pool with 2 workers (threads, processes); the same source text runs everywhere.
 * The three run round by round, so that other processes' load falls on all alike.
 */
import * as os from "node:os";
import { Pool } from "../../pool/pool";
import type { BenchContext, RatioRow, SectionResult } from "../report";
import { timeInterleaved } from "../stats";
import { formatTable, int, ms, ratio } from "../table";
import { PI_SPMD, piTask } from "../work";

export const ID = "cpu";
const TITLE = "3. CPU-bound: Monte Carlo pi, serial main thread vs pool with 2 workers";
const SEED = 12345;
const LABELS = {
  serial: "serial (main thread)",
  thread: "pool, 2 threads (SPMD)",
  process: "pool, 2 processes (SPMD)",
};

export async function runCpuBound(ctx: BenchContext): Promise<SectionResult> {
  const samplesPerRank = ctx.quick ? 40_000_000 : 80_000_000;
  const reps = ctx.quick ? 3 : 5;
  const task = piTask();
  const threads = new Pool({ size: 2, kind: "thread" });
  const processes = new Pool({ size: 2, kind: "process" });
  let timed;
  try {
    const job = { code: PI_SPMD, workers: 2, vars: { seed: SEED, samples: samplesPerRank } };
    const out = (r: { values: unknown[]; cpuMs: number }) => ({ hits: r.values as number[], cpuMs: r.cpuMs });
    timed = await timeInterleaved(reps, {
      serial: () => {
        const c0 = process.cpuUsage();
        const hits = [0, 1].map((r) => task(SEED + r, samplesPerRank));
        const c = process.cpuUsage(c0);
        return { hits, cpuMs: (c.user + c.system) / 1000 };
      },
      thread: async () => out(await threads.runSpmd(job)),
      process: async () => out(await processes.runSpmd(job)),
    });
  } finally {
    await Promise.all([threads.close(), processes.close()]);
  }
  const serial = timed.serial;
  for (const [k, r] of Object.entries(timed)) {
    if (r.value.hits.join() !== serial.value.hits.join())
      throw new Error(`${k}: hits ${r.value.hits.join()} differ from serial ${serial.value.hits.join()}`);
  }
  const samples = 2 * samplesPerRank;
  const pi = (4 * (serial.value.hits[0] + serial.value.hits[1])) / samples;
  const rows = (Object.keys(LABELS) as (keyof typeof LABELS)[]).map((k) => ({
    label: LABELS[k],
    summary: timed[k].summary,
    speedup: serial.summary.medianMs / timed[k].summary.medianMs,
    bestSpeedup: serial.summary.minMs / timed[k].summary.minMs,
    cpuMs: timed[k].value.cpuMs,
  }));
  const table = formatTable(
    [
      "run",
      "median ms",
      "min ms",
      "Msamples/s",
      "speedup (median)",
      "speedup (best)",
      "efficiency",
      "CPU ms (last run)",
    ],
    rows.map((r, i) => [
      r.label,
      ms(r.summary.medianMs),
      ms(r.summary.minMs),
      (samples / r.summary.medianMs / 1000).toFixed(1),
      ratio(r.speedup),
      ratio(r.bestSpeedup),
      `${((100 * r.speedup) / (i === 0 ? 1 : 2)).toFixed(0)}%`,
      ms(r.cpuMs),
    ]),
  );
  const ratios: RatioRow[] = rows.slice(1).flatMap((r) => [
    { section: ID, what: `speedup (median): ${r.label} vs serial`, value: r.speedup, goal: ">= 1.9", goalMin: 1.9 },
    { section: ID, what: `speedup (best of ${reps}): ${r.label} vs serial`, value: r.bestSpeedup },
  ]);
  return {
    id: ID,
    title: TITLE,
    tables: [table],
    notes: [
      `${int(samples)} samples (pi ≈ ${pi.toFixed(5)}); ${reps} rounds of serial, threads, processes in turn after a warm-up round; ` +
        `hits checked equal; CPU ms is the main thread's (serial) or the workers' (pool); ${os.availableParallelism()} cores, load average ${os.loadavg()[0].toFixed(2)} at the end.`,
    ],
    ratios,
    data: { samples, reps, rows },
  };
}
