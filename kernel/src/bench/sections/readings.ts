/**
 * What knowing a run's disturbance costs: a trivial 2-item map on 2 worker threads, bare, with the
 * workers' CPU clocks sampled as before (CPU only, every 2 ms, each file opened per read), and
 * with what a run reads now (CPU and run-queue wait every 4 ms from files kept open, plus
 * /proc/stat and paralab's own CPU at its start and end).
 */
import { otherProgramsCores, readCpuLedger } from "../../monitor/disturbance";
import { WorkerClockSampler } from "../../monitor/worker-clocks";
import { Pool } from "../../pool/pool";
import { threadCpuMs } from "../../proc/schedstat";
import type { BenchContext, SectionResult } from "../report";
import { timeInterleaved } from "../stats";
import { formatTable, ms } from "../table";
import { INC_MAP } from "../work";

export const ID = "readings";
const TITLE = "11. What a run's disturbance reading costs: a trivial 2-item map on 2 threads";

export async function runReadings(ctx: BenchContext): Promise<SectionResult> {
  const rounds = ctx.quick ? 100 : 400;
  const pool = new Pool({ size: 2, kind: "thread" });
  try {
    const job = { code: INC_MAP, items: [1, 2], vars: {}, workers: 2, ordered: true, schedule: "dynamic" as const };
    const map = () => pool.runMap({ ...job, continueOnError: false });
    const workers = () => pool.status();
    const t = await timeInterleaved(
      rounds,
      {
        bare: async () => {
          await map();
        },
        "CPU clocks (before)": async () => {
          const clocks = new WorkerClockSampler(workers, {
            periodMs: 2,
            readCpuMs: (w) => (w.osThreadId === undefined ? undefined : threadCpuMs(w.pid, w.osThreadId)),
          }).start();
          await map();
          clocks.stop();
        },
        "CPU, wait and /proc/stat (now)": async () => {
          const before = readCpuLedger([]);
          const clocks = new WorkerClockSampler(workers).start();
          await map();
          clocks.stop();
          const after = readCpuLedger([]);
          if (before && after) otherProgramsCores(before, after);
        },
      },
      { warmupRounds: 20 },
    );
    const rows = Object.entries(t).map(([label, r]) => [
      label,
      ms(r.summary.medianMs),
      ms(r.summary.p90Ms),
      ms(r.summary.medianMs - t.bare.summary.medianMs),
    ]);
    const now = t["CPU, wait and /proc/stat (now)"].summary.medianMs;
    const before = t["CPU clocks (before)"].summary.medianMs;
    return {
      id: ID,
      title: TITLE,
      tables: [formatTable(["run", "median ms", "p90 ms", "over bare ms"], rows)],
      notes: [
        `${rounds} interleaved rounds after 20 warm-up rounds; the kernel adds the same reads to every %%parallel run.`,
      ],
      ratios: [
        { section: ID, what: "trivial run with disturbance readings / with CPU clocks only", value: now / before },
      ],
      data: Object.fromEntries(Object.entries(t).map(([k, r]) => [k, r.summary])),
    };
  } finally {
    await pool.close();
  }
}
