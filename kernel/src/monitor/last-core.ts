import type { WorkerStatus } from "../run/jobs";
import { readProcessStat, readThreadStat } from "../proc/thread-stat";

/** The core a worker last ran on (Linux /proc), or undefined where that cannot be read. */
export function lastCore(w: Pick<WorkerStatus, "kind" | "pid" | "osThreadId">): number | undefined {
  const stat =
    w.kind === "thread"
      ? w.osThreadId !== undefined
        ? readThreadStat(w.pid, w.osThreadId)
        : undefined
      : readProcessStat(w.pid);
  return stat?.processor;
}
