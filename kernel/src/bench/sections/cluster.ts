/**
 * Section 8: the same maps on the local pool (2 processes, 2 threads) and on a cluster of 2
 * `paralab worker` processes on this machine (BullMQ on a local redis-server), with ipyparallel's
 * 2 engines on the same jobs for reference (bench/ipp_bench.py, as in section 6):
 * per-task overhead (chunksize 1), tiny items with the default chunksize, and the CPU-bound
 * speedup of Monte Carlo pi split in two (the hits must agree everywhere: it is the same job);
 * and task graphs of tiny tasks, independent and chained, as compute runs them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseClusterUrl } from "../../cluster/address";
import { ClusterRunner } from "../../cluster/runner";
import { Pool } from "../../pool/pool";
import type { MapJob } from "../../run/jobs";
import type { Runner } from "../../run/runner";
import { startLocalCluster } from "../local-cluster";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, RatioRow, SectionResult } from "../report";
import { timeRuns } from "../stats";
import { formatTable, int, ms, ratio } from "../table";
import { ALLREDUCE_SPMD, INC_MAP, PING_PONG_SPMD, PI_TASK_SOURCE, piTask } from "../work";
import { bigJob, runGraph, tinyJob } from "./graph";

export const ID = "cluster";
const TITLE = "8. Cluster (2 paralab workers via BullMQ on a local Redis) vs local pool (2 workers), same maps";
const SEED = 12345;
const BIG_ELEMENTS = 1024 * 1024; // 8 MB of float64
const BIG_STEPS = 3;
/** Comm calls per SPMD run (allreduce, ping-pong): the run's start is shared among them. */
const COMM_ROUNDS = 200;

const PI_MAP = {
  source: `(async ({ item, vars }) => (${PI_TASK_SOURCE})(vars.seed + item, vars.samples))`,
  filename: "pi-map",
  lineOffset: 0,
};

interface Measured {
  label: string;
  /** One item, one task: the round trip of a map call. */
  oneTaskMs: number;
  /** chunksize 1 over `perTaskItems` no-op items: wall per task with 2 workers. */
  perTaskMs: number;
  tinyItemsPerSec: number;
  tinyChunks: number;
  piMs: number;
  piHits: number[];
  /** Task graphs of `graphTasks` tiny tasks: wall per task. */
  graphWideMs: number;
  graphChainMs: number;
  /** A chain of 8 MB arrays: wall, and the bytes that moved between workers. */
  bigChainMs: number;
  bigChainMovedBytes: number;
  /** SPMD on 2 ranks: one allreduce, and one send/recv round trip. */
  allreduceMs: number;
  pingPongMs: number;
}

interface IppResult {
  startupSeconds: number;
  maps: Record<string, { items: number; seconds: number; itemsPerSec: number }>;
  cpu: { samples: number; hitsPerRank: number[]; serialSeconds: number; parallelSeconds: number; speedup: number };
}

