import { MagicOptionError } from "../errors";
import { MagicCall } from "./parse";
import { ParsedOptions } from "./options";

export type WorkerKindName = "thread" | "process";

/** Everything a %%parallel cell asked for, with kernel defaults merged in. Pure data. */
export interface ParallelPlan {
  mode: "spmd" | "map";
  body: string;
  /** 0-based line of the body in the cell. */
  bodyLine: number;
  workers: number;
  kind: WorkerKindName;
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
  groupOutputs: boolean;
  quiet: boolean;
  typecheck: boolean;
  /** Show the results as the cell's value (the magic does; parallel.map returns them instead). */
  showValues: boolean;
}

export interface PoolDefaults {
  size: number;
  kind: WorkerKindName;
}

const MAP_ONLY = ["as", "unordered", "schedule", "chunksize"] as const;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(["rank", "size", "comm", "index"]);

/** MagicCall + parsed options → ParallelPlan; throws MagicOptionError before anything runs. */
export function planParallel(call: MagicCall, o: ParsedOptions, defaults: PoolDefaults): ParallelPlan {
  const fail = (text: string) => new MagicOptionError(`%%parallel: ${text}`);
  const mode = o.map !== undefined ? "map" : "spmd";
  if (mode === "spmd") {
    for (const key of MAP_ONLY) {
      if (o[key] !== undefined) {
        const flag = `--${key}`;
        throw fail(
          `${flag} only applies in map mode. Add --map EXPR (e.g. %%parallel --map xs ${flag} ...), or drop ${flag}.`,
        );
      }
    }
  }
  if (!call.body.trim()) throw fail("the cell has no body to run. Write the code below the %%parallel line.");
  const itemName = (o.as as string | undefined) ?? "item";
  if (!IDENTIFIER.test(itemName) || RESERVED.has(itemName)) {
    throw fail(`--as must be a variable name other than rank, size, comm and index, got "${itemName}". Try: --as x`);
  }
  const out = o.out as string | undefined;
  if (out !== undefined && !IDENTIFIER.test(out))
    throw fail(`--out must be a variable name, got "${out}". Try: --out results`);
  const block = !o.noBlock;
  if (!block && out === undefined)
    throw fail("--no-block needs --out NAME to hold the handle. Try: --no-block --out job");
  if (o.compare && o.scaling) throw fail("--compare and --scaling each run the work several times; use one of them.");
  if (!block && (o.compare || o.scaling)) throw fail("--no-block cannot be combined with --compare or --scaling.");
  const kind: WorkerKindName = o.processes ? "process" : defaults.kind;
  const shareVars = (o.share as string[] | undefined) ?? [];
  if (kind === "process" && shareVars.length) {
    throw fail(
      `--share cannot work with --processes: child processes have separate memory, so ${shareVars.join(", ")} ` +
        "would be copied, not shared. Drop --processes to use worker threads, or pass the data with --in.",
    );
  }
  const scaling = o.scaling as number[] | undefined;
  return {
    mode,
    body: call.body,
    bodyLine: call.bodyLine,
    workers: (o.workers as number | undefined) ?? defaults.size,
    kind,
    mapExpr: o.map as string | undefined,
    itemName,
    ordered: !o.unordered,
    schedule: (o.schedule as "dynamic" | "static" | undefined) ?? "dynamic",
    chunksize: o.chunksize as number | undefined,
    inVars: (o.in as string[] | undefined) ?? [],
    shareVars,
    out,
    block,
    timeoutMs: o.timeout !== undefined ? (o.timeout as number) * 1000 : undefined,
    continueOnError: Boolean(o.continueOnError),
    compare: Boolean(o.compare),
    scaling,
    groupOutputs: Boolean(o.groupOutputs),
    quiet: Boolean(o.quiet),
    typecheck: !o.noTypecheck,
    showValues: true,
  };
}
