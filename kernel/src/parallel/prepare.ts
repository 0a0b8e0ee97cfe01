import { CompileError, MagicOptionError } from "../errors";
import type { KernelCode } from "../executor/kernel-code";
import type { JobCode } from "../run/jobs";
import type { ParallelPlan } from "./plan";
import { CompiledBody, compileBody } from "./compile";
import { packNumbers } from "../transfer/pack-numbers";
import { snapshotNumbers } from "./number-snapshot";
import { analyzeScope } from "../lang/scope";
import { typecheckBody } from "./typecheck";
import { collectVariables } from "./variables";
import { mapExprAtSize, WEAK_SIZE_NAME } from "./weak";

/** A %%parallel cell made ready to dispatch: items, variables and compiled code. */
export interface PreparedJob {
  items?: unknown[];
  vars: Record<string, unknown>;
  code: JobCode;
  compiled: CompiledBody;
  /** The same body without worker-state persistence, for the serial run of --compare. */
  serialSource: string;
  /** SPMD: names the body declares at top level (they stay on the workers). */
  declared: string[];
  /**
   * --weak in map mode: the items at a pool size (the --map expression evaluated with `size`, or
   * the API's items function called with it). `items` holds those of the smallest size.
   */
  itemsFor?: (size: number) => Promise<unknown[]>;
  /** Warnings to show before the run (e.g. --weak with items that do not depend on the size). */
  warnings: string[];
}

/** parallel.map's items: an iterable, or (weak scaling) a function of the pool size. */
export type GivenItems = Iterable<unknown> | ((size: number) => Iterable<unknown>);

export const CELL_FILENAME = "cell";

/** The names the body gets from its task: the element (under its --as name), index and rank; or rank, size and comm. */
export function contextNames(plan: ParallelPlan): string[] {
  return plan.mode === "map" ? [plan.itemName, "index", "rank"] : ["rank", "size", "comm"];
}

/** Destructuring patterns that bind contextNames from the task context (the element arrives as `item`). */
function contextBindings(plan: ParallelPlan): string[] {
  const names = contextNames(plan);
  return plan.mode === "map" && plan.itemName !== "item" ? [`item: ${plan.itemName}`, ...names.slice(1)] : names;
}

/** Everything before dispatch; any problem is thrown here, before a worker starts. */
export async function prepareJob(
  plan: ParallelPlan,
  code: KernelCode,
  workerGlobals: Iterable<string>,
  givenItems?: GivenItems,
): Promise<PreparedJob> {
  const warnings: string[] = [];
  const itemsFor = plan.mode === "map" ? weakItems(plan, code, givenItems, warnings) : undefined;
  const items =
    plan.mode !== "map"
      ? undefined
      : itemsFor
        ? (packNumbers(await itemsFor(Math.min(...plan.scaling!))) as unknown[])
        : givenItems
          ? itemsOf(givenItems as Iterable<unknown>)
          : (packNumbers(await evaluateItems(plan.mapExpr!, code)) as unknown[]);
  const scope = analyzeScope(plan.body);
  const context = new Set(contextNames(plan));
  const locals = code.locals;
  const names = new Set([...scope.free].filter((n) => n in locals && !context.has(n)));
  for (const n of [...plan.inVars, ...plan.shareVars]) names.add(n);
  const sent = collectVariables(names, locals);
  if (plan.typecheck) typecheckBody(code, plan, workerGlobals);
  const options = {
    contextNames: contextBindings(plan),
    varNames: Object.keys(sent.data),
    functions: sent.functions,
    bodyLine: plan.bodyLine,
  };
  const compiled = compileBody(plan.body, { ...options, persistDeclarations: plan.mode === "spmd" });
  const serialSource = plan.compare ? compileBody(plan.body, { ...options, persistDeclarations: false }).source : "";
  return {
    items,
    vars: sent.data,
    code: { source: compiled.source, filename: CELL_FILENAME, lineOffset: 0 },
    compiled,
    serialSource,
    declared: plan.mode === "spmd" ? [...scope.topLevel] : [],
    itemsFor: itemsFor && (async (size) => packNumbers(await itemsFor(size)) as unknown[]),
    warnings,
  };
}

