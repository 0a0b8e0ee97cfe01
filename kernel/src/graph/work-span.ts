/**
 * The work–span figures of a task graph (README, Magics: task graphs): T1, the work, is the sum of the task
 * times (what one worker would spend); T∞, the span, is the longest path through the graph (what
 * infinitely many workers would still spend, since a task waits for its inputs); T1 ÷ T∞ is the
 * parallelism, the most workers the graph can keep busy on average. The bounds these give for P
 * workers are drawn by charts/graph.ts (timeBounds).
 */
import type { WorkSpan } from "../run/records";

export interface TimedNode {
  id: string;
  deps: readonly string[];
  /** The task's time (ms), or 1 to count tasks; 0 for a node that did not run. */
  cost: number;
}

/** `nodes` inputs first (every dep appears before the node that reads it, or not at all). */
export function workSpan(nodes: readonly TimedNode[], unit: WorkSpan["unit"]): WorkSpan {
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  let work = 0;
  let last: string | undefined;
  let span = 0;
  for (const n of nodes) {
    let start = 0;
    let from: string | undefined;
    for (const d of n.deps) {
      const f = finish.get(d);
      if (f !== undefined && f > start) {
        start = f;
        from = d;
      }
    }
    const end = start + n.cost;
    finish.set(n.id, end);
    via.set(n.id, from);
    work += n.cost;
    // ">=": a free task at the end (declared cost 0, e.g. a final add) still ends the path it waits on.
    if (end >= span || last === undefined) {
      span = end;
      last = n.id;
    }
  }
  const criticalPath: string[] = [];
  for (let id = last; id !== undefined; id = via.get(id)) criticalPath.unshift(id);
  return { unit, work, span, parallelism: span > 0 ? work / span : 0, criticalPath: span > 0 ? criticalPath : [] };
}

/** Longest path from a source, counted in nodes (sources are at depth 0): the layout's columns. */
export function depths(nodes: readonly { id: string; deps: readonly string[] }[]): Map<string, number> {
  const depth = new Map<string, number>();
  for (const n of nodes) {
    let d = 0;
    for (const dep of n.deps) d = Math.max(d, (depth.get(dep) ?? -1) + 1);
    depth.set(n.id, d);
  }
  return depth;
}
