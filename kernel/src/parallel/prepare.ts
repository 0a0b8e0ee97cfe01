import { CompileError, MagicOptionError } from "../errors";
import type { KernelCode } from "../executor/kernel-code";
import type { JobCode } from "../run/jobs";
import type { ParallelPlan } from "./plan";
import { CompiledBody, compileBody } from "./compile";
import { packNumbers } from "../transfer/pack-numbers";
import { analyzeScope } from "../lang/scope";
import { typecheckBody } from "./typecheck";
import { collectVariables } from "./variables";

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
}

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
  givenItems?: Iterable<unknown>,
): Promise<PreparedJob> {
  const listed =
    plan.mode !== "map" ? undefined : givenItems ? Array.from(givenItems) : await evaluateItems(plan.mapExpr!, code);
  const items = listed && (packNumbers(listed) as unknown[]);
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
  };
}

async function evaluateItems(expr: string, code: KernelCode): Promise<unknown[]> {
  let value: unknown;
  try {
    value = (await code.execute(expr)).value;
  } catch (e) {
    const why = e instanceof CompileError ? e.message.replace(/^\d+:\d+ - /gm, "") : (e as Error).message;
    throw new MagicOptionError(`%%parallel: --map ${expr} could not be evaluated in the kernel: ${why}`, { cause: e });
  }
  if (value == null || typeof (value as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new MagicOptionError(
      `%%parallel: --map ${expr} must be iterable (an array, typed array, Set, Map or generator), got ${value === null ? "null" : typeof value}. ` +
        "Try: %%parallel --map [1, 2, 3]",
    );
  }
  return Array.from(value as Iterable<unknown>);
}
