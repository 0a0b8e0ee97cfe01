/**
 * Matrix multiply in every working gpu.js mode against plain serial
 * JavaScript. Run directly: `node kernel/dist/gpu/bench.js [256,512,1024]`.
 */
import { agreement, TOLERANCE } from "./compare";
import { GpuMode, probeModes, workingModes } from "./modes";
import { clearGpuCache, runGpu } from "./execute";
import { flattenOutput } from "./serial";

export interface MatmulBenchRow {
  size: number;
  /** "js" is the plain serial reference */
  mode: GpuMode | "js";
  /** first call: parse + build; 0 for js */
  compileMs: number;
  /** first run after the build */
  firstRunMs: number;
  /** second (cached) run: the steady state */
  runMs: number;
  /** js runMs / this runMs */
  speedupVsJs: number;
  maxAbsDiff: number;
  agree: boolean;
}

export interface MatmulBenchOptions {
  /** skip a mode above this size, e.g. { cpu: 512 } when it would take too long */
  maxSizeByMode?: Partial<Record<GpuMode | "js", number>>;
  onRow?: (row: MatmulBenchRow) => void;
}

const MATMUL_BODY = [
  "let sum = 0;",
  "for (let i = 0; i < this.constants.n; i++) {",
  "  sum += a[this.thread.y][i] * b[i][this.thread.x];",
  "}",
  "return sum;",
].join("\n");

export async function benchMatmul(
  sizes: number[] = [256, 512, 1024],
  options: MatmulBenchOptions = {},
): Promise<MatmulBenchRow[]> {
  const modes = workingModes(await probeModes());
  const rows: MatmulBenchRow[] = [];
  const emit = (row: MatmulBenchRow) => {
    rows.push(row);
    options.onRow?.(row);
  };
  for (const n of sizes) {
    const a = randomMatrix(n, 1);
    const b = randomMatrix(n, 2);
    const started = performance.now();
    const reference = matmulJs(a, b, n);
    const jsMs = performance.now() - started;
    emit({
      size: n,
      mode: "js",
      compileMs: 0,
      firstRunMs: jsMs,
      runMs: jsMs,
      speedupVsJs: 1,
      maxAbsDiff: 0,
      agree: true,
    });

    for (const mode of modes) {
      const cap = options.maxSizeByMode?.[mode];
      if (cap !== undefined && n > cap) continue;
      const plan = {
        body: MATMUL_BODY,
        params: ["a", "b"],
        output: [n, n],
        mode,
        constants: { n },
        precision: "single" as const,
        lineOffset: 1,
      };
      const first = await runGpu(plan, [a, b]);
      const second = await runGpu(plan, [a, b]);
      const check = agreement(flattenOutput(second.value), reference, TOLERANCE.single);
      emit({
        size: n,
        mode: second.mode,
        compileMs: first.compileMs,
        firstRunMs: first.runMs,
        runMs: second.runMs,
        speedupVsJs: jsMs / second.runMs,
        maxAbsDiff: check.maxAbsDiff,
        agree: check.agree,
      });
    }
    clearGpuCache();
  }
  return rows;
}

/** Rows as an aligned text table. */
export function formatMatmulBench(rows: readonly MatmulBenchRow[]): string {
  const head = ["size", "mode", "compile ms", "1st run ms", "run ms", "vs js", "max |diff|", "agree"];
  const body = rows.map((r) => [
    String(r.size),
    r.mode,
    r.compileMs.toFixed(1),
    r.firstRunMs.toFixed(1),
    r.runMs.toFixed(1),
    `${r.speedupVsJs.toFixed(2)}x`,
    r.maxAbsDiff.toExponential(1),
    r.agree ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  return [head, ...body].map((row) => row.map((cell, i) => cell.padStart(widths[i])).join("  ")).join("\n");
}

function randomMatrix(n: number, seed: number): Float32Array[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => Float32Array.from({ length: n }, next));
}

/** Plain serial JS, the same loop as the kernel body; flat result, x fastest. */
function matmulJs(a: Float32Array[], b: Float32Array[], n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    const row = a[y];
    for (let x = 0; x < n; x++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += row[i] * b[i][x];
      out[y * n + x] = sum;
    }
  }
  return out;
}

if (require.main === module) {
  const sizes = process.argv[2] ? process.argv[2].split(",").map(Number) : undefined;
  benchMatmul(sizes, { onRow: (r) => console.error(`${r.size} ${r.mode}: ${r.runMs.toFixed(1)} ms`) }).then(
    (rows) => console.log(formatMatmulBench(rows)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
