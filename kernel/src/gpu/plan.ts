import { MagicOptionError } from "../errors";
import { isIdentifier } from "../lang/identifier";
import { OptionSpec, ParsedOptions } from "../options/spec";
import { GPU_MODES, GpuMode } from "./mode-names";
import type { GpuJob } from "./execute";

/** Largest output, in elements (128 MiB of float32). */
export const MAX_OUTPUT_ELEMENTS = 2 ** 25;

/** The options of %%gpu and gpu.kernel (README, Magics: %%gpu), declared once for the parser, --help and the API. */
export const GPU_OPTIONS: readonly OptionSpec[] = [
  {
    flag: "--output",
    type: "intList",
    metavar: "X[,Y[,Z]]",
    help: "output size: 1 to 3 dimensions (required)",
    example: "512,512",
  },
  {
    flag: "--in",
    type: "list",
    metavar: "a,b",
    magicOnly: true,
    help: "kernel variables passed as the kernel's parameters, in order",
  },
  {
    flag: "--out",
    type: "string",
    metavar: "NAME",
    magicOnly: true,
    help: "assign the result to NAME (else it is shown)",
    example: "c",
  },
  {
    flag: "--mode",
    type: "choice",
    choices: ["auto", ...GPU_MODES],
    help: "gpu.js mode (default auto: the fastest that works here)",
  },
  {
    flag: "--constants",
    type: "keyValues",
    metavar: "k=v,...",
    help: "numbers the body reads as this.constants.k",
    example: "n=512",
  },
  { flag: "--precision", type: "choice", choices: ["single", "unsigned"], help: "gpu.js precision (default single)" },
  {
    flag: "--compare",
    type: "flag",
    magicOnly: true,
    help: "also run the body as plain TypeScript on one core and on the worker pool; check results agree",
  },
];

/** Everything a %%gpu cell or gpu.kernel call asked for, checked. Pure data. */
export interface GpuPlan {
  /** "%%gpu" or "gpu.kernel", for messages. */
  caller: string;
  /** The kernel function's body as written (TypeScript for %%gpu). */
  body: string;
  /** 1-based cell line of the body's first line. */
  bodyLine: number;
  /** 1-3 sizes: [x], [x, y] or [x, y, z] (gpu.js order: the first is the innermost). */
  output: number[];
  /** The kernel's parameters: the --in variables in order, or the function's parameters. */
  params: string[];
  out?: string;
  mode: GpuMode | "auto";
  constants: Record<string, number>;
  precision: "single" | "unsigned";
  compare: boolean;
}

export interface GpuSource {
  caller: "%%gpu" | "gpu.kernel";
  body: string;
  bodyLine: number;
  /** gpu.kernel: the function's own parameters (the magic takes --in). */
  params?: string[];
}

/** Source + parsed options → GpuPlan; throws MagicOptionError before gpu.js loads. */
export function planGpu(source: GpuSource, o: ParsedOptions): GpuPlan {
  const magic = source.caller === "%%gpu";
  const flag = (field: string) => (magic ? `--${field}` : `options.${field}`);
  const fail = (text: string) => new MagicOptionError(`${source.caller}: ${text}`);
  const output = o.output as number[] | undefined;
  if (!output)
    throw fail(
      `${flag("output")} is required: the size of the result. Try: ${magic ? "%%gpu --output 512,512" : "{ output: [512, 512] }"}`,
    );
  if (output.length < 1 || output.length > 3) {
    throw fail(
      `${flag("output")} takes 1 to 3 dimensions, got ${output.length} (${output.join(",")}). Try: --output 512,512`,
    );
  }
  const elements = output.reduce((a, b) => a * b, 1);
  if (elements > MAX_OUTPUT_ELEMENTS) {
    throw fail(
      `${flag("output")} ${output.join(",")} is ${elements} elements, more than the limit of ${MAX_OUTPUT_ELEMENTS}. ` +
        "Split the work over several cells or shrink the output.",
    );
  }
  if (!source.body.trim())
    throw fail("the kernel has no body. Write it below the %%gpu line, ending with return <number>;");
  const out = o.out as string | undefined;
  if (out !== undefined && !isIdentifier(out)) throw fail(`--out must be a variable name, got "${out}". Try: --out c`);
  const params = source.params ?? (o.in as string[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const name of params) {
    if (seen.has(name))
      throw fail(
        `${magic ? "--in lists" : "the kernel's parameters list"} ${name} twice; each input needs its own name.`,
      );
    seen.add(name);
  }
  return {
    caller: source.caller,
    body: source.body,
    bodyLine: source.bodyLine,
    output,
    params,
    out,
    mode: (o.mode as GpuPlan["mode"] | undefined) ?? "auto",
    constants: (o.constants as Record<string, number> | undefined) ?? {},
    precision: (o.precision as "single" | "unsigned" | undefined) ?? "single",
    compare: Boolean(o.compare),
  };
}

/** What runGpu runs for a plan, given its body as JavaScript. */
export function gpuJobOf(plan: GpuPlan, jsBody: string): GpuJob {
  return {
    body: jsBody,
    params: plan.params,
    output: plan.output,
    mode: plan.mode,
    constants: plan.constants,
    precision: plan.precision,
    lineOffset: plan.bodyLine,
  };
}
