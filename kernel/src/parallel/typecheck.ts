import * as fs from "node:fs";
import * as path from "node:path";
import { CompileError } from "../errors";
import { remapCellLines } from "../executor/executor";
import type { KernelCode } from "../executor/kernel-code";
import { ParallelPlan } from "./plan";
import { mapExprAtSize } from "./weak";

/**
 * Type-checks a %%parallel body in the kernel, against the kernel's declarations, with the
 * names the workers provide (rank, size, comm, item, index) and worker state left by earlier
 * SPMD cells. Errors carry cell line numbers.
 */
export function typecheckBody(code: KernelCode, plan: ParallelPlan, workerGlobals: Iterable<string>): void {
  // The names go with the kernel's declarations, and the checked source declares nothing at its
  // top level: tslab's converter builds a second program for a source with top-level names (to
  // export them), which doubled the cost of a check.
  const declarations: string[] = [commDeclarations(), "declare function paralabItemOf$<T>(items: Iterable<T>): T;"];
  const kernelNames = new Set(Object.keys(code.locals));
  for (const name of workerGlobals) {
    if (!kernelNames.has(name)) declarations.push(`declare let ${name}: any;`);
  }
  const header =
    plan.mode === "map"
      ? `(async (rank: number, index: number) => { const ${plan.itemName} = paralabItemOf$(${plan.weak ? mapExprAtSize(plan.mapExpr!, "1 as number") : plan.mapExpr});`
      : "(async (rank: number, size: number, comm: ParalabTypes$.Comm) => {";
  const source = `${header}\n${plan.body}\n});`;
  try {
    code.convert(source, declarations.join("\n"));
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    throw new CompileError(remapCellLines(e.message, 1, plan.bodyLine), { cause: e });
  }
}

let commText: string | undefined;

/**
 * The Comm type, inline in one line, from the kernel's own comm-type.d.ts. Importing it from
 * "paralab" instead would add paralab's .d.ts files to the checker's program whenever the kernel's
 * cells had not imported paralab: the program then changes shape between a plain cell and a
 * %%parallel check, and every such change costs a new checker (measured: a check 70 ms with the
 * import, 10 ms inline; the plain cell after it 21 ms against 5 ms).
 */
function commDeclarations(): string {
  commText ??= fs
    .readFileSync(path.join(__dirname, "comm-type.d.ts"), "utf8")
    .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")
    .replace(/\bexport (declare )?/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return `declare namespace ParalabTypes$ { ${commText} }`;
}
