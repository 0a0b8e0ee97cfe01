/**
 * The graph chart's record (run/records.ts GraphRecord) from a graph: before it runs (visualize:
 * every task counted as 1, or as the cost its delayed() declared) and after (task times, workers,
 * data paths). Pure.
 */
import os from "node:os";
import type { GraphResult, GraphTaskRun } from "../run/graphs";
import type { Disturbance, GraphEdgeRecord, GraphNodeRecord, GraphNodeStatus, GraphRecord } from "../run/records";
import type { GraphNode } from "./node";
import { depths, workSpan } from "./work-span";

/** A record lists at most this many nodes (the figures still count every node). */
export const MAX_RECORD_NODES = 2000;

export interface RunFacts {
  result: GraphResult;
  /** Epoch ms, from the precise clock (the runner's own start and end are whole ms). */
  startMs: number;
  endMs: number;
  /** What other programs took from the cores meanwhile (inTaskMs is filled in here); absent on a cluster. */
  disturbance?: Disturbance;
  /** The state of each node in this run (undefined: not needed). */
  status(id: string): GraphNodeStatus | undefined;
  /** Inputs whose values were in the kernel and were sent with the task: from → to, bytes. */
  kernelEdges: GraphEdgeRecord[];
  /** The nodes compute returns. */
  outputs: ReadonlySet<string>;
}

/** `nodes` inputs first. Without `run`: the graph before it runs. */
export function buildGraphRecord(
  nodes: readonly GraphNode[],
  on: { workers: number; workerKind: string },
  run?: RunFacts,
): GraphRecord {
  const lastRun = new Map<string, GraphTaskRun>();
  for (const r of run?.result.runs ?? []) lastRun.set(r.id, r);
  const entries: GraphNodeRecord[] = [];
  for (const n of nodes) {
    const status: GraphNodeStatus | undefined = run ? run.status(n.id) : n.value ? "kept" : "pending";
    if (!status) continue;
    const r = lastRun.get(n.id);
    const e: GraphNodeRecord = { id: n.id, label: n.fn.name, deps: n.inputs.map((i) => i.id), depth: 0, status };
    if (n.fn.cellLine !== undefined) e.cellLine = n.fn.cellLine;
    if (run?.outputs.has(n.id)) e.output = true;
    if (r && r.rank >= 0) {
      e.rank = r.rank;
      e.startMs = r.startMs;
      e.endMs = r.endMs;
      e.durationMs = Math.max(0, r.endMs - r.startMs);
      e.cpuMs = r.cpuMs;
      if (r.waitMs > 0) e.waitMs = r.waitMs;
      if (r.resultBytes !== undefined) e.resultBytes = r.resultBytes;
    }
    entries.push(e);
  }
  const present = new Set(entries.map((e) => e.id));
  for (const e of entries) e.deps = e.deps.filter((d) => present.has(d));
  const depth = depths(entries);
  for (const e of entries) e.depth = depth.get(e.id) ?? 0;
  // Before a run only declared costs can tell two branches of equal length in tasks apart.
  const costOf = new Map(nodes.map((n) => [n.id, n.fn.cost]));
  const costed = !run && entries.some((e) => e.status === "pending" && costOf.get(e.id) !== undefined);
  const ws = workSpan(
    entries.map((e) => ({
      id: e.id,
      deps: e.deps,
      cost: run
        ? e.status === "ok" || e.status === "error"
          ? (e.durationMs ?? 0)
          : 0
        : e.status === "pending"
          ? (costOf.get(e.id) ?? 1)
          : 0,
    })),
    run ? "ms" : costed ? "cost" : "tasks",
  );
  const critical = new Set(ws.criticalPath);
  for (const e of entries) if (critical.has(e.id)) e.critical = true;
  const counts: GraphRecord["counts"] = {};
  for (const e of entries) counts[e.status] = (counts[e.status] ?? 0) + 1;
  const shown = entries.slice(0, MAX_RECORD_NODES);
  const shownIds = new Set(shown.map((e) => e.id));
  // Every dependency is an edge; those that carried data say how (tasks that never ran have none).
  const moved = new Map<string, GraphEdgeRecord>();
  for (const e of [...(run?.result.edges ?? []), ...(run?.kernelEdges ?? [])]) moved.set(`${e.from}\u0000${e.to}`, e);
  const edges: GraphEdgeRecord[] = entries.flatMap((e) =>
    e.deps.map((d) => moved.get(`${d}\u0000${e.id}`) ?? { from: d, to: e.id, bytes: 0 }),
  );
  const record: GraphRecord = {
    version: 1,
    kind: "graph",
    ran: Boolean(run),
    workers: on.workers,
    workerKind: on.workerKind,
    cores: os.availableParallelism(),
    nodes: shown,
    edges: edges.filter((e) => shownIds.has(e.from) && shownIds.has(e.to)),
    counts,
    workSpan: ws,
    bytesIn: run?.result.bytesIn ?? 0,
    bytesOut: run?.result.bytesOut ?? 0,
    bytesMoved: run?.result.bytesMoved ?? { port: 0, relay: 0 },
  };
  if (run?.result.lanes) record.lanes = run.result.lanes;
  if (entries.length > shown.length) record.nodesOmitted = entries.length - shown.length;
  if (run) {
    record.startMs = run.startMs;
    record.endMs = run.endMs;
    record.wallMs = run.endMs - run.startMs;
    if (run.disturbance) {
      const inTaskMs = entries.reduce((sum, e) => sum + (e.durationMs ?? 0), 0);
      record.disturbance = { ...run.disturbance, inTaskMs };
    }
  }
  return record;
}
