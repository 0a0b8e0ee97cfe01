import { parseClusterUrl } from "../cluster/address";
import { MagicOptionError } from "../errors";
import { isIdentifier } from "../lang/identifier";
import type { ApiOptionsOf, OptionsOf } from "../options/spec";
import type { COMPUTE_OPTIONS, PARALLEL_OPTIONS } from "./parallel-options";

export type WorkerKindName = "thread" | "process";

/** Everything a %%parallel cell or a parallel.map / parallel.spmd call asked for. Pure data. */
export interface ParallelPlan {
  /** How messages name the caller: "%%parallel", "parallel.map" or "parallel.spmd". */
  caller: string;
  mode: "spmd" | "map";
  body: string;
  /** 1-based cell line of the body's first line. */
  bodyLine: number;
  workers: number;
  kind: WorkerKindName;
  /** The magic's --map expression, evaluated in the kernel (the API passes its items instead). */
  mapExpr?: string;
  itemName: string;
  ordered: boolean;
  schedule: "dynamic" | "static";
  chunksize?: number;
  inVars: string[];
  shareVars: string[];
  out?: string;
  block: boolean;
  timeoutMs?: number;
  continueOnError: boolean;
  compare: boolean;
  scaling?: number[];
  /**
   * --weak with --scaling: the work grows with the workers. Map mode evaluates the --map
   * expression (or calls the API's items function) once per pool size, with that size as `size`.
   */
  weak: boolean;
  /** --repeat N with --compare / --scaling: timed rounds after the warm-up (absent: the automatic rule). */
  repeat?: number;
  groupOutputs: boolean;
  quiet: boolean;
  typecheck: boolean;
  /** Refuse, before they start, workers that will not fit in the memory available. */
  memoryCheck: boolean;
  /** Show the results as the cell's value (the magic does; parallel.map returns them instead). */
  showValues: boolean;
  /** Run on a cluster of `paralab worker`s (README, Clusters) instead of the local pool. */
  cluster?: ClusterTarget;
}

export interface ClusterTarget {
  /** As the user wrote it (it may hold a password: never print it, see cluster/address.ts). */
  url: string;
  /** --workers as given; without it a run uses every slot the cluster has when it starts. */
  workers?: number;
}

export interface PoolDefaults {
  size: number;
  kind: WorkerKindName;
  /** The session's cluster (%cluster URL): cells run there unless told otherwise. */
  cluster?: string;
}

/** Who asks: the magic (options from its words) or the programmatic API (options object). */
export interface PlanSource {
  caller: "%%parallel" | "parallel.map" | "parallel.spmd";
  body: string;
  bodyLine: number;
}

const MAP_ONLY = ["as", "unordered", "schedule", "chunksize"] as const;
const CONTEXT_NAMES = new Set(["rank", "size", "comm", "index"]);

/**
 * The one planner: source + parsed options (from the magic's words or the API's object, both
 * checked against parallel/options.ts) + the kernel's defaults → ParallelPlan. Throws
 * MagicOptionError, naming the option as the caller spells it, before anything runs.
 */
/** The options of %%parallel as its words or parallel.map's object give them, field by field. */
export type ParallelParsed = OptionsOf<typeof PARALLEL_OPTIONS>;
/** The options of compute as checkOptionsObject gives them. */
export type ComputeParsed = ApiOptionsOf<typeof COMPUTE_OPTIONS>;

