/**
 * Section 8: task graphs (delayed / compute). Scheduling overhead per task on 10,000 tiny tasks,
 * independent and chained, against the same work as one map; a chain of 8 tasks over a 64 MB
 * Float64Array: the bytes that pass through the kernel (the goal: only the final result) and the
 * wall time against the same calls in the kernel and against one job per step (data through the
 * kernel each time); dask.delayed on the same shapes for reference. Graphs run as compute runs
 * them: Pool.runGraph with graph/'s TaskScheduler.
 */
import { TaskScheduler } from "../../graph/scheduler";
import type { Runner } from "../../run/runner";
import { Pool } from "../../pool/pool";
import type { GraphJob, GraphTaskSpec } from "../../run/graphs";
import type { JobCode } from "../../run/jobs";
import { ensureVenv, runPython } from "../python";
import type { BenchContext, RatioRow, SectionResult } from "../report";
import { timeRuns } from "../stats";
import { formatTable, int, mb, ms, ratio } from "../table";
import { INC_MAP } from "../work";

export const ID = "graph";
const TITLE = "8. Task graphs: scheduling overhead per task, and data that stays on the workers (2 workers)";
const TASKS = 10_000;
const ELEMENTS = 8 * 1024 * 1024; // 64 MB of float64
const STEPS = 6; // make, 6 × scale, sum: a chain of 8 tasks

const code = (source: string, filename: string): JobCode => ({ source: `(${source})`, filename, lineOffset: 0 });
const INC = code("(ctx) => ctx.args[0] + 1", "graph-inc");
const MAKE_SRC = "(n) => new Float64Array(n).fill(1)";
// A plain loop, as numpy's xs * 1.000001 is one: TypedArray.prototype.map is several times slower.
const SCALE_SRC =
  "(xs) => { const out = new Float64Array(xs.length); for (let i = 0; i < xs.length; i++) out[i] = xs[i] * 1.000001; return out; }";
const TOTAL_SRC = "(xs) => { let s = 0; for (let i = 0; i < xs.length; i++) s += xs[i]; return s; }";
const call = (src: string, name: string) => code(`(ctx) => (${src})(...ctx.args)`, name);

interface DaskResult {
  dask: string;
  tasks: number;
  independentThreadsMs: number;
  chainThreadsMs: number;
  loopMs: number;
  bigChainMs: number;
  bigInProcessMs: number;
  bigSum: number;
}

/** `count` x + 1 tasks, independent or each reading the one before. */
export function tinyJob(chained: boolean, count = TASKS): GraphJob {
  const tasks: GraphTaskSpec[] = [];
  for (let i = 0; i < count; i++) {
    const id = `t${i}`;
    if (chained && i > 0)
      tasks.push({ id, code: 0, args: [null], refs: [{ path: [0], id: `t${i - 1}` }], deps: [`t${i - 1}`] });
    else tasks.push({ id, code: 0, args: [chained ? 0 : i], refs: [], deps: [] });
  }
  const outputs = chained ? [`t${count - 1}`] : tasks.map((t) => t.id);
  return { codes: [INC], tasks, vars: {}, workers: 2, outputs, kept: {} };
}

/** make(elements) → `steps` × scale → total: a chain of big arrays (64 MB by default). */
export function bigJob(elements = ELEMENTS, steps = STEPS): GraphJob {
  const tasks: GraphTaskSpec[] = [{ id: "make", code: 0, args: [elements], refs: [], deps: [] }];
  for (let s = 1; s <= steps; s++) {
    const prev = tasks[tasks.length - 1].id;
    tasks.push({ id: `scale${s}`, code: 1, args: [null], refs: [{ path: [0], id: prev }], deps: [prev] });
  }
  const last = tasks[tasks.length - 1].id;
  tasks.push({ id: "total", code: 2, args: [null], refs: [{ path: [0], id: last }], deps: [last] });
  return {
    codes: [call(MAKE_SRC, "make"), call(SCALE_SRC, "scale"), call(TOTAL_SRC, "total")],
    tasks,
    vars: {},
    workers: 2,
    outputs: ["total"],
    kept: {},
  };
}

/** Runs a graph as compute does (graph/'s TaskScheduler); throws if a task failed. */
export async function runGraph(runner: Runner, job: GraphJob) {
  const r = await runner.runGraph(job, new TaskScheduler(job.tasks, job.outputs));
  if (r.runs.some((x) => x.status !== "ok"))
    throw new Error(`a graph task failed: ${String(r.runs.find((x) => x.error)?.error?.message)}`);
  return r;
}

