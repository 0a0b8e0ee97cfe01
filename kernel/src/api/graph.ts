/**
 * Task graphs from a cell (README, Magics: task graphs): `delayed(fn)` turns a function into one that makes graph
 * nodes instead of running, and `compute(...nodes)` runs what they need on the pool. This file is
 * the public surface: types, argument checks, and the wiring of the running cell into graph/.
 */
import os from "node:os";
import { currentCell, inWorker } from "../cell/current";
import { markKernelOnly } from "../transfer/kernel-only";
import type { CellScope } from "../cell/scope";
import { GraphError, MagicOptionError } from "../errors";
import { formatPath, splitArgs } from "../graph/args";
import { runCompute, visualizeGraph, type GraphEnv, type PreparedFunction } from "../graph/compute";
import { collectGraph, GraphNode, type DelayedFunction } from "../graph/node";
import { workSpan as workSpanOf } from "../graph/work-span";
import type { WorkSpan } from "../run/records";
import { findCallSite } from "../lang/call-site";
import { analyzeScope } from "../lang/scope";
import { checkOptionsObject } from "../options/object";
import { compileBody } from "../parallel/compile";
import { startWorkers } from "../parallel/dispatch";
import { COMPUTE_OPTIONS } from "../parallel/parallel-options";
import { askAnyway, oversubscriptionWarning, planCompute } from "../parallel/plan";
import { CELL_FILENAME } from "../parallel/prepare";
import { StreamPrefixer } from "../parallel/stream-prefix";
import { collectVariables, functionSource, whyNotCloneable } from "../parallel/variables";

/** A value that a graph will compute: what a delayed function returns. */
export interface Delayed<R> {
  /** Unique in the kernel: the function's name and a counter, e.g. "load#3". */
  readonly id: string;
  /** The function's name. */
  readonly name: string;
  /** What the last compute did with it: "pending" (not run yet), "ok", "error", "skipped", "cancelled", "kept". */
  readonly status: string;
  /** Draws the graph this value needs, before running it: the DAG and its work–span figures. */
  visualize(): void;
  /**
   * The work–span figures visualize() draws, as numbers: T1, T∞, T1 ÷ T∞ and the critical path
   * (node ids, source first), counted as before any run (each task 1, or the cost its delayed()
   * declared), whether or not parts of it were computed since, so that a check can read them.
   */
  workSpan(): WorkSpan;
  /** compute(this, options), unpacked. */
  compute(options?: ComputeOptions): Promise<R>;
}

type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** An argument of a delayed function: the value, a node that computes it, or (inside arrays and plain objects) parts that are nodes. */
export type DelayedArg<T> = T | Delayed<T> | DelayedParts<T>;
type DelayedParts<T> = T extends
  TypedArray | ((...args: never[]) => unknown) | Date | RegExp | Map<unknown, unknown> | Set<unknown>
  ? never
  : T extends readonly (infer E)[]
    ? readonly DelayedArg<E>[]
    : T extends object
      ? { [K in keyof T]: DelayedArg<T[K]> }
      : never;
export type DelayedArgs<A extends unknown[]> = { [K in keyof A]: DelayedArg<A[K]> };

export interface DelayedOptions {
  /** The name in charts and errors (default: the variable it is assigned to, else the function's name). */
  name?: string;
  /**
   * What one call is expected to cost, in any unit as long as it is the same for every task (say
   * ms). visualize() counts each task as its cost before anything ran (default 1), so that the
   * critical path it highlights is the one the costs predict; after a run the measured times count.
   */
  cost?: number;
}

/** The options of compute: those of parallel.map that apply to a graph (COMPUTE_OPTIONS). */
export interface ComputeOptions {
  workers?: number;
  processes?: boolean;
  /** Seconds; the graph is cancelled after that long. */
  timeout?: number;
  /** No chart (default false: compute draws what happened). */
  quiet?: boolean;
  /**
   * A cluster's URL, true for the session's (%cluster), false for the local pool. Default: the
   * session's cluster when one is set.
   */
  cluster?: boolean | string;
  /** Start the workers asked for even when they will not fit in the memory available. */
  noMemoryCheck?: boolean;
}

type Values<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] extends Delayed<infer R> ? R : never };

class DelayedValue<R> implements Delayed<R> {
  constructor(readonly node: GraphNode) {}

  get id(): string {
    return this.node.id;
  }

  get name(): string {
    return this.node.fn.name;
  }

  get status(): string {
    return this.node.value ? "ok" : this.node.lastStatus;
  }