/**
 * Map mode with --weak: how to get the items at each pool size, or undefined when they are fixed
 * (then `warnings` says the work will not grow). Without --weak, a function of the size is an error.
 */
function weakItems(
  plan: ParallelPlan,
  code: KernelCode,
  givenItems: GivenItems | undefined,
  warnings: string[],
): ((size: number) => Promise<unknown[]>) | undefined {
  if (typeof givenItems === "function") {
    if (!plan.weak) {
      throw new MagicOptionError(
        `${plan.caller}: the items are a function of the pool size, which only weak scaling calls ` +
          "({ scaling: [1, 2, 4], weak: true }); pass the items themselves (an array or other iterable).",
      );
    }
    return async (size) => iterableOrFail(givenItems(size), `the items function (called with size ${size})`, plan);
  }
  if (!plan.weak) return undefined;
  if (givenItems !== undefined) {
    warnings.push(
      `Warning: ${plan.caller} with weak: true got fixed items, so every pass does the same work and the work does not ` +
        "grow with the workers: this measures strong scaling. Pass a function of the pool size instead, " +
        "e.g. (size) => Array.from({ length: 4 * size }, (_, i) => i).",
    );
    return undefined;
  }
  const expr = plan.mapExpr!;
  if (!analyzeScope(`(${expr});`).free.has(WEAK_SIZE_NAME)) {
    warnings.push(
      `Warning: --weak: the --map expression ${expr} does not use ${WEAK_SIZE_NAME} (the pool size of each pass), ` +
        "so every pass does the same work and the work does not grow with the workers: this measures strong scaling. " +
        `Make the work depend on ${WEAK_SIZE_NAME}, e.g. --map Array.from({ length: 4 * ${WEAK_SIZE_NAME} }, (_, i) => i).`,
    );
  }
  return (size) => evaluateItems(expr, code, size);
}

function iterableOrFail(value: unknown, what: string, plan: ParallelPlan): unknown[] {
  if (value == null || typeof (value as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new MagicOptionError(
      `${plan.caller}: ${what} must give an iterable (an array, typed array, Set, Map or generator), got ${value === null ? "null" : typeof value}.`,
    );
  }
  return Array.from(value as Iterable<unknown>);
}

async function evaluateItems(expr: string, code: KernelCode, size?: number): Promise<unknown[]> {
  let value: unknown;
  try {
    value = (await code.execute(size === undefined ? expr : mapExprAtSize(expr, size))).value;
  } catch (e) {
    const why = e instanceof CompileError ? e.message.replace(/^\d+:\d+ - /gm, "") : (e as Error).message;
    const at = size === undefined ? "" : ` with ${WEAK_SIZE_NAME} = ${size}`;
    throw new MagicOptionError(`%%parallel: --map ${expr} could not be evaluated in the kernel${at}: ${why}`, {
      cause: e,
    });
  }
  if (value == null || typeof (value as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new MagicOptionError(
      `%%parallel: --map ${expr} must be iterable (an array, typed array, Set, Map or generator), got ${value === null ? "null" : typeof value}. ` +
        "Try: %%parallel --map [1, 2, 3]",
    );
  }
  return Array.from(value as Iterable<unknown>);
}

/**
 * The run's own list of the items given to parallel.map: an array of numbers is packed from the
 * caller's array directly (the packed copy is the run's), anything else is copied, so that the
 * caller changing its array meanwhile (a --no-block run) changes nothing.
 */
function itemsOf(given: Iterable<unknown>): unknown[] {
  if (!Array.isArray(given)) return packNumbers(Array.from(given)) as unknown[];
  return (snapshotNumbers(given) as unknown[] | undefined) ?? given.slice();
}
