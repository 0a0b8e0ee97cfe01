/**
 * Section 4: a 128 MB Float64Array to 2 workers, shared (SharedArrayBuffer, `shared.float64`) vs
 * copied (a plain Float64Array in vars, structured clone per worker); each worker sums its half.
 */
import { Pool } from "../../pool/pool";
import { shared } from "../../sync/index";
import type { BenchContext, SectionResult } from "../report";
import { timeInterleaved, type Summary } from "../stats";
import { formatTable, mb, ms, ratio } from "../table";
import { BLOCK_SUM_SPMD } from "../work";
import { RawWorkerPair } from "../raw-workers";

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
  const reps = ctx.quick ? 2 : 7;
  const sharedArray = shared.float64(n);
  for (let i = 0; i < n; i++) sharedArray[i] = i % 10;
  const plain = new Float64Array(n);
  plain.set(sharedArray);
  let expected = 0;
  for (let i = 0; i < n; i++) expected += plain[i];
  const threads = new Pool({ size: 2, kind: "thread" });
  const processes = new Pool({ size: 2, kind: "process" });
  const raw = new RawWorkerPair();
  const run = async (pool: Pool, a: Float64Array) => {
    const r = await pool.runSpmd({ code: BLOCK_SUM_SPMD, workers: 2, vars: { a } });
    return { sum: (r.values as number[]).reduce((x, y) => x + y, 0), bytesIn: r.bytesIn };
  };
  const sumHere = (a: Float64Array) => {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += a[i];
    return { sum, bytesIn: 0 };
  };
  let t;
  try {
    const small = new Float64Array(8);
    await Promise.all([run(threads, small), run(processes, small), raw.sum(small)]);
    // Round by round, so that other processes' load falls on all alike.
    t = await timeInterleaved(
      reps,
      {
        main: () => sumHere(plain),
        shared: () => run(threads, sharedArray),
        copiedThreads: () => run(threads, plain),
        rawCopied: async () => ({ sum: await raw.sum(plain), bytesIn: NaN }),
        copiedProcesses: () => run(processes, plain),
      },
      { warmupRounds: 1 },
    );
  } finally {
    await Promise.all([threads.close(), processes.close(), raw.close()]);
  }
  const labels = {
    main: "main thread sums it all (no workers), reference",
    shared: "shared (SharedArrayBuffer), 2 threads",
    copiedThreads: "copied (plain Float64Array), 2 threads",
    rawCopied: "copied, 2 bare worker_threads (postMessage, no pool), reference",
    copiedProcesses: "copied (plain Float64Array), 2 processes",
  };
  const rows: Row[] = (Object.keys(labels) as (keyof typeof labels)[]).map((k) => {
    if (t[k].value.sum !== expected) throw new Error(`${labels[k]}: sum ${t[k].value.sum}, expected ${expected}`);
    return { label: labels[k], summary: t[k].summary, bytesIn: t[k].value.bytesIn };
  });
  const [, sh, ct, raw2, cp] = rows;
  const table = formatTable(
    ["how", "median ms", "min ms", "max ms", "bytes copied in (JobResult.bytesIn)"],
    rows.map((r) => [
      r.label,
      ms(r.summary.medianMs),
      ms(r.summary.minMs),
      ms(r.summary.maxMs),
      Number.isNaN(r.bytesIn) ? "(2 clones, not counted)" : `${r.bytesIn.toLocaleString("en-US")} (${mb(r.bytesIn)})`,
    ]),
  );
  return {
    id: ID,
    title: TITLE,
    tables: [table],
    notes: [
      `${mb(BYTES)} array, SPMD job on 2 warm workers, each sums its half (sum checked); median of ${reps} rounds (the four in turn); ` +
        `vars are sent with every job, so each copied job moves the array to both workers again.`,
    ],
    ratios: [
      { section: ID, what: "time: copied threads / shared", value: ct.summary.medianMs / sh.summary.medianMs },
      { section: ID, what: "time: copied processes / shared", value: cp.summary.medianMs / sh.summary.medianMs },
      {
        section: ID,
        what: "time: pool copied threads / bare postMessage copy",
        value: ct.summary.medianMs / raw2.summary.medianMs,
      },
    ],
    data: { bytes: BYTES, reps, rows, sharedBytesInRatio: ratio(ct.bytesIn / Math.max(1, sh.bytesIn)) },
  };
}
