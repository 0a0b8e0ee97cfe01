/**
 * Kernel side: which results a cluster graph batch must make again before it runs, when inputs it
 * reads were lost with the worker process that held them (README, Clusters: task graphs). The
 * graph knows each task's inputs, so a lost result is remade from its own inputs, and those from
 * theirs when they are lost too, down to results that are still somewhere (or to tasks that read
 * none). Pure bookkeeping: graph-run.ts puts the tasks found here at the head of the batch.
 */
import type { GraphTaskSpec } from "../run/graphs";

/** Where a result is: held by a worker process (host:pid), or in Redis (no process). */
export interface Located {
  bytes: number;
  process?: string;
}

export interface Lineage {
  /** Tasks to run again, inputs before the tasks that read them. */
  items: GraphTaskSpec[];
  /** Set when a lost result cannot be made again (it was kept from an earlier run, whose task this run does not have). */
  missing?: string;
}

/**
 * The tasks that make again what `items` read and is lost. `located` says where a result is now
 * (undefined: lost); results made by earlier items of the batch are not read from anywhere.
 */
export function lineage(
  items: readonly { nodeId: string }[],
  tasks: ReadonlyMap<string, GraphTaskSpec>,
  located: (id: string) => Located | undefined,
): Lineage {
  const made = new Set<string>();
  const out: GraphTaskSpec[] = [];
  let missing: string | undefined;
  const need = (id: string, reader: string): void => {
    if (missing || made.has(id) || located(id)) return;
    const spec = tasks.get(id);
    if (!spec) {
      missing = `the result of ${id}, which ${reader} reads, was lost with the worker that held it and cannot be made again here (it was kept from an earlier compute); run compute again`;
      return;
    }
    made.add(id);
    for (const dep of spec.deps) need(dep, id);
    out.push(spec);
  };
  for (const item of items) {
    for (const dep of tasks.get(item.nodeId)?.deps ?? []) need(dep, item.nodeId);
    made.add(item.nodeId);
  }
  return missing ? { items: [], missing } : { items: out };
}
