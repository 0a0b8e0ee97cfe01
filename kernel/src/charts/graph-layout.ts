/**
 * Where each node of a task graph is drawn: columns by depth (a task sits right of everything it
 * reads), rows ordered within a column by the mean row of the node's inputs, so that chains run
 * straight and edges cross less. Pure.
 */
import type { GraphNodeRecord } from "../run/records";

export interface NodePosition {
  x: number;
  y: number;
}

export function layoutGraph(nodes: readonly GraphNodeRecord[]): Map<string, NodePosition> {
  const columns = new Map<number, GraphNodeRecord[]>();
  for (const n of nodes) columns.set(n.depth, [...(columns.get(n.depth) ?? []), n]);
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const pos = new Map<string, NodePosition>();
  for (const depth of [...columns.keys()].sort((a, b) => a - b)) {
    const column = columns.get(depth)!;
    const order = new Map(column.map((n, i) => [n.id, i]));
    const key = (n: GraphNodeRecord) => {
      const ys = n.deps.map((d) => pos.get(d)?.y).filter((y): y is number => y !== undefined);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Number.NEGATIVE_INFINITY;
    };
    const sorted = [...column].sort((a, b) => key(a) - key(b) || order.get(a.id)! - order.get(b.id)!);
    // Spread each column over the height of the tallest one, centred.
    const step = tallest / sorted.length;
    sorted.forEach((n, i) => pos.set(n.id, { x: depth, y: (i + 0.5) * step }));
  }
  return pos;
}
