/**
 * Section 4: a 128 MB Float64Array to 2 workers, shared (SharedArrayBuffer, `shared.float64`) vs
 * copied (a plain Float64Array in vars, structured clone per worker); each worker sums its half.
 */
import { Pool } from "../../pool/pool";
import { shared } from "../../shared/index";
import type { WorkerKind } from "../../pool/pool";
import type { BenchContext, SectionResult } from "../report";
import { timeRuns, type Summary } from "../stats";
import { formatTable, mb, ms, ratio } from "../table";
import { BLOCK_SUM_SPMD } from "../work";

export const ID = "data";
const TITLE = "4. Data movement: 128 MB Float64Array to 2 workers, shared vs copied";
const BYTES = 128 * 2 ** 20;

interface Row {
  label: string;
  summary: Summary;
  bytesIn: number;
}

export async function runDataMovement(ctx: BenchContext): Promise<SectionResult> {
  const n = BYTES / 8;
  const reps = ctx.quick ? 2 : 5;
  const sharedArray = shared.float64(n);
  for (let i = 0; i < n; i++) sharedArray[i] = i % 10;
  const plain = new Float64Array(n);
  plain.set(sharedArray);
  let expected = 0;
  for (let i = 0; i < n; i++) expected += plain[i];
  const rows: Row[] = [];
  const cases: [string, WorkerKind, Float64Array][] = [
    ["shared (SharedArrayBuffer), threads", "thread", sharedArray],
    ["copied (plain Float64Array), threads", "thread", plain],
    ["copied (plain Float64Array), processes", "process", plain],
  ];
  for (const [label, kind, a] of cases) {
    const pool = new Pool({ size: 2, kind });
    try {
      await pool.runSpmd({ code: BLOCK_SUM_SPMD, workers: 2, vars: { a: new Float64Array(8) } });
      const r = await timeRuns(reps, () => pool.runSpmd({ code: BLOCK_SUM_SPMD, workers: 2, vars: { a } }), 0);
      const sum = (r.value.values as number[]).reduce((x, y) => x + y, 0);
      if (sum !== expected) throw new Error(`${label}: sum ${sum}, expected ${expected}`);
      rows.push({ label, summary: r.summary, bytesIn: r.value.bytesIn });
      ctx.log(`${label}: ${ms(r.summary.medianMs)} ms, ${mb(r.value.bytesIn)} in`);
    } finally {
      await pool.close();
    }
  }
  const [sh, ct, cp] = rows;
  const table = formatTable(
    ["how", "median ms", "min ms", "max ms", "bytes copied in (JobResult.bytesIn)"],
    rows.map((r) => [
      r.label,
      ms(r.summary.medianMs),
      ms(r.summary.minMs),
      ms(r.summary.maxMs),
      `${r.bytesIn.toLocaleString("en-US")} (${mb(r.bytesIn)})`,
    ]),
  );
  return {
    id: ID,
    title: TITLE,
    tables: [table],
    notes: [
      `${mb(BYTES)} array, SPMD job on 2 warm workers, each sums its half (sum checked); median of ${reps} jobs; ` +
        `vars are sent with every job, so each copied job moves the array to both workers again.`,
    ],
    ratios: [
      { section: ID, what: "time: copied threads / shared", value: ct.summary.medianMs / sh.summary.medianMs },
      { section: ID, what: "time: copied processes / shared", value: cp.summary.medianMs / sh.summary.medianMs },
    ],
    data: { bytes: BYTES, reps, rows, sharedBytesInRatio: ratio(ct.bytesIn / Math.max(1, sh.bytesIn)) },
  };
}
