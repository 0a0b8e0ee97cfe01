import { OptionSpec, pickOptions } from "../options/spec";

/**
 * The options of %%parallel (README, Magics: %%parallel), declared once for the magic's parser, --help and the
 * options object of parallel.map / parallel.spmd (which take every option not marked magicOnly).
 */
export const PARALLEL_OPTIONS = [
  {
    flag: "--workers",
    type: "int",
    metavar: "N",
    help: "pool size for this cell (default: the pool's size)",
    example: "4",
  },
  { flag: "--processes", type: "flag", help: "run on child processes instead of worker threads (separate heaps)" },
  {
    flag: "--cluster",
    type: "optionalString",
    metavar: "URL",
    help: "map mode: run on the paralab workers of a cluster (default URL: the session's, set by %cluster)",
    example: "redis://localhost:6379",
  },
  {
    flag: "--map",
    type: "expression",
    magicOnly: true,
    metavar: "EXPR",
    help: "map mode: run the body once per element of EXPR (evaluated in the kernel)",
    example: "xs",
  },
  {
    flag: "--as",
    type: "string",
    magicOnly: true,
    metavar: "NAME",
    help: "map mode: name of the element inside the body (default: item)",
    example: "x",
  },
  { flag: "--unordered", type: "flag", help: "map mode: results in completion order instead of input order" },
  {
    flag: "--schedule",
    type: "choice",
    choices: ["dynamic", "static"],
    help: "map mode: dynamic (default) or static contiguous blocks",
  },
  {
    flag: "--chunksize",
    type: "int",
    metavar: "N",
    help: "map mode: elements per dispatch (default: chosen by the pool)",
    example: "100",
  },
  {
    flag: "--in",
    type: "list",
    metavar: "a,b",
    help: "copy these kernel variables into the workers (usually found automatically)",
  },
  {
    flag: "--share",
    type: "list",
    metavar: "a,b",
    help: "share these typed arrays / SharedArrayBuffers without copying",
  },
  {
    flag: "--out",
    type: "string",
    magicOnly: true,
    metavar: "NAME",
    help: "assign the result array (or the handle, with --no-block) to NAME",
    example: "results",
  },
  {
    flag: "--no-block",
    type: "flag",
    magicOnly: true,
    help: "return at once; --out NAME holds a handle (done, progress, await, cancel(), timings)",
  },
  {
    flag: "--timeout",
    type: "number",
    metavar: "S",
    help: "fail the cell after S seconds, cancelling what runs",
    example: "10",
  },
  { flag: "--continue-on-error", type: "flag", help: "collect errors per task instead of cancelling the rest" },
  {
    flag: "--compare",
    type: "flag",
    help: "run the same work on one worker and then on all of them; show both and the measured speedup",
  },
  {
    flag: "--scaling",
    type: "intList",
    metavar: "1,2,4",
    help: "run with each pool size; show speedup vs ideal and an Amdahl fit",
    example: "1,2,4",
  },
  {
    flag: "--weak",
    type: "flag",
    help:
      "with --scaling: weak scaling, the work grows with the workers (the --map expression and the SPMD body see " +
      "the pool size as `size`); scaled speedup N × T(1) ÷ T(N) against Gustafson's law",
  },
  {
    flag: "--repeat",
    type: "int",
    metavar: "N",
    help:
      "with --compare or --scaling: N rounds of the passes, interleaved, after a warm-up; medians and spreads " +
      "(default: until the speedup's spread is within 10%, 3 to 5 rounds for short passes, 1 for passes over 3 s)",
    example: "5",
  },
  { flag: "--group-outputs", type: "flag", help: "print each worker's stdout/stderr together after the run" },
  { flag: "--quiet", type: "flag", help: "no summary, no chart" },
  {
    flag: "--no-memory-check",
    type: "flag",
    help: "start the workers asked for even when they will not fit in the memory available",
  },
  {
    flag: "--no-typecheck",
    type: "flag",
    magicOnly: true,
    help: "skip type checking the body in the kernel (faster dispatch)",
  },
] as const satisfies readonly OptionSpec[];

/**
 * The options of compute (api/graph.ts): those of parallel.map that apply to a graph, declared
 * above and planned by the same planner (planCompute).
 */
export const COMPUTE_OPTIONS = pickOptions(PARALLEL_OPTIONS, [
  "--workers",
  "--processes",
  "--cluster",
  "--timeout",
  "--quiet",
  "--no-memory-check",
]);
