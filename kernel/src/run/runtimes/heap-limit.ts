/** The heap limit each runtime gets by default, the local pool's workers and a `paralab worker`'s alike. */
import * as os from "node:os";

/**
 * A heap limit per worker that fits the machine: one worker per core filling its heap takes at
 * most three quarters of the memory, between 256 MB and 4 GB (V8's own ceiling) per worker.
 */
export function defaultMemoryLimitMb(totalBytes = os.totalmem(), cores = os.availableParallelism()): number {
  const share = Math.floor((totalBytes * 0.75) / cores / (1024 * 1024));
  return Math.max(256, Math.min(4096, share));
}
