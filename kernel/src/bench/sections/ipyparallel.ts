/**
 * Section 6: ipyparallel (2 local engines) side by side with paralab's pool (2 threads) on the
 * same jobs: the tiny map of section 2 and the Monte Carlo pi of section 3 with the same seeds
 * and sample count (the hits must agree, which shows it is the same job).
 */
import { Pool } from "../../pool/pool";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, RatioRow, SectionResult } from "../report";
import { timeRuns } from "../stats";
import { formatTable, int, ms, ratio } from "../table";
import { INC_MAP, PI_SPMD, piTask } from "../work";

export const ID = "ipp";
const TITLE = "6. ipyparallel (2 engines) vs paralab pool (2 threads), same jobs";
const ITEMS = 100_000;
const SEED = 12345;

interface IppResult {
  engines: number;
  startupSeconds: number;
  maps: Record<string, { items: number; seconds: number; itemsPerSec: number }>;
  cpu: { samples: number; hitsPerRank: number[]; serialSeconds: number; parallelSeconds: number; speedup: number };
}

export async function runIpyparallel(ctx: BenchContext): Promise<SectionResult> {
  const base: SectionResult = { id: ID, title: TITLE, tables: [], notes: [], ratios: [], data: undefined };
  const venv = ensureVenv(ctx.root);
  if (venv) return { ...base, skipped: venv };
  const reps = ctx.quick ? 1 : 3;
  const options = {
    items: ITEMS,
    itemsChunk1: ctx.quick ? 300 : 1_000,
    chunksize: 1_000,
    samples: ctx.quick ? 2_000_000 : 4_000_000,
    seed: SEED,
    reps,
  };
  const ipp = await runPython<IppResult>(ctx.root, "ipp_bench.py", options);
  const half = options.samples / 2;

  const pool = new Pool({ size: 2, kind: "thread" });
  let mapMs: number, piMs: number, piSerialMs: number, hits: number[];
  const items = Array.from({ length: ITEMS }, (_, i) => i);
  try {
    const job = {
      code: INC_MAP,
      items,
      vars: {},
      workers: 2,
      ordered: true,
      schedule: "dynamic" as const,
      continueOnError: false,
    };
    mapMs = (await timeRuns(reps + 2, () => pool.runMap(job), 2)).summary.medianMs;
    const pi = await timeRuns(
      reps + 2,
      () => pool.runSpmd({ code: PI_SPMD, workers: 2, vars: { seed: SEED, samples: half } }),
      1,
    );
    piMs = pi.summary.medianMs;
    hits = pi.value.values as number[];
    const task = piTask();
    piSerialMs = (await timeRuns(reps + 2, () => [0, 1].map((r) => task(SEED + r, half)))).summary.medianMs;
  } finally {
    await pool.close();
  }
  if (hits.join() !== ipp.cpu.hitsPerRank.join()) {
    throw new Error(`Monte Carlo hits differ: paralab ${hits.join()} vs ipyparallel ${ipp.cpu.hitsPerRank.join()}`);
  }
  const paralabRate = ITEMS / (mapMs / 1000);
  const mapRows = [
    ["paralab Pool.runMap, 2 threads, auto chunksize", int(ITEMS), ms(mapMs), int(paralabRate), ""],
    ...Object.entries(ipp.maps).map(([label, m]) => [
      `ipyparallel ${label}`,
      int(m.items),
      ms(m.seconds * 1000),
      int(m.itemsPerSec),
      ratio(paralabRate / m.itemsPerSec),
    ]),
  ];
  const cpuRows = [
    ["paralab: serial main thread (JS)", ms(piSerialMs), ""],
    ["paralab: SPMD on 2 threads", ms(piMs), ratio(piSerialMs / piMs)],
    ["ipyparallel: serial in the client (CPython)", ms(ipp.cpu.serialSeconds * 1000), ""],
    ["ipyparallel: apply on 2 engines (%%px-style)", ms(ipp.cpu.parallelSeconds * 1000), ratio(ipp.cpu.speedup)],
  ];
  const lbChunk = Object.entries(ipp.maps).find(([l]) => l.includes(`chunksize ${int(options.chunksize)}`))?.[1];
  const lbDefault = Object.entries(ipp.maps).find(([l]) => l.includes("(default)"))?.[1];
  const ratios: RatioRow[] = [];
  if (lbChunk)
    ratios.push({
      section: ID,
      what: `tiny map items/s: paralab / ipyparallel lb chunksize ${options.chunksize}`,
      value: paralabRate / lbChunk.itemsPerSec,
    });
  if (lbDefault)
    ratios.push({
      section: ID,
      what: "tiny map items/s: paralab / ipyparallel lb default chunksize",
      value: paralabRate / lbDefault.itemsPerSec,
    });
  ratios.push(
    {
      section: ID,
      what: "pi, same samples: ipyparallel 2 engines time / paralab 2 threads time",
      value: (ipp.cpu.parallelSeconds * 1000) / piMs,
    },
    { section: ID, what: "pi speedup on 2 workers: paralab / ipyparallel", value: piSerialMs / piMs / ipp.cpu.speedup },
  );
  return {
    ...base,
    tables: [
      formatTable(["tiny map x => x + 1", "items", "ms", "items/s", "paralab is"], mapRows),
      formatTable(
        [`Monte Carlo pi, ${int(options.samples)} samples, same seeds`, "median ms", "speedup vs own serial"],
        cpuRows,
      ),
    ],
    notes: [
      `ipyparallel 2 engines started in ${ipp.startupSeconds.toFixed(1)} s (not timed in the rows); median of ${reps} runs (default-chunksize map: 1 run on fewer items, it is slow).`,
      `hits per rank agree between paralab (JS) and ipyparallel (CPython): ${hits.join(", ")}; the time gap is mostly JS vs CPython, the speedups compare the frameworks.`,
    ],
    ratios,
    data: { options, ipyparallel: ipp, paralab: { mapMs, itemsPerSec: paralabRate, piMs, piSerialMs, hits } },
  };
}
