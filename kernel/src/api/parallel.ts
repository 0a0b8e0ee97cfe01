import { currentCell, inWorker } from "../cell/current";
import { markKernelOnly, NESTED_PARALLELISM_ADVICE } from "../transfer/kernel-only";
import { MagicOptionError } from "../errors";
import { unexport } from "../lang/unexport";
import { checkOptionsObject } from "../options/object";
import type { Comm } from "../parallel/comm-type";
import { PARALLEL_OPTIONS } from "../parallel/parallel-options";
import { planParallel, PlanSource } from "../parallel/plan";
import type { GivenItems } from "../parallel/prepare";
import { runParallel } from "../parallel/execute";

/** The options of %%parallel, as fields (README, Magics: %%parallel): the flag `--continue-on-error` is `continueOnError`, etc. */
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
  /**
   * With scaling: weak scaling, the work grows with the workers. parallel.map's items are then a
   * function of the pool size, `(size) => items`, called once per size; parallel.spmd's function
   * sees `size` and does a fixed share. Scaled speedup N × T(1) ÷ T(N) against Gustafson's law.
   */
  weak?: boolean;
  /** With compare or scaling: this many interleaved rounds after a warm-up (default: chosen, see README). */
  repeat?: number;
  groupOutputs?: boolean;
  /** Default true for the programmatic API: no summary or chart unless asked (quiet: false). */
  quiet?: boolean;
  /** Start the workers asked for even when they will not fit in the memory available. */
  noMemoryCheck?: boolean;
  /**
   * Run on a cluster of `paralab worker`s: a URL (redis://HOST:PORT[/QUEUE]), or true for the
   * session's cluster (%cluster URL), or false for the local pool even when a session cluster is set.
   */
  cluster?: boolean | string;
}

async function run<R>(caller: PlanSource["caller"], body: string, options: ParallelOptions, items?: GivenItems) {
  if (inWorker()) {
    throw new MagicOptionError(
      `${caller}: nested parallelism is not supported: this code runs on a paralab worker, which has no pool of its own. ` +
        NESTED_PARALLELISM_ADVICE,
    );
  }
  const scope = currentCell(caller);
  if (options && typeof options === "object" && "noBlock" in options) {
    throw new MagicOptionError(
      `${caller}: noBlock does not apply here: ${caller} returns a promise, so call it without await to run in the background.`,
    );
  }
  const parsed = checkOptionsObject(caller, options, PARALLEL_OPTIONS);
  const plan = planParallel({ caller, body, bodyLine: 1 }, parsed, {
    size: scope.runners.defaultSize,
    kind: scope.runners.defaultKind,
    cluster: scope.runners.clusterUrl,
  });
  const outcome = await runParallel(plan, scope, items);
  return ("values" in outcome ? outcome.values : await outcome.handle) as R[];
}

/**
 * The programmatic forms of %%parallel, planned by the same planner. The function is sent to the
 * workers by its source, so it may use only its parameters, globals and kernel variables (which
 * are copied along).
 */
export const parallel = {
  /**
   * Calls fn(item, index) for each item on the pool; results in input order (unless unordered).
   * With { scaling, weak: true }, items may be a function of the pool size, called once per size.
   */
  map<T, R>(
    fn: (item: T, index: number) => R | Promise<R>,
    items: Iterable<T> | ((size: number) => Iterable<T>),
    options: ParallelOptions = {},
  ): Promise<Awaited<R>[]> {
    return run<Awaited<R>>("parallel.map", `(${unexport(String(fn))})(item, index)`, options, items);
  },
  /** Calls fn({rank, size, comm}) once on each worker; results in rank order. */
  spmd<R>(
    fn: (ctx: { rank: number; size: number; comm: Comm }) => R | Promise<R>,
    options: ParallelOptions = {},
  ): Promise<Awaited<R>[]> {
    return run<Awaited<R>>("parallel.spmd", `(${unexport(String(fn))})({ rank, size, comm })`, options);
  },
};

markKernelOnly(parallel, "parallel");
