/**
 * `npm run bench`: runs the compared things side by side, prints a table and ratios per section,
 * a summary of ratios, and writes everything to build/bench.json. Performance claims in paralab
 * come from here, not from timed assertions in unit tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PARALAB_VERSION } from "../version";
import { parseBenchArgs } from "./args";
import { cpuSnapshot, describeMachine, othersPercent } from "./machine";
import { formatSection, formatSummary, type BenchContext, type SectionResult } from "./report";
import * as cpu from "./sections/cpu-bound";
import * as data from "./sections/data-movement";
import * as deno from "./sections/deno";
import * as gpu from "./sections/gpu-matmul";
import * as graph from "./sections/graph";
import * as ipp from "./sections/ipyparallel";
import * as kernel from "./sections/kernel-latency";
import * as cell from "./sections/parallel-cell";
import * as readings from "./sections/readings";
import * as cluster from "./sections/cluster";
import * as tiny from "./sections/tiny-tasks";
import * as toplevel from "./sections/top-level";

const SECTIONS: { id: string; run: (ctx: BenchContext) => Promise<SectionResult> }[] = [
  { id: kernel.ID, run: kernel.runKernelLatency },
  { id: deno.ID, run: deno.runDeno },
  { id: toplevel.ID, run: toplevel.runTopLevel },
  { id: tiny.ID, run: tiny.runTinyTasks },
  { id: cpu.ID, run: cpu.runCpuBound },
  { id: data.ID, run: data.runDataMovement },
  { id: cell.ID, run: cell.runParallelCell },
  { id: ipp.ID, run: ipp.runIpyparallel },
  { id: gpu.ID, run: gpu.runGpuMatmul },
  { id: cluster.ID, run: cluster.runCluster },
  { id: graph.ID, run: graph.runGraphSection },
  { id: readings.ID, run: readings.runReadings },
];

async function main(): Promise<void> {
  const args = parseBenchArgs(
    process.argv.slice(2),
    SECTIONS.map((s) => s.id),
  );
  const root = path.resolve(__dirname, "..", "..", "..");
  const started = performance.now();
  const machine = describeMachine();
  console.log(
    `paralab ${PARALAB_VERSION} benchmarks${args.quick ? " (--quick)" : ""}${args.full ? " (--full)" : ""}: ` +
      `${machine.cpus} cores (${machine.model}), ${machine.memoryGb} GB, node ${machine.node}`,
  );
  const results: SectionResult[] = [];
  for (const s of SECTIONS) {
    if (args.only && !args.only.includes(s.id)) continue;
    const t0 = performance.now();
    const ctx: BenchContext = {
      quick: args.quick,
      full: args.full,
      root,
      log: (m) => console.error(`  [${s.id} ${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}`),
    };
    const before = cpuSnapshot();
    let r: SectionResult;
    try {
      r = await s.run(ctx);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      r = {
        id: s.id,
        title: `${s.id}: failed`,
        tables: [],
        notes: [],
        ratios: [],
        data: undefined,
        skipped: `failed: ${why}`,
      };
    }
    const seconds = (performance.now() - t0) / 1000;
    const others = othersPercent(before, cpuSnapshot());
    r.othersCpuPercent = others === undefined ? undefined : +others.toFixed(1);
    results.push(r);
    console.log(formatSection(r));
    const load =
      others === undefined ? "" : `; other processes used ${others.toFixed(0)}% of the machine's CPU meanwhile`;
    console.log(
      `(${seconds.toFixed(1)} s${load}${others !== undefined && others > 10 ? ": these numbers suffer" : ""})`,
    );
  }
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`\n== Summary of ratios (whole run ${totalSeconds.toFixed(0)} s)\n${formatSummary(results)}`);
  const jsonPath = path.resolve(root, args.jsonPath);
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  const json = {
    version: PARALAB_VERSION,
    date: new Date().toISOString(),
    args,
    machine,
    totalSeconds,
    sections: results,
  };
  fs.writeFileSync(jsonPath, JSON.stringify(json, null, 2));
  console.log(`results written to ${path.relative(process.cwd(), jsonPath) || jsonPath}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