export function planParallel(source: PlanSource, o: ParallelParsed, defaults: PoolDefaults): ParallelPlan {
  const magic = source.caller === "%%parallel";
  const name = (field: string, flag: string) => (magic ? flag : `options.${field}`);
  const fail = (text: string) => new MagicOptionError(`${source.caller}: ${text}`);
  const mode = source.caller === "parallel.map" || o.map !== undefined ? "map" : "spmd";
  if (mode === "spmd") {
    for (const key of MAP_ONLY) {
      if (o[key] !== undefined) {
        const flag = name(key, `--${key}`);
        throw fail(
          magic
            ? `${flag} only applies in map mode. Add --map EXPR (e.g. %%parallel --map xs ${flag} ...), or drop ${flag}.`
            : `${flag} only applies to parallel.map; drop it here.`,
        );
      }
    }
  }
  if (!source.body.trim()) throw fail("the cell has no body to run. Write the code below the %%parallel line.");
  const itemName = o.as ?? "item";
  if (!isIdentifier(itemName) || CONTEXT_NAMES.has(itemName)) {
    throw fail(`--as must be a variable name other than rank, size, comm and index, got "${itemName}". Try: --as x`);
  }
  const out = o.out;
  if (out !== undefined && !isIdentifier(out))
    throw fail(`--out must be a variable name, got "${out}". Try: --out results`);
  const block = !o.noBlock;
  if (!block && out === undefined)
    throw fail("--no-block needs --out NAME to hold the handle. Try: --no-block --out job");
  const compareFlag = name("compare", "--compare");
  const scalingFlag = name("scaling", "--scaling");
  if (o.compare && o.scaling)
    throw fail(`${compareFlag} and ${scalingFlag} each run the work several times; use one of them.`);
  if (o.repeat !== undefined && !o.compare && !o.scaling) {
    const repeatFlag = name("repeat", "--repeat");
    throw fail(
      `${repeatFlag} repeats the timed passes of ${compareFlag} or ${scalingFlag}; add one of them` +
        (magic ? ` (e.g. %%parallel --compare --repeat ${String(o.repeat)})` : "") +
        `, or drop ${repeatFlag}.`,
    );
  }
  if (o.weak && !o.scaling) {
    const weakFlag = name("weak", "--weak");
    throw fail(
      `${weakFlag} makes ${scalingFlag} grow the work with the workers; add ${scalingFlag}` +
        (magic ? " (e.g. %%parallel --scaling 1,2,4 --weak)" : ` (e.g. { scaling: [1, 2, 4], weak: true })`) +
        `, or drop ${weakFlag}.`,
    );
  }
  if (!block && (o.compare || o.scaling))
    throw fail(`--no-block cannot be combined with ${compareFlag} or ${scalingFlag}.`);
  const cluster = planCluster(source.caller, o, defaults, name, fail);
  const kind: WorkerKindName = o.processes ? "process" : defaults.kind;
  const shareVars = o.share ?? [];
  if (kind === "process" && shareVars.length) {
    throw fail(
      `${name("share", "--share")} cannot work with ${o.processes ? name("processes", "--processes") : "process workers (%workers --processes)"}: ` +
        `child processes have separate memory, so ${shareVars.join(", ")} would be copied, not shared. ` +
        `Use worker threads, or pass the data with ${name("in", "--in")}.`,
    );
  }
  return {
    caller: source.caller,
    mode,
    body: source.body,
    bodyLine: source.bodyLine,
    workers: o.workers ?? defaults.size,
    kind,
    mapExpr: o.map,
    itemName,
    ordered: !o.unordered,
    schedule: o.schedule ?? "dynamic",
    chunksize: o.chunksize,
    inVars: o.in ?? [],
    shareVars,
    out,
    block,
    timeoutMs: o.timeout !== undefined ? o.timeout * 1000 : undefined,
    continueOnError: Boolean(o.continueOnError),
    compare: Boolean(o.compare),
    scaling: o.scaling,
    weak: Boolean(o.weak),
    repeat: o.repeat,
    groupOutputs: Boolean(o.groupOutputs),
    // The programmatic API is quiet unless asked: it returns values to code, not to a reader.
    quiet: o.quiet !== undefined ? Boolean(o.quiet) : !magic,
    // A function's source was type-checked with the cell that defined it.
    typecheck: magic && !o.noTypecheck,
    memoryCheck: !o.noMemoryCheck,
    showValues: magic,
    cluster,
  };
}

/** What a compute(...nodes, options) call asked for (README, Magics: task graphs); api/graph.ts runs it. Pure data. */
export interface ComputePlan {
  caller: "compute";
  /** Undefined on a cluster without options.workers: every slot it has when the graph starts. */
  workers: number | undefined;
  kind: WorkerKindName;
  cluster?: ClusterTarget;
  timeoutMs?: number;
  /** No chart (compute draws one unless asked not to). */
  quiet: boolean;
  /** Refuse, before they start, workers that will not fit in the memory available. */
  memoryCheck: boolean;
}

