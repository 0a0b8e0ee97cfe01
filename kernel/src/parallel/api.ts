import { MagicOptionError } from "../errors";
import { currentKernel } from "../kernel/current";
import { ParallelPlan } from "../magics/parallel";
import { runParallelCell } from "./run-cell";

/** The options of %%parallel, as fields (SPEC §3.1); the flag `--no-block` is `noBlock`, etc. */
export interface ParallelOptions {
  workers?: number;
  processes?: boolean;
  /** Kernel variables the function uses are found automatically; name more here. */
  in?: string[];
  share?: string[];
  unordered?: boolean;
  schedule?: "dynamic" | "static";
  chunksize?: number;
  timeout?: number;
  continueOnError?: boolean;
  compare?: boolean;
  scaling?: number[];
  groupOutputs?: boolean;
  /** Default true for the programmatic API: no summary or chart unless asked (quiet: false). */
  quiet?: boolean;
}

const KNOWN = new Set<string>([
  "workers",
  "processes",
  "in",
  "share",
  "unordered",
  "schedule",
  "chunksize",
  "timeout",
  "continueOnError",
  "compare",
  "scaling",
  "groupOutputs",
  "quiet",
]);

function plan(
  body: string,
  mode: "spmd" | "map",
  o: ParallelOptions,
  defaults: { size: number; kind: "thread" | "process" },
): ParallelPlan {
  if ("noBlock" in o) {
    throw new MagicOptionError(
      "parallel: noBlock does not apply here: parallel.map and parallel.spmd return a promise, so call them without await to run in the background.",
    );
  }
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key))
      throw new MagicOptionError(`parallel: unknown option ${key}. Valid options: ${[...KNOWN].join(", ")}.`);
  }
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && o.workers > 0)) {
    throw new MagicOptionError(
      `parallel: options.workers must be a positive integer, got ${String(o.workers)}. Try: { workers: 4 }`,
    );
  }
  if (o.chunksize !== undefined && !(Number.isInteger(o.chunksize) && o.chunksize > 0)) {
    throw new MagicOptionError(`parallel: options.chunksize must be a positive integer, got ${String(o.chunksize)}`);
  }
  if (o.timeout !== undefined && !(o.timeout > 0)) {
    throw new MagicOptionError(
      `parallel: options.timeout must be a positive number of seconds, got ${String(o.timeout)}`,
    );
  }
  const kind = o.processes ? "process" : defaults.kind;
  if (kind === "process" && o.share?.length) {
    throw new MagicOptionError(
      "parallel: options.share cannot work with processes (separate memory); drop processes or share.",
    );
  }
  return {
    mode,
    body,
    bodyLine: 0,
    workers: o.workers ?? defaults.size,
    kind,
    mapExpr: mode === "map" ? "items" : undefined,
    itemName: "item",
    ordered: !o.unordered,
    schedule: o.schedule ?? "dynamic",
    chunksize: o.chunksize,
    inVars: o.in ?? [],
    shareVars: o.share ?? [],
    out: undefined,
    block: true,
    timeoutMs: o.timeout !== undefined ? o.timeout * 1000 : undefined,
    continueOnError: Boolean(o.continueOnError),
    compare: Boolean(o.compare),
    scaling: o.scaling,
    groupOutputs: Boolean(o.groupOutputs),
    quiet: o.quiet ?? true,
    typecheck: false,
    showValues: false,
  };
}

async function run<R>(body: string, mode: "spmd" | "map", o: ParallelOptions, items?: Iterable<unknown>): Promise<R[]> {
  const { session, ctx } = currentKernel(`parallel.${mode}`);
  const p = plan(body, mode, o, { size: session.defaultSize, kind: session.defaultKind });
  const out = await runParallelCell(p, session, ctx, items);
  return (Array.isArray(out) ? out : await out.handle) as R[];
}

/**
 * The programmatic forms of %%parallel. The function is sent to the workers by its source, so it
 * may use only its parameters, globals and kernel variables (which are copied along).
 */
export const parallel = {
  /** Calls fn(item, index) for each item on the pool; results in input order (unless unordered). */
  map<T, R>(
    fn: (item: T, index: number) => R | Promise<R>,
    items: Iterable<T>,
    options: ParallelOptions = {},
  ): Promise<Awaited<R>[]> {
    return run<Awaited<R>>(`(${String(fn)})(item, index)`, "map", options, items);
  },
  /** Calls fn({rank, size, comm}) once on each worker; results in rank order. */
  spmd<R>(
    fn: (ctx: { rank: number; size: number; comm: import("./comm-type").Comm }) => R | Promise<R>,
    options: ParallelOptions = {},
  ): Promise<Awaited<R>[]> {
    return run<Awaited<R>>(`(${String(fn)})({ rank, size, comm })`, "spmd", options);
  },
};
