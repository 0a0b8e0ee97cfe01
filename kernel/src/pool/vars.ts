/** Checks and measures the variables a job sends to its workers. */
import { SharedMemoryError } from "../errors";
import { findSharedMemory } from "../sync/revive";
import { estimateVarsBytes } from "../transfer/bytes";
import type { WorkerKind } from "../run/messages";

/**
 * Throws SharedMemoryError when shared memory would go to process workers. Returns the
 * estimated bytes copied per worker (shared memory counts 0: it is not copied).
 */
export function checkVars(vars: Record<string, unknown>, kind: WorkerKind): number {
  if (kind === "process") {
    for (const [name, value] of Object.entries(vars)) {
      const what = findSharedMemory(value);
      if (what) throw new SharedMemoryError(name, what);
    }
  }
  return estimateVarsBytes(vars);
}

/** After postMessage failed: which variable cannot be cloned, and why. */
export function findUncloneable(vars: Record<string, unknown>): { name: string; why: string } | undefined {
  for (const [name, value] of Object.entries(vars)) {
    try {
      structuredClone(value);
    } catch (e) {
      return { name, why: e instanceof Error ? e.message : String(e) };
    }
  }
  return undefined;
}
