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
  const header: string[] = ['import type { Comm as ParalabComm$ } from "paralab";'];
  const kernelNames = new Set(Object.keys(code.locals));
  for (const name of workerGlobals) {
    if (!kernelNames.has(name)) header.push(`declare let ${name}: any;`);
  }
  if (plan.mode === "map") {
    header.push("declare function paralabItemOf$<T>(items: Iterable<T>): T;");
    header.push(
      `async function paralabCheck$(rank: number, index: number) { const ${plan.itemName} = paralabItemOf$(${plan.weak ? mapExprAtSize(plan.mapExpr!, "1 as number") : plan.mapExpr});`,
    );
  } else {
    header.push("async function paralabCheck$(rank: number, size: number, comm: ParalabComm$) {");
  }
  const source = `${header.join("\n")}\n${plan.body}\n}`;
  try {
    code.convert(source);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    throw new CompileError(remapCellLines(e.message, header.length, plan.bodyLine), { cause: e });
  }
}