export async function runCluster(ctx: BenchContext): Promise<SectionResult> {
  const base: SectionResult = { id: ID, title: TITLE, tables: [], notes: [], ratios: [], data: undefined };
  const reps = ctx.quick ? 3 : 7;
  const tinyItems = ctx.quick ? 30_000 : 100_000;
  const perTaskItems = ctx.quick ? 300 : 1_000;
  const samples = ctx.quick ? 20_000_000 : 60_000_000;
  const graphTasks = ctx.quick ? 500 : 2_000;

  const serial = await timeRuns(reps, () => [0, 1].map((r) => piTask()(SEED + r, samples / 2)));
  ctx.log(`pi serial: ${ms(serial.summary.medianMs)} ms`);
  const cluster = await startLocalCluster(2, 1);
  const rows: Measured[] = [];
  try {
    const runners: [string, Runner & { close(): Promise<void> }][] = [
      ["local pool, 2 processes", new Pool({ size: 2, kind: "process" })],
      ["local pool, 2 threads", new Pool({ size: 2, kind: "thread" })],
      ["cluster, 2 paralab workers", new ClusterRunner(parseClusterUrl(cluster.url), () => Buffer.from(cluster.key))],
    ];
    for (const [label, runner] of runners) {
      try {
        await runner.ensureWorkers(2);
        rows.push(await measure(label, runner, { reps, tinyItems, perTaskItems, samples, graphTasks }));
        ctx.log(`${label}: done`);
      } finally {
        await runner.close();
      }
    }
  } finally {
    cluster.stop();
  }
  const serialHits = serial.value;
  for (const r of rows)
    if (r.piHits.join() !== serialHits.join())
      throw new Error(`pi hits differ: ${r.label} ${r.piHits.join()}, serial ${serialHits.join()}`);

  let ipp: IppResult | undefined;
  let ippNote: string;
  const venv = ensureVenv(ctx.root);
  if (venv) ippNote = `ipyparallel not measured: ${venv}`;
  else {
    const ipythonDir = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-bench-ipython-"));
    try {
      ipp = await runPython<IppResult>(
        ctx.root,
        "ipp_bench.py",
        {
          items: tinyItems,
          itemsChunk1: perTaskItems,
          chunksize: 1000,
          samples: ctx.quick ? 400_000 : 1_000_000,
          seed: SEED,
          reps: ctx.quick ? 1 : 3,
        },
        { IPYTHONDIR: ipythonDir },
      );
      ippNote = `ipyparallel: 2 engines (started in ${ipp.startupSeconds.toFixed(1)} s, not in the rows); load-balanced map with its default chunksize 1 for per task and tiny items; pi as apply on both engines (what %%px does) with fewer samples (CPython is ~90x slower), so only its speedup compares.`;
    } catch (e) {
      ippNote = `ipyparallel not measured: ${(e as Error).message}`;
    } finally {
      fs.rmSync(ipythonDir, { recursive: true, force: true });
    }
  }

  const piSpeedup = (r: Measured) => serial.summary.medianMs / r.piMs;
  const table = formatTable(
    [
      "2 workers",
      "1-item map ms",
      "per task ms (chunksize 1)",
      "tiny items/s (auto chunks)",
      "pi ms",
      "pi speedup",
      "graph µs/task: independent",
      "chained",
      "8 MB chain ms (moved)",
      "SPMD allreduce ms",
      "ping-pong round trip ms",
    ],
    [
      ...rows.map((r) => [
        r.label,
        ms(r.oneTaskMs),
        ms(r.perTaskMs),
        `${int(r.tinyItemsPerSec)} (${r.tinyChunks} tasks)`,
        ms(r.piMs),
        ratio(piSpeedup(r)),
        ms(r.graphWideMs * 1000),
        ms(r.graphChainMs * 1000),
        `${ms(r.bigChainMs)} (${int(r.bigChainMovedBytes / 1e6)} MB)`,
        ms(r.allreduceMs),
        ms(r.pingPongMs),
      ]),
      ...(ipp
        ? [
            [
              "ipyparallel, 2 engines",
              "",
              ms(1000 / (ipp.maps["load-balanced map, chunksize 1 (default)"]?.itemsPerSec ?? NaN)),
              int(ipp.maps["load-balanced map, chunksize 1 (default)"]?.itemsPerSec ?? NaN),
              ms(ipp.cpu.parallelSeconds * 1000),
              ratio(ipp.cpu.speedup),
              "",
              "",
              "",
              "",
              "",
            ],
          ]
        : []),
    ],
  );
  const byLabel = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))!;
  const procs = byLabel("local pool, 2 processes");
  const threads = byLabel("local pool, 2 threads");
  const onCluster = byLabel("cluster");
  const ratios: RatioRow[] = [
    { section: ID, what: "per-task time: cluster / local processes", value: onCluster.perTaskMs / procs.perTaskMs },
    { section: ID, what: "1-item map time: cluster / local processes", value: onCluster.oneTaskMs / procs.oneTaskMs },
    {
      section: ID,
      what: "tiny items/s: cluster / local processes",
      value: onCluster.tinyItemsPerSec / procs.tinyItemsPerSec,
    },
    {
      section: ID,
      what: "tiny items/s: cluster / local threads",
      value: onCluster.tinyItemsPerSec / threads.tinyItemsPerSec,
    },
    { section: ID, what: "pi speedup: cluster / local processes", value: piSpeedup(onCluster) / piSpeedup(procs) },
    {
      section: ID,
      what: "graph time per independent tiny task: cluster / local processes",
      value: onCluster.graphWideMs / procs.graphWideMs,
    },
    {
      section: ID,
      what: "graph time per chained tiny task: cluster / local processes",
      value: onCluster.graphChainMs / procs.graphChainMs,
    },
    {
      section: ID,
      what: "chain of 8 MB arrays: cluster / local processes",
      value: onCluster.bigChainMs / procs.bigChainMs,
    },
    {
      section: ID,
      what: "SPMD allreduce: cluster / local processes",
      value: onCluster.allreduceMs / procs.allreduceMs,
    },
    {
      section: ID,
      what: "SPMD ping-pong round trip: cluster / local processes",
      value: onCluster.pingPongMs / procs.pingPongMs,
    },
  ];
  if (ipp) {
    const lb = ipp.maps["load-balanced map, chunksize 1 (default)"];
    if (lb) {
      ratios.push({
        section: ID,
        what: "per-task time: cluster / ipyparallel (chunksize 1)",
        value: onCluster.perTaskMs / (1000 / lb.itemsPerSec),
      });
      ratios.push({
        section: ID,
        what: "tiny items/s, default chunksize: cluster / ipyparallel",
        value: onCluster.tinyItemsPerSec / lb.itemsPerSec,
      });
    }
    ratios.push({
      section: ID,
      what: "pi speedup: cluster / ipyparallel",
      value: piSpeedup(onCluster) / ipp.cpu.speedup,
    });
  }
  return {
    ...base,
    tables: [table],
    notes: [
      `medians of ${reps} runs after a warm-up, workers started before timing. 1-item map: one map call of one item. per task: ${int(perTaskItems)} no-op items with chunksize 1, wall / tasks. tiny: x => x + 1 over ${int(tinyItems)} items, automatic chunksize. pi: ${int(samples)} samples in 2 items (one per worker) vs serial ${ms(serial.summary.medianMs)} ms in this thread; hits agree everywhere. graph: ${int(graphTasks)} x + 1 tasks, independent (all returned) or a chain (each reads the one before), run as compute runs them, wall / tasks (tiny tasks travel in batches). 8 MB chain: make 1M float64, ${BIG_STEPS} × scale, sum; the chain stays on one worker on both (on the cluster the worker holds each 8 MB result and the next link goes to its own queue; only tasks and results' sizes go through Redis). SPMD: 2 ranks, ${COMM_ROUNDS} allreduces or send/recv round trips per run, wall / rounds (the run's start included).`,
      "the cluster's workers are 2 `paralab worker` processes with --concurrency 1 on this machine, so Redis, the workers and the kernel share its cores: a real cluster adds network latency but not this contention.",
      ippNote,
    ],
    ratios,
    data: {
      reps,
      tinyItems,
      perTaskItems,
      samples,
      graphTasks,
      serialPiMs: serial.summary.medianMs,
      rows,
      ipyparallel: ipp,
    },
  };
}

