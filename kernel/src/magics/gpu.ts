import { MagicOptionError } from "../errors";
import { MagicCall } from "./parse";
import { OptionSpec, ParsedOptions } from "./options";

export const GPU_MODE_CHOICES = ["auto", "gpu", "webgpu", "headlessgl", "webasm", "cpu"] as const;

/** The options of %%gpu (SPEC §4), declared once for the parser and --help. */
export const GPU_OPTIONS: readonly OptionSpec[] = [
  {
    flag: "--output",
    type: "intList",
    metavar: "X[,Y[,Z]]",
    help: "output size: 1 to 3 dimensions (required)",
    example: "512,512",
  },
  { flag: "--in", type: "list", metavar: "a,b", help: "kernel variables passed as the kernel's parameters, in order" },
  {
    flag: "--out",
    type: "string",
    metavar: "NAME",
    help: "assign the result to NAME (else it is shown)",
    example: "c",
  },
  {
    flag: "--mode",
    type: "choice",
    choices: GPU_MODE_CHOICES,
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
    help: "also run the body as plain TypeScript on one core and on the worker pool; check results agree",
  },
];

/** Everything a %%gpu cell asked for. Pure data. */
export interface GpuCellPlan {
  body: string;
  /** 1-based cell line of the body's first line. */
  bodyLine: number;
  output: number[];
  params: string[];
  out?: string;
  mode: (typeof GPU_MODE_CHOICES)[number];
  constants: Record<string, number>;
  precision: "single" | "unsigned";
  compare: boolean;
}

export function planGpu(call: MagicCall, o: ParsedOptions): GpuCellPlan {
  const output = o.output as number[] | undefined;
  if (!output)
    throw new MagicOptionError("%%gpu: --output is required: the size of the result. Try: %%gpu --output 512,512");
  if (output.length > 3) {
    throw new MagicOptionError(
      `%%gpu: --output takes 1 to 3 dimensions, got ${output.length} (${output.join(",")}). Try: --output 512,512`,
    );
  }
  if (!call.body.trim())
    throw new MagicOptionError(
      "%%gpu: the cell has no kernel body. Write it below the %%gpu line, ending with return <number>;",
    );
  const out = o.out as string | undefined;
  if (out !== undefined && !/^[A-Za-z_$][\w$]*$/.test(out))
    throw new MagicOptionError(`%%gpu: --out must be a variable name, got "${out}". Try: --out c`);
  return {
    body: call.body,
    bodyLine: call.bodyLine + 1,
    output,
    params: (o.in as string[] | undefined) ?? [],
    out,
    mode: (o.mode as GpuCellPlan["mode"] | undefined) ?? "auto",
    constants: (o.constants as Record<string, number> | undefined) ?? {},
    precision: (o.precision as "single" | "unsigned" | undefined) ?? "single",
    compare: Boolean(o.compare),
  };
}
