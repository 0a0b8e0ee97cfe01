/**
 * Section 2: x => x + 1 over 100,000 items: paralab's pool (automatic chunksize) vs piscina one
 * task per item and piscina with hand-made batches of 1,000, all on 2 threads.
 */
import * as path from "node:path";
import { Piscina } from "piscina";
import { Pool } from "../../pool/pool";
import type { BenchContext, RatioRow, SectionResult } from "../report";
import { timeInterleaved, timeRuns, type Summary } from "../stats";
import { formatTable, int, ms, ratio } from "../table";
import { INC_MAP } from "../work";
import { timeKernelParallelMap } from "../kernel-map";

export const ID = "tiny";
const TITLE = "2. Tiny tasks: x => x + 1 over 100,000 items, 2 workers";
const ITEMS = 100_000;
const BATCH = 1_000;

interface Row {
  label: string;
  summary: Summary;
  itemsPerSec: number;
  dispatches: number;
}

export async function runTinyTasks(ctx: BenchContext): Promise<SectionResult> {
  const rounds = ctx.quick ? 2 : 4;
  const reps = rounds * 5;
  const items = Array.from({ length: ITEMS }, (_, i) => i);
  const check = (values: unknown[]) => {
    if (values.length !== ITEMS || values[ITEMS - 1] !== ITEMS || values[0] !== 1) throw new Error("wrong results");
  };
  const rows: Row[] = [];
  const add = (label: string, summary: Summary, dispatches: number) => {
    rows.push({ label, summary, itemsPerSec: ITEMS / (summary.medianMs / 1000), dispatches });
    ctx.log(`${label}: ${ms(summary.medianMs)} ms`);
  };

  const threads = new Pool({ size: 2, kind: "thread" });
  const processes = new Pool({ size: 2, kind: "process" });
  const piscina = new Piscina({
    filename: path.join(__dirname, "..", "piscina-tasks.js"),
    minThreads: 2,
    maxThreads: 2,
  });
  try {
    const job = { code: INC_MAP, items, vars: {}, workers: 2, ordered: true, schedule: "dynamic" as const };
    const map = async (pool: Pool) => {
      const r = await pool.runMap({ ...job, continueOnError: false });
      return { values: r.values, chunks: r.chunks, chunksize: Math.round(r.chunksize ?? 0) };
    };
    const batches = Array.from({ length: ITEMS / BATCH }, (_, b) => items.slice(b * BATCH, (b + 1) * BATCH));
    const runBatch = (b: number[]) => piscina.run(b, { name: "incBatch" }) as Promise<number[]>;
    // Round by round (a warm block of 5 runs each), so that other processes' load falls on all alike.
    const t = await timeInterleaved(
      rounds,
      {
        serial: () => ({ values: items.map((x) => x + 1), chunks: 0, chunksize: 0 }),
        threads: () => map(threads),
        processes: () => map(processes),
        batched: async () => ({
          values: (await Promise.all(batches.map(runBatch))).flat(),
          chunks: ITEMS / BATCH,
          chunksize: BATCH,
        }),
      },
      { runsPerRound: 5 },
    );
    for (const r of Object.values(t)) check(r.value.values);
    add("serial main thread (items.map), reference", t.serial.summary, 0);
    add(
      `(a) paralab Pool.runMap, threads, auto chunksize (${t.threads.value.chunksize})`,
      t.threads.summary,
      t.threads.value.chunks,
    );
    add(
      `(a) paralab Pool.runMap, processes, auto chunksize (${t.processes.value.chunksize})`,
      t.processes.summary,
      t.processes.value.chunks,
    );
    add(`(c) piscina, batches of ${int(BATCH)} items per task`, t.batched.summary, ITEMS / BATCH);

    // One task per item is slow (100,000 round trips): warm up on 10,000 items, time fewer runs.
    await Promise.all(items.slice(0, 10_000).map((x) => piscina.run(x, { name: "inc" })));
    const one = await timeRuns(
      ctx.quick ? 1 : 3,
      () => Promise.all(items.map((x) => piscina.run(x, { name: "inc" }) as Promise<number>)),
      0,
    );
    check(one.value);
    add("(b) piscina, one task per item", one.summary, ITEMS);
  } finally {
    await Promise.all([threads.close(), processes.close(), piscina.destroy()]);
  }

  // Calls are cheap here: more of them, after a warm-up that settles the JIT and the chunk sizes.
  const kernelCalls = { warmup: 10, timed: reps * 3 };
  const inKernel = await timeKernelParallelMap(ctx.root, ITEMS, kernelCalls);
  if (inKernel.serial) add("serial items.map in the same kernel cell, in turn with parallel.map", inKernel.serial, 0);
  if (inKernel.summary) add("(a) paralab parallel.map in a kernel cell, threads, auto chunksize", inKernel.summary, 0);

  const table = formatTable(
    ["variant", "median ms", "min ms", "max ms", "items/s", "dispatches"],
    rows.map((r) => [
      r.label,
      ms(r.summary.medianMs),
      ms(r.summary.minMs),
      ms(r.summary.maxMs),
      int(r.itemsPerSec),
      r.dispatches ? int(r.dispatches) : "",
    ]),
  );
  const rate = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))?.itemsPerSec ?? NaN;
  const a = rate("(a) paralab Pool.runMap, threads");
  const ratios: RatioRow[] = [
    {
      section: ID,
      what: "items/s: (a) pool threads / (c) piscina batched",
      value: a / rate("(c)"),
      goal: ">= 1",
      goalMin: 1,
    },
    { section: ID, what: "items/s: (a) pool threads / (b) piscina per item", value: a / rate("(b)") },
    {
      section: ID,
      what: "items/s: (a) pool processes / (c) piscina batched",
      value: rate("(a) paralab Pool.runMap, processes") / rate("(c)"),
    },
  ];
  if (inKernel.summary)
    ratios.push(
      {
        section: ID,
        what: "items/s: parallel.map / (c) piscina batched",
        value: rate("(a) paralab parallel.map") / rate("(c)"),
        goal: ">= 1",
        goalMin: 1,
      },
      {
        // issue 28 item 5: work this small cannot beat the serial loop, but it should not lose by much;
        // both timed in the same cell, in turn
        section: ID,
        what: "items/s: parallel.map / serial items.map",
        value: rate("(a) paralab parallel.map") / rate(inKernel.serial ? "serial items.map in the same" : "serial"),
        goal: ">= 0.33",
        goalMin: 0.33,
      },
    );
  return {
    id: ID,
    title: TITLE,
    tables: [table],
    notes: [
      `median of ${reps} runs: ${rounds} rounds in which serial, pool threads, pool processes and piscina batched each run 1 untimed + 5 timed times in turn, after a warm-up round; piscina per item: ${ctx.quick ? 1 : 3} runs; parallel.map: ${kernelCalls.timed} runs in one cell after ${kernelCalls.warmup} untimed, each after a serial items.map of the same items in that cell; pools are started before timing; results are checked.`,
      inKernel.summary
        ? "parallel.map is timed inside a paralab kernel cell (performance.now() around each call), driven through jupyter_client."
        : `parallel.map not measured (${inKernel.unavailable}); the pool (its engine) is measured directly.`,
      `serial items.map is the floor: for work this small no pool beats it (${ratio(rows[0].itemsPerSec / a)} the pool's rate).`,
    ],
    ratios,
    data: { items: ITEMS, batch: BATCH, reps, rows },
  };
}