export async function runGraphSection(ctx: BenchContext): Promise<SectionResult> {
  const reps = ctx.quick ? 2 : 5;
  const threads = new Pool({ size: 2, kind: "thread" });
  const processes = new Pool({ size: 2, kind: "process" });
  const rows: (string | number)[][] = [];
  const big: (string | number)[][] = [];
  const ratios: RatioRow[] = [];
  const data: Record<string, unknown> = {};
  try {
    await Promise.all([threads.ensureWorkers(2), processes.ensureWorkers(2)]);
    // 1. Tiny tasks.
    const items = Array.from({ length: TASKS }, (_, i) => i);
    const map = await timeRuns(reps, () =>
      threads.runMap({
        code: INC_MAP,
        items,
        vars: {},
        workers: 2,
        ordered: true,
        schedule: "dynamic",
        continueOnError: false,
      }),
    );
    const wide = await timeRuns(reps, () => runGraph(threads, tinyJob(false)));
    if (wide.value.values.get(`t${TASKS - 1}`) !== TASKS) throw new Error("wrong results (independent)");
    const chain = await timeRuns(reps, () => runGraph(threads, tinyJob(true)));
    if (chain.value.values.get(`t${TASKS - 1}`) !== TASKS) throw new Error("wrong results (chain)");
    const wideP = await timeRuns(Math.max(1, reps - 2), () => runGraph(processes, tinyJob(false)));
    const per = (msTotal: number) => ((msTotal * 1000) / TASKS).toFixed(1);
    const mapMs = map.summary.medianMs;
    rows.push(
      ["paralab: one map of 10,000 items (Pool.runMap, auto chunks)", ms(mapMs), per(mapMs), ratio(1)],
      [
        "paralab graph: 10,000 independent tasks, all values back",
        ms(wide.summary.medianMs),
        per(wide.summary.medianMs),
        ratio(wide.summary.medianMs / mapMs),
      ],
      [
        "paralab graph: a chain of 10,000 tasks",
        ms(chain.summary.medianMs),
        per(chain.summary.medianMs),
        ratio(chain.summary.medianMs / mapMs),
      ],
      [
        "paralab graph: 10,000 independent tasks, 2 processes",
        ms(wideP.summary.medianMs),
        per(wideP.summary.medianMs),
        ratio(wideP.summary.medianMs / mapMs),
      ],
    );
    ctx.log(`tiny: map ${ms(mapMs)} ms, graph ${ms(wide.summary.medianMs)} ms, chain ${ms(chain.summary.medianMs)} ms`);
    ratios.push(
      {
        section: ID,
        what: "10,000 tiny tasks: independent graph time / one map time",
        value: wide.summary.medianMs / mapMs,
      },
      {
        section: ID,
        what: "10,000 tiny tasks: chained graph time / one map time",
        value: chain.summary.medianMs / mapMs,
      },
    );
    data.tiny = { tasks: TASKS, mapMs, graphMs: wide.summary, chainMs: chain.summary, graphProcessesMs: wideP.summary };

    // 2. A chain of 8 tasks over 64 MB.
    const make = (0, eval)(MAKE_SRC) as (n: number) => Float64Array;
    const scale = (0, eval)(SCALE_SRC) as (xs: Float64Array) => Float64Array;
    const total = (0, eval)(TOTAL_SRC) as (xs: Float64Array) => number;
    const bigReps = ctx.quick ? 1 : 3;
    const inKernel = await timeRuns(bigReps, () => {
      let xs = make(ELEMENTS);
      for (let s = 0; s < STEPS; s++) xs = scale(xs);
      return total(xs);
    });
    const g = await timeRuns(bigReps, () => runGraph(threads, bigJob()));
    const gp = await timeRuns(bigReps, () => runGraph(processes, bigJob()));
    const sum = g.value.values.get("total") as number;
    if (Math.abs(sum - inKernel.value) > 1e-6 * inKernel.value || gp.value.values.get("total") !== sum) {
      throw new Error(
        `64 MB chain: results differ (${sum}, ${String(gp.value.values.get("total"))}, ${inKernel.value})`,
      );
    }
    // One job per step, the array going back to the kernel after each: what a chain of
    // parallel.map/spmd calls would do without a graph.
    const perStep = await timeRuns(1, async () => {
      let bytes = 0;
      let r = await threads.runSpmd({
        code: code(`async ({ vars }) => (${MAKE_SRC})(vars.n)`, "make"),
        workers: 1,
        vars: { n: ELEMENTS },
      });
      bytes += r.bytesIn + r.bytesOut;
      for (let s = 0; s < STEPS; s++) {
        r = await threads.runSpmd({
          code: code(`async ({ vars }) => (${SCALE_SRC})(vars.xs)`, "scale"),
          workers: 1,
          vars: { xs: r.values[0] },
        });
        bytes += r.bytesIn + r.bytesOut;
      }
      r = await threads.runSpmd({
        code: code(`async ({ vars }) => (${TOTAL_SRC})(vars.xs)`, "total"),
        workers: 1,
        vars: { xs: r.values[0] },
      });
      bytes += r.bytesIn + r.bytesOut;
      return bytes;
    });
    const through = (r: { bytesIn: number; bytesOut: number }) => `${r.bytesIn} B in, ${r.bytesOut} B out`;
    big.push(
      ["the same calls in the kernel (no workers)", ms(inKernel.summary.medianMs), "-", ratio(1)],
      [
        "paralab graph, 2 threads",
        ms(g.summary.medianMs),
        through(g.value),
        ratio(g.summary.medianMs / inKernel.summary.medianMs),
      ],
      [
        "paralab graph, 2 processes",
        ms(gp.summary.medianMs),
        through(gp.value),
        ratio(gp.summary.medianMs / inKernel.summary.medianMs),
      ],
      [
        "one job per step (data back to the kernel each time)",
        ms(perStep.summary.medianMs),
        mb(perStep.value),
        ratio(perStep.summary.medianMs / inKernel.summary.medianMs),
      ],
    );
    ctx.log(`64 MB chain: kernel ${ms(inKernel.summary.medianMs)} ms, graph ${ms(g.summary.medianMs)} ms`);
    ratios.push(
      {
        section: ID,
        what: "64 MB chain: bytes returned to the kernel / bytes of the final result (8 B)",
        value: g.value.bytesOut / 8,
      },
      {
        section: ID,
        what: "64 MB chain: graph on 2 threads time / same calls in the kernel time",
        value: g.summary.medianMs / inKernel.summary.medianMs,
      },
      {
        section: ID,
        what: "64 MB chain: one job per step time / graph time",
        value: perStep.summary.medianMs / g.summary.medianMs,
      },
    );
    data.big = {
      elements: ELEMENTS,
      steps: STEPS,
      inKernelMs: inKernel.summary,
      graphThreads: {
        ms: g.summary,
        bytesIn: g.value.bytesIn,
        bytesOut: g.value.bytesOut,
        moved: g.value.bytesMoved,
        paths: g.value.edges.map((e) => e.path),
      },
      graphProcesses: {
        ms: gp.summary,
        bytesIn: gp.value.bytesIn,
        bytesOut: gp.value.bytesOut,
        moved: gp.value.bytesMoved,
      },
      perStep: { ms: perStep.summary, bytes: perStep.value },
    };
  } finally {
    await Promise.all([threads.close(), processes.close()]);
  }

  // 3. dask.delayed, for reference.
  const notes = [
    "graph rows run as compute runs them (Pool.runGraph + graph/'s TaskScheduler, results kept on the workers); the map row is the same x + 1 work as one map with automatic chunks.",
    "bytes through the kernel = bytes copied to the workers (arguments) + back (the final value); with processes the chain stays on one worker, so nothing is relayed either.",
  ];
  const venv = ensureVenv(ctx.root);
  if (venv) notes.push(`dask rows not available: ${venv}`);
  else {
    const daskTasks = ctx.quick ? 2_000 : TASKS;
    try {
      const d = await runPython<DaskResult>(ctx.root, "dask_bench.py", {
        tasks: daskTasks,
        elements: ELEMENTS,
        steps: STEPS,
        reps: 1,
      });
      const wideMs = (data.tiny as { graphMs: { medianMs: number } }).graphMs.medianMs;
      const chainMs = (data.tiny as { chainMs: { medianMs: number } }).chainMs.medianMs;
      const scaleTo = TASKS / daskTasks;
      rows.push(
        [
          `dask.delayed (threads, 2 workers): ${int(daskTasks)} independent tasks`,
          ms(d.independentThreadsMs),
          ((d.independentThreadsMs * 1000) / daskTasks).toFixed(1),
          "-",
        ],
        [
          `dask.delayed (threads, 2 workers): a chain of ${int(daskTasks)}`,
          ms(d.chainThreadsMs),
          ((d.chainThreadsMs * 1000) / daskTasks).toFixed(1),
          "-",
        ],
      );
      big.push(
        ["numpy, the same calls in Python", ms(d.bigInProcessMs), "-", "-"],
        ["dask.delayed (threads): shared memory, nothing copied", ms(d.bigChainMs), "n/a", "-"],
      );
      ratios.push(
        {
          section: ID,
          what: "tiny tasks, µs per task: dask.delayed (threads) / paralab graph, independent",
          value: d.independentThreadsMs / daskTasks / (wideMs / TASKS),
        },
        {
          section: ID,
          what: "tiny tasks, µs per task: dask.delayed (threads) / paralab graph, chain",
          value: d.chainThreadsMs / daskTasks / (chainMs / TASKS),
        },
      );
      notes.push(
        `dask ${d.dask}${daskTasks !== TASKS ? ` on ${int(daskTasks)} tasks (--quick; dask's time per task grows with the graph, so the ratio favours dask ${scaleTo.toFixed(0)}x-sized down)` : ""}; one run each. Dask's threads share one heap, so its 64 MB chain copies nothing, where paralab's threads have separate heaps.`,
      );
      data.dask = d;
    } catch (e) {
      notes.push(`dask rows not available: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return {
    id: ID,
    title: TITLE,
    tables: [
      formatTable(["10,000 tiny tasks: x + 1", "ms", "µs per task", "vs one map"], rows),
      formatTable(
        [
          `a chain of ${STEPS + 2} tasks over 64 MB (make, ${STEPS} × scale, sum)`,
          "ms",
          "through the kernel",
          "vs kernel",
        ],
        big,
      ),
    ],
    notes,
    ratios,
    data,
  };
}
