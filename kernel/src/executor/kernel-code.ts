import type { ExecuteOutcome } from "./executor";

/**
 * What magics and the parallel layer need from the kernel's TypeScript: its variables, type
 * checking against the cells so far, and running a snippet. CellExecutor implements it; callers
 * depend on this interface only.
 */
export interface KernelCode {
  /** Variables the cells declared, by name. */
  readonly locals: Record<string, unknown>;
  /** Declares (or replaces) a kernel variable, e.g. `%%parallel --out NAME`; typed as `typeText`. */
  assign(name: string, value: unknown, typeText?: string): void;
  /**
   * Type-checks a source against the cells so far without running it; throws CompileError.
   * `declarations` (ambient, e.g. `declare let rank: number;`) are in scope for this check only.
   */
  convert(source: string, declarations?: string): unknown;
  /** Type-checks and runs a snippet in the kernel; throws CompileError or what it throws. */
  execute(source: string): Promise<ExecuteOutcome>;
  /** The cell running now: its TypeScript and the script whose `cell.js` stack frames point into it. */
  readonly running?: { source: string; script: string };
  /** Type-checks once; the returned function runs it (again and again, for %%timeit). */
  prepare(source: string): () => Promise<ExecuteOutcome>;
}
