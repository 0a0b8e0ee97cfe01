/**
 * Section 6: ipyparallel (2 local engines) side by side with paralab's pool (2 threads) on the
 * same jobs: the tiny map of section 2, and the Monte Carlo pi of section 3 with the same seeds
 * and samples (the hits must agree: it is the same job) and, since JS runs it ~90x faster than
 * CPython, once more with as many samples as make paralab's serial run as long as CPython's,
 * so that the two speedups are measured on jobs of equal length.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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

interface PiRun {
  samples: number;
  serialMs: number;
  parallelMs: number;
  hits: number[];
}

export async function runIpyparallel(ctx: BenchContext): Promise<SectionResult> {
  const base: SectionResult = { id: ID, title: TITLE, tables: [], notes: [], ratios: [], data: undefined };
  const venv = ensureVenv(ctx.root);
  if (venv) return { ...base, skipped: venv };
  const reps = ctx.quick ? 1 : 3;
  const chunksize = 1_000;
  const options = {
    items: ITEMS,
    itemsChunk1: ctx.quick ? 300 : 1_000,
    chunksize,
    samples: ctx.quick ? 2_000_000 : 4_000_000,
    seed: SEED,
    reps,
  };
  // ipyparallel keeps its profile (connection files, logs) in IPYTHONDIR: a temporary one.
  const ipythonDir = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-bench-ipython-"));
  let ipp: IppResult;
  try {
    ipp = await runPython<IppResult>(ctx.root, "ipp_bench.py", options, { IPYTHONDIR: ipythonDir });
  } finally {
    fs.rmSync(ipythonDir, { recursive: true, force: true });
  }

  const pool = new Pool({ size: 2, kind: "thread" });
  let mapMs: number, same: PiRun, equal: PiRun;
  try {
    const items = Array.from({ length: ITEMS }, (_, i) => i);
    const job = { code: INC_MAP, items, vars: {}, workers: 2, ordered: true, schedule: "dynamic" as const };
    mapMs = (await timeRuns(reps + 2, () => pool.runMap({ ...job, continueOnError: false }), 2)).summary.medianMs;
    same = await piOnPool(pool, options.samples, reps + 2);
    const scaled = (options.samples * ipp.cpu.serialSeconds * 1000) / same.serialMs;
    equal = await piOnPool(pool, 2 * Math.round(scaled / 2), reps);
    ctx.log(`pi: same samples ${ms(same.parallelMs)} ms, equal duration ${ms(equal.parallelMs)} ms`);
  } finally {
    await pool.close();
  }
  if (same.hits.join() !== ipp.cpu.hitsPerRank.join()) {
    throw new Error(
      `Monte Carlo hits differ: paralab ${same.hits.join()} vs ipyparallel ${ipp.cpu.hitsPerRank.join()}`,
    );
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
    [
      "ipyparallel (CPython)",
      int(options.samples),
      ms(ipp.cpu.serialSeconds * 1000),
      ms(ipp.cpu.parallelSeconds * 1000),
      ratio(ipp.cpu.speedup),
    ],
    [
      "paralab (JS), same samples",
      int(same.samples),
      ms(same.serialMs),
      ms(same.parallelMs),
      ratio(same.serialMs / same.parallelMs),
    ],
    [
      "paralab (JS), same serial time",
      int(equal.samples),
      ms(equal.serialMs),
      ms(equal.parallelMs),
      ratio(equal.serialMs / equal.parallelMs),
    ],
  ];
  const rate = (needle: string) => Object.entries(ipp.maps).find(([l]) => l.includes(needle))?.[1].itemsPerSec;
  const ratios: RatioRow[] = [];
  for (const [needle, what] of [
    [`chunksize ${chunksize}`, `lb map chunksize ${chunksize}`],
    ["(default)", "lb map default chunksize"],
    ["DirectView", "DirectView map"],
  ]) {
    const r = rate(needle);
    if (r)
      ratios.push({ section: ID, what: `tiny map items/s: paralab / ipyparallel ${what}`, value: paralabRate / r });
  }
  ratios.push(
    {
      section: ID,
      what: "pi, same job: ipyparallel 2 engines time / paralab 2 threads time",
      value: (ipp.cpu.parallelSeconds * 1000) / same.parallelMs,
    },
    {
      section: ID,
      what: "pi speedup at equal serial time: paralab / ipyparallel",
      value: equal.serialMs / equal.parallelMs / ipp.cpu.speedup,
    },
  );
  return {
    ...base,
    tables: [
      formatTable(["tiny map x => x + 1", "items", "ms", "items/s", "paralab is"], mapRows),
      formatTable(["Monte Carlo pi, 2 workers", "samples", "serial ms", "2 workers ms", "speedup"], cpuRows),
    ],
    notes: [
      `ipyparallel: 2 engines started in ${ipp.startupSeconds.toFixed(1)} s (not in the rows); serial = the client process, parallel = apply on both engines (what %%px does), half the samples each; median of ${reps} runs (default-chunksize map: 1 run on fewer items, it is slow).`,
      `paralab: serial = main thread, parallel = SPMD on 2 warm threads; hits per rank agree with CPython's: ${same.hits.join(", ")}.`,
    ],
    ratios,
    data: {
      options,
      ipyparallel: ipp,
      paralab: { mapMs, itemsPerSec: paralabRate, sameSamples: same, equalSerialTime: equal },
    },
  };
}

async function piOnPool(pool: Pool, samples: number, reps: number): Promise<PiRun> {
  const half = samples / 2;
  const task = piTask();
  const serial = await timeRuns(reps, () => [0, 1].map((r) => task(SEED + r, half)));
  const par = await timeRuns(reps, () =>
    pool.runSpmd({ code: PI_SPMD, workers: 2, vars: { seed: SEED, samples: half } }),
  );
  const hits = par.value.values as number[];
  if (hits.join() !== serial.value.join())
    throw new Error(`pi hits differ: pool ${hits.join()}, serial ${serial.value.join()}`);
  return { samples, serialMs: serial.summary.medianMs, parallelMs: par.summary.medianMs, hits };
}
