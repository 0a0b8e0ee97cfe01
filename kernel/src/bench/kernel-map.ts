/**
 * parallel.map timed inside a paralab kernel cell (it needs a running cell), driven through
 * jupyter_client by bench/run_cell.py; the cell prints its timings as JSON.
 */
import { makeKernelSpecs } from "./kernel-specs";
import { ensureVenv, runPython } from "./python";
import { summarize, type Summary } from "./stats";

export interface KernelMapTiming {
  summary?: Summary;
  /** items.map(x => x + 1) timed in the same cell, in turn with parallel.map: the side-by-side floor. */
  serial?: Summary;
  /** Why there is no summary. */
  unavailable?: string;
}

function cell(items: number, warmup: number, reps: number): string {
  return `import { parallel } from "paralab";
const items$bench = Array.from({ length: ${items} }, (_, i) => i);
const times$bench: number[] = [];
const serial$bench: number[] = [];
let last$bench: number[] = [];
let plain$bench = true;
for (let i = 0; i < ${warmup + reps}; i++) {
  const s0 = performance.now();
  const serialOut$bench = items$bench.map((x: number) => x + 1);
  const s1 = performance.now();
  last$bench = await parallel.map((x: number) => x + 1, items$bench, { workers: 2 });
  const t1 = performance.now();
  plain$bench &&= Array.isArray(last$bench) && last$bench[7] === serialOut$bench[7];
  if (i >= ${warmup}) {
    serial$bench.push(s1 - s0);
    times$bench.push(t1 - s1);
  }
}
console.log(JSON.stringify({ times: times$bench, serial: serial$bench, plain: plain$bench, n: last$bench.length, last: last$bench[last$bench.length - 1] }));`;
}

export async function timeKernelParallelMap(
  root: string,
  items: number,
  calls: { warmup: number; timed: number },
): Promise<KernelMapTiming> {
  const venv = ensureVenv(root);
  if (venv) return { unavailable: venv };
  const specs = makeKernelSpecs();
  try {
    const r = await runPython<{ ok: boolean; output: string; error?: string }>(
      root,
      "run_cell.py",
      { kernel: "paralab", cells: [cell(items, calls.warmup, calls.timed)] },
      specs.env,
    );
    if (!r.ok) return { unavailable: r.error ?? "the cell failed" };
    const out = JSON.parse(r.output.trim().split("\n").pop() ?? "") as {
      times: number[];
      serial: number[];
      plain: boolean;
      n: number;
      last: number;
    };
    if (out.n !== items || out.last !== items || !out.plain)
      return { unavailable: `wrong results: ${r.output.slice(0, 100)}` };
    return { summary: summarize(out.times), serial: summarize(out.serial) };
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  } finally {
    specs.remove();
  }
}