/**
 * The planner for compute: its options (checked against COMPUTE_OPTIONS, a subset of
 * parallel.map's) and the kernel's defaults → ComputePlan, with the same choice of pool or
 * cluster as planParallel. Throws MagicOptionError before anything runs.
 */
export function planCompute(o: ComputeParsed, defaults: PoolDefaults): ComputePlan {
  const fail = (text: string) => new MagicOptionError(`compute: ${text}`);
  const cluster = planCluster("compute", o, defaults, (field) => `options.${field}`, fail);
  return {
    caller: "compute",
    workers: o.workers ?? (cluster ? undefined : defaults.size),
    kind: o.processes ? "process" : defaults.kind,
    cluster,
    timeoutMs: o.timeout !== undefined ? o.timeout * 1000 : undefined,
    quiet: o.quiet ?? false,
    memoryCheck: !o.noMemoryCheck,
  };
}

/** How to start workers that failed the memory check anyway, in the caller's words. */
export function askAnyway(caller: string, workers: number): string {
  if (caller === "%%parallel") return `%%parallel --workers ${workers} --no-memory-check`;
  return `${caller}(..., { workers: ${workers}, noMemoryCheck: true })`;
}

/** Workers beyond this many per core mostly wait for a turn, and each costs memory and start-up time. */
const MANY_PER_CORE = 4;

/** The warning for more local workers than cores, in the caller's words; undefined when they fit. */
export function oversubscriptionWarning(caller: string, workers: number, cores: number): string | undefined {
  if (workers > MANY_PER_CORE * cores) {
    const fewer = caller === "%%parallel" ? `--workers ${cores}` : `${caller}(..., { workers: ${cores} })`;
    return (
      `Warning: ${workers} workers on ${cores} cores is ${Math.round(workers / cores)} per core: they take turns on the cores, ` +
      `so CPU-bound work runs no faster than on ${cores}, while each worker costs memory and start-up time. ` +
      `Use this many only when tasks mostly wait (timers, I/O); otherwise ${fewer}.`
    );
  }
  if (workers > cores)
    return `Warning: ${workers} workers on ${cores} cores (oversubscribed): workers take turns on the cores, so expect at most ${cores}x speedup.`;
  return undefined;
}

/** The options that choose where work runs, which every caller of the planner has. */
type PoolParsed = Pick<ParallelParsed, "cluster" | "processes" | "share" | "workers">;

/** --cluster [URL] (or options.cluster), or the session's cluster; undefined for the local pool. */
function planCluster(
  caller: string,
  o: PoolParsed,
  defaults: PoolDefaults,
  name: (field: string, flag: string) => string,
  fail: (text: string) => MagicOptionError,
): ClusterTarget | undefined {
  const given = o.cluster;
  const flag = name("cluster", "--cluster");
  if (given === false) return undefined;
  if (given === true && defaults.cluster === undefined)
    throw fail(
      `${flag} without a URL runs on the session's cluster, and none is set. ` +
        (caller === "%%parallel"
          ? "Give one (--cluster redis://HOST:PORT) or set it first with %cluster redis://HOST:PORT."
          : `Give one ({ cluster: "redis://HOST:PORT" }) or set it first with %cluster redis://HOST:PORT.`),
    );
  const url = typeof given === "string" ? given : defaults.cluster;
  if (url === undefined) return undefined;
  try {
    parseClusterUrl(url);
  } catch (e) {
    throw fail(`${flag}: ${(e as Error).message}`);
  }
  const onSession = given === undefined ? " (the session's, set by %cluster)" : "";
  if (o.processes)
    throw fail(
      `${name("processes", "--processes")} chooses the local pool's kind of worker; on a cluster${onSession} the tasks run on its paralab workers. Drop one of them.`,
    );
  if (o.share?.length)
    throw fail(
      `${name("share", "--share")} cannot work on a cluster${onSession}: its workers are other processes, often on other machines, with memory of their own. Pass the data with ${name("in", "--in")} (copied), or run locally.`,
    );
  return { url, workers: o.workers };
}