  workSpan(): WorkSpan {
    // The whole graph, computed parts too: the figures of the graph, not of what is left to run.
    const nodes = collectGraph([this.node], false, "workSpan");
    const costed = nodes.some((n) => n.fn.cost !== undefined);
    return workSpanOf(
      nodes.map((n) => ({ id: n.id, deps: n.inputs.map((i) => i.id), cost: n.fn.cost ?? 1 })),
      costed ? "cost" : "tasks",
    );
  }

  visualize(): void {
    const scope = currentCell("visualize()");
    visualizeGraph(
      [this.node],
      { workers: scope.runners.defaultSize, workerKind: scope.runners.defaultKind },
      scope.sink,
    );
  }

  async compute(options?: ComputeOptions): Promise<R> {
    const [value] = options ? await compute(this as Delayed<R>, options) : await compute(this as Delayed<R>);
    return value;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Delayed { ${this.id}: ${this.node.value ? "computed" : this.node.lastStatus === "pending" ? "not computed yet" : this.node.lastStatus} }`;
  }
}

function nodeOf(v: unknown): GraphNode | undefined {
  return v instanceof DelayedValue ? v.node : undefined;
}

/**
 * Wraps `fn` so that calling it makes a graph node instead of running: arguments may be values,
 * nodes, or arrays and plain objects holding nodes. `fn` runs on a worker, so it may use only its
 * parameters, globals and kernel variables (sent along, as for %%parallel).
 */
export function delayed<A extends unknown[], R>(
  fn: (...args: A) => R,
  options: DelayedOptions = {},
): (...args: DelayedArgs<A>) => Delayed<Awaited<R>> {
  if (inWorker()) throw nested("delayed");
  if (typeof fn !== "function") {
    throw new GraphError(`delayed: expected a function, got ${describe(fn)}. Try: delayed((x: number) => x * 2)`);
  }
  const { cost } = options;
  if (cost !== undefined && !(typeof cost === "number" && Number.isFinite(cost) && cost >= 0)) {
    throw new GraphError(
      `delayed: options.cost must be a finite number of 0 or more (the task's expected cost, e.g. its ms), got ${describe(cost)}. Try: delayed(fn, { cost: 5 })`,
    );
  }
  const scope = currentCell("delayed");
  const site = callSite(scope);
  const name = options.name ?? site?.assignedTo ?? (fn.name || "task");
  const info: DelayedFunction = { name, fn: fn as (...args: never[]) => unknown, cellLine: site?.line, cost };
  // Checked now, so that a function that cannot go to a worker fails at this line, not at compute;
  // except for names this cell declares further down (compute checks again, once they exist).
  try {
    prepareFunction(info, scope);
  } catch (e) {
    const name = /closure over `([^`]+)`/.exec((e as Error).message)?.[1];
    if (!name || !declaredLaterInCell(name, scope)) throw e;
  }
  return (...args: DelayedArgs<A>): Delayed<Awaited<R>> => {
    let split;
    try {
      split = splitArgs(args, nodeOf);
    } catch (e) {
      throw new GraphError(`${name}(...): ${(e as Error).message}`);
    }
    split.template.forEach((value, i) => {
      const why = whyNotCloneable(value);
      if (why) {
        throw new GraphError(
          `${name}(...): argument ${formatPath([i])} ${why} and cannot be copied to a worker. Pass plain data (numbers, strings, arrays, plain objects, typed arrays) or a delayed value.`,
        );
      }
    });
    const inputs = [...new Set(split.refs.map((r) => r.node))];
    const refs = split.refs.map((r) => ({ path: r.path, id: r.node.id }));
    return new DelayedValue<Awaited<R>>(new GraphNode(info, split.template, refs, inputs));
  };
}

/**
 * Runs every node the given ones need, each once, independent ones in parallel on the pool, and
 * resolves to their values. A last argument that is not a node is the options object.
 */
export function compute<const T extends readonly Delayed<unknown>[]>(...nodes: T): Promise<Values<T>>;
export function compute<const T extends readonly Delayed<unknown>[]>(
  ...args: [...T, ComputeOptions]
): Promise<Values<T>>;
export async function compute(...args: unknown[]): Promise<unknown[]> {
  if (inWorker()) throw nested("compute");
  const scope = currentCell("compute");
  const last = args[args.length - 1];
  const given = args.length > 0 && !(last instanceof DelayedValue) ? args.pop() : undefined;
  if (args.length === 0) {
    throw new GraphError(
      "compute: give it the delayed values to compute, e.g. compute(result) or compute(a, b, { workers: 4 }).",
    );
  }
  const targets = args.map((a, i) => {
    if (a instanceof DelayedValue) return a.node;
    const hint = Array.isArray(a) ? " To compute an array of them, spread it: compute(...nodes)." : "";
    throw new GraphError(`compute: argument ${i + 1} is ${describe(a)}, not a delayed value.${hint}`);
  });
  // Checked and planned as parallel.map's options are, before anything starts.
  const plan = planCompute(checkOptionsObject("compute", given, COMPUTE_OPTIONS), {
    size: scope.runners.defaultSize,
    kind: scope.runners.defaultKind,
    cluster: scope.runners.clusterUrl,
  });
  const { workers, cluster, kind } = plan;
  const runner = scope.runners.runnerFor(plan);
  const prefixer = new StreamPrefixer();
  const env: GraphEnv = {
    runner,
    workers,
    timeoutMs: plan.timeoutMs,
    quiet: plan.quiet,
    signal: scope.signal,
    sink: scope.sink,
    prepare: (fn) => prepareFunction(fn, scope),
    startWorkers: (r, n, signal) => {
      if (cluster) return startWorkers(r, n, scope, signal);
      const warning = oversubscriptionWarning(plan.caller, n, os.availableParallelism());
      if (warning) scope.sink.stream("stderr", `${warning}\n`);
      const memoryCheck = plan.memoryCheck ? { caller: plan.caller, override: askAnyway(plan.caller, n) } : undefined;
      return startWorkers(r, n, scope, signal, { memoryCheck });
    },
    onStream: (rank, name, text, worker) => scope.sink.stream(name, prefixer.prefix(rank, name, text, worker)),
    // The Parallel panel shows the running graph like a map: tasks done of tasks to run.
    watch: (total) =>
      scope.observer.started({
        label: `graph of ${total} tasks`,
        total,
        workers: () => runner.status().filter((w) => w.rank < (workers ?? runner.size)),
        onCluster: !!cluster,
      }),
  };
  const values = await runCompute(targets, env);
  if (!cluster && workers !== undefined) scope.runners.grewTo(kind, workers);
  return values;
}

markKernelOnly(delayed, "delayed");
markKernelOnly(compute, "compute");

/** The function as the workers run it: its source, called with the node's arguments, and the kernel variables it reads. */
function prepareFunction(fn: DelayedFunction, scope: CellScope): PreparedFunction {
  const locals = scope.code.locals;
  let source: string;
  let uses: string[];
  try {
    ({ source, uses } = functionSource(fn.name, fn.fn as (...args: unknown[]) => unknown, locals));
  } catch (e) {
    const where = fn.cellLine !== undefined ? ` (delayed at cell line ${fn.cellLine})` : "";
    throw new GraphError(`delayed${where}: ${(e as Error).message}`, { cause: e });
  }
  const sent = collectVariables(uses, locals);
  const compiled = compileBody(`(${source})(...__paralab_args__)`, {
    contextNames: ["args: __paralab_args__"],
    varNames: Object.keys(sent.data),
    functions: sent.functions,
    bodyLine: fn.cellLine ?? 1,
    persistDeclarations: false,
  });
  return { code: { source: compiled.source, filename: CELL_FILENAME, lineOffset: 0 }, vars: sent.data };
}

function declaredLaterInCell(name: string, scope: CellScope): boolean {
  const source = scope.code.running?.source;
  return source !== undefined && analyzeScope(source).topLevel.has(name);
}

/** Where in the running cell delayed() was called, from the stack (cells run as cell.js). */
function callSite(scope: CellScope): { line: number; assignedTo?: string } | undefined {
  const running = scope.code.running;
  if (!running) return undefined;
  const frame = /\bcell\.js:(\d+):(\d+)/.exec(new Error().stack ?? "");
  if (!frame) return undefined;
  try {
    return findCallSite(running.source, running.script, Number(frame[1]), Number(frame[2]));
  } catch {
    return undefined;
  }
}

function nested(what: string): MagicOptionError {
  return new MagicOptionError(
    `${what}: task graphs are built and computed in the kernel, not on a worker (workers have no pool of their own). ` +
      "Build the whole graph in a cell and compute it once.",
  );
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object")
    return `${/^[AEIOU]/.test(v.constructor?.name ?? "") ? "an" : "a"} ${v.constructor?.name ?? "object"}`;
  return `${typeof v === "undefined" ? "undefined" : `a ${typeof v}`} (${String(v).slice(0, 40)})`;
}
