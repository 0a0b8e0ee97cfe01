/** Turns how a worker died into a probable cause a user can act on (pure). */
import type { WorkerKind } from "../messages";
import type { ExitInfo } from "./common";

export function describeExit(
  info: ExitInfo,
  kind: WorkerKind,
  memoryLimitMb?: number,
  /** The option that raises the limit: the pool's magic, or `paralab worker --memory` on a cluster. */
  memoryOption = "%workers --memory",
): string {
  const limit = memoryLimitMb ? `its heap limit of ${memoryLimitMb} MB` : "its heap limit";
  const more = memoryLimitMb ? memoryLimitMb * 2 : 4096;
  const oomFix = `it ran out of memory (${limit}); use less memory per worker, or raise the limit: ${memoryOption} ${more}`;
  const err = info.error as (Error & { code?: string }) | undefined;
  if (err?.code === "ERR_WORKER_OUT_OF_MEMORY") return oomFix;
  const tail = info.stderrTail ?? "";
  if (/heap out of memory|Reached heap limit|Allocation failed/i.test(tail)) return oomFix;
  if (info.signal === "SIGABRT" || info.code === 134) return `it aborted (${oomFix.replace("it ran", "probably ran")})`;
  if (info.signal === "SIGKILL")
    return "it was killed (SIGKILL): the system may be out of memory, or another program killed it";
  if (info.signal) return `it received ${info.signal}`;
  if (err) {
    return `an uncaught ${err.name}: ${err.message} was thrown outside a task (e.g. in a setTimeout callback or an un-awaited promise)`;
  }
  const thrown = /^(?:Uncaught )?([A-Za-z]*Error\b.*)$/m.exec(tail);
  if (thrown) {
    return `an uncaught ${thrown[1]} was thrown outside a task (e.g. in a setTimeout callback or an un-awaited promise)`;
  }
  return `the cell called process.exit(${info.code ?? ""})${kind === "thread" ? " (in a worker thread it ends the worker)" : ""}`;
}