async function measure(
  label: string,
  runner: Runner,
  o: { reps: number; tinyItems: number; perTaskItems: number; samples: number; graphTasks: number },
): Promise<Measured> {
  const job = (items: unknown[], extra: Partial<MapJob> = {}): MapJob => ({
    code: INC_MAP,
    items,
    vars: {},
    workers: 2,
    ordered: true,
    schedule: "dynamic",
    continueOnError: false,
    ...extra,
  });
  const one = await timeRuns(o.reps * 3, () => runner.runMap(job([1])), 3);
  const perTask = await timeRuns(o.reps, () =>
    runner.runMap(
      job(
        Array.from({ length: o.perTaskItems }, (_, i) => i),
        { chunksize: 1 },
      ),
    ),
  );
  const tinyInput = Array.from({ length: o.tinyItems }, (_, i) => i);
  const tiny = await timeRuns(o.reps, () => runner.runMap(job(tinyInput)));
  if (tiny.value.values[o.tinyItems - 1] !== o.tinyItems) throw new Error(`${label}: wrong tiny results`);
  const pi = await timeRuns(o.reps, () =>
    runner.runMap({ ...job([0, 1], { chunksize: 1 }), code: PI_MAP, vars: { seed: SEED, samples: o.samples / 2 } }),
  );
  const wide = await timeRuns(o.reps, () => runGraph(runner, tinyJob(false, o.graphTasks)));
  if (wide.value.values.get(`t${o.graphTasks - 1}`) !== o.graphTasks) throw new Error(`${label}: wrong graph results`);
  const chain = await timeRuns(o.reps, () => runGraph(runner, tinyJob(true, o.graphTasks)));
  if (chain.value.values.get(`t${o.graphTasks - 1}`) !== o.graphTasks) throw new Error(`${label}: wrong chain result`);
  const big = await timeRuns(o.reps, () => runGraph(runner, bigJob(BIG_ELEMENTS, BIG_STEPS)));
  const moved = big.value.bytesMoved;
  const spmd = (code: typeof ALLREDUCE_SPMD) => () =>
    runner.runSpmd({ code, workers: 2, vars: { rounds: COMM_ROUNDS } });
  const allreduce = await timeRuns(o.reps, spmd(ALLREDUCE_SPMD));
  if (allreduce.value.values.join() !== "2,2")
    throw new Error(`${label}: wrong allreduce ${allreduce.value.values.join()}`);
  const pingPong = await timeRuns(o.reps, spmd(PING_PONG_SPMD));
  return {
    label,
    graphWideMs: wide.summary.medianMs / o.graphTasks,
    graphChainMs: chain.summary.medianMs / o.graphTasks,
    bigChainMs: big.summary.medianMs,
    bigChainMovedBytes: moved.port + moved.relay + (moved.redis ?? 0),
    oneTaskMs: one.summary.medianMs,
    perTaskMs: perTask.summary.medianMs / o.perTaskItems,
    tinyItemsPerSec: o.tinyItems / (tiny.summary.medianMs / 1000),
    tinyChunks: tiny.value.chunks,
    piMs: pi.summary.medianMs,
    piHits: pi.value.values as number[],
    allreduceMs: allreduce.summary.medianMs / COMM_ROUNDS,
    pingPongMs: pingPong.summary.medianMs / COMM_ROUNDS,
  };
}
