/**
 * Worker side: one batch of graph tasks (README, Magics: task graphs) on a runtime of a `paralab worker`. Inputs
 * are read from Redis (signed, see sealed.ts), or are held by this process (HeldResults: the
 * kernel sent the batch here because they are) and are already in the runtime's graph store, the
 * same store the local pool's workers use; the batch runs there. Results that later tasks read stay
 * in the runtime when they are big, and go to Redis when small, before the event that reports
 * them, so that the kernel never starts a reader before its input is there.
 */
import type { GraphTaskMessage, GraphToWorker } from "../run/messages";
import type { Redis } from "./connect";
import type { EventWriter } from "./event-writer";
import { HeldResults } from "./held-results";
import { clusterKeys, RUN_ID, RUN_TTL_S } from "./keys";
import type { RuntimeThread, TaskOutcome } from "./runtime-thread";
import { seal, unseal } from "./sealed";
import type { ClusterEvent, GraphBody, GraphShared } from "./wire";

export interface GraphBatchDeps {
  key: Buffer;
  redis: Redis;
  events: EventWriter;
  keys: ReturnType<typeof clusterKeys>;
  /** The run's functions and variables, fetched once per process. */
  shared(run: string, body: GraphBody): Promise<GraphShared>;
  /** The runtime's job id for a run. */
  jobIdOf(run: string): number;
  held: HeldResults;
  /** Whether a runtime still serves (was not replaced). */
  serving(thread: RuntimeThread): boolean;
  /** This process (host:pid), named in results it holds. */
  id: string;
}

type GraphResultEvent = Extract<ClusterEvent, { type: "graph-result" }>;

/** The runtime a batch should run on: the one that holds most of its held inputs (none: any). */
export function preferredRuntime(d: GraphBatchDeps, body: GraphBody): RuntimeThread | undefined {
  const ids = [...(body.spill ?? []), ...body.items.flatMap((i) => i.held ?? [])];
  if (!ids.length || !RUN_ID.test(body.results)) return undefined;
  return d.held.best(
    ids.map((id) => HeldResults.nodeKey(body.results, id)),
    d.serving,
  );
}

/** Runs the batch on `thread` and reports it; resolves with how the runtime ended it. */
export async function runGraphBatch(
  d: GraphBatchDeps,
  run: string,
  task: number,
  taskId: number,
  body: GraphBody,
  thread: RuntimeThread,
): Promise<TaskOutcome> {
  if (!RUN_ID.test(body.results)) throw new Error(`the task names results at an unexpected key (${body.results})`);
  const ns = (id: string) => HeldResults.nodeKey(body.results, id);
  const report = (e: Omit<GraphResultEvent, "type" | "worker" | "task" | "process">) =>
    d.events.send(run, { type: "graph-result", worker: thread.name, task, process: d.id, ...e });
  const heldIds = [...new Set([...(body.spill ?? []), ...body.items.flatMap((i) => i.held ?? [])])];
  // Held inputs in another runtime of this process are copied over; gone ones are recomputed by the kernel.
  const elsewhere = new Map<string, RuntimeThread>();
  const lost: string[] = [];
  for (const id of heldIds) {
    const t = d.held.where(ns(id), d.serving);
    if (!t) lost.push(id);
    else if (t !== thread) elsewhere.set(id, t);
  }
  if (lost.length) {
    await report({ outcomes: [], stored: {}, lost });
    return { kind: "cancelled" };
  }
  if (body.spill) return spill(d, body, thread, report);

  const jobId = d.jobIdOf(run);
  const shared = thread.varsRun === run ? undefined : await d.shared(run, body);
  const fetchFrom = performance.now();
  const [inputs, copied] = await Promise.all([
    readInputs(d, body),
    Promise.all([...elsewhere].map(async ([nodeId, t]) => ({ nodeId, ...(await t.take(ns(nodeId))) }))),
  ]);
  const fetchMs = performance.now() - fetchFrom;
  const gone = copied.filter((c) => c.missing !== undefined).map((c) => c.nodeId);
  if (gone.length) {
    await report({ outcomes: [], stored: {}, lost: gone });
    return { kind: "cancelled" };
  }
  const arriving = [...inputs, ...copied];
  const before: GraphToWorker[] = arriving.map((i) => ({ type: "graph-value", jobId, ...i, nodeId: ns(i.nodeId) }));
  const msg: GraphTaskMessage = {
    type: "graph-task",
    jobId,
    taskId,
    vars: shared && { ...shared.vars },
    codes: shared?.codes,
    // The runtime keeps every result of the batch (later items, or later tasks, read them) and
    // sends back only what compute returns; this process then decides where each kept one lives.
    items: body.items.map(({ nodeId, code, args, refs, ret, store, small }) => ({
      nodeId: ns(nodeId),
      code,
      args,
      refs: refs.map((r) => ({ ...r, id: ns(r.id) })),
      incoming: [],
      keep: true,
      ret: ret || (store && Boolean(small)),
    })),
  };
  const outcome = await thread.runGraphTask(before, msg, run);
  if (outcome.kind !== "graph") return outcome;
  if (shared) thread.varsRun = run;
  const outcomes = outcome.msg.outcomes;
  const stored: Record<string, number> = {};
  const held: Record<string, number> = {};
  const multi = d.redis.multi();
  const drop = arriving.map((i) => ns(i.nodeId));
  for (const [i, item] of body.items.entries()) {
    const o = outcomes[i];
    o.nodeId = item.nodeId;
    if (!item.store || o.error) {
      drop.push(ns(item.nodeId));
      continue;
    }
    if (d.held.canHold(thread, o.resultBytes)) {
      d.held.add(ns(item.nodeId), thread, o.resultBytes);
      held[item.nodeId] = o.resultBytes;
      continue;
    }
    const value = "value" in o ? o.value : (await thread.take(ns(item.nodeId))).value;
    const where = d.keys.result(body.results, item.nodeId);
    const bytes = seal(d.key, where, value);
    multi.set(where, bytes, "EX", RUN_TTL_S);
    stored[item.nodeId] = bytes.length;
    drop.push(ns(item.nodeId));
  }
  for (const [i, item] of body.items.entries()) if (!item.ret) delete outcomes[i].value;
  if (thread.state !== "dead") thread.post({ type: "graph-release", nodeIds: drop });
  // Reading inputs is waiting too: it is charged to the first task that read some.
  const reader = outcomes.find((_, i) => body.items[i].fetch.length > 0 || elsewhere.size > 0);
  if (reader) reader.waitMs += fetchMs;
  if (Object.keys(stored).length) await multi.exec();
  await report({ outcomes, stored, ...(Object.keys(held).length ? { held } : {}) });
  return outcome;
}

/**
 * Moves held results to Redis for a task elsewhere that reads them (with inputs another process
 * holds). They leave the runtime: the kernel now reads them from Redis, and a batch sent here
 * before the spill that names them as held hears that they are gone and is sent again.
 */
async function spill(
  d: GraphBatchDeps,
  body: GraphBody,
  thread: RuntimeThread,
  report: (e: Omit<GraphResultEvent, "type" | "worker" | "task" | "process">) => Promise<void>,
): Promise<TaskOutcome> {
  const stored: Record<string, number> = {};
  const lost: string[] = [];
  const multi = d.redis.multi();
  for (const id of body.spill ?? []) {
    const t = d.held.where(HeldResults.nodeKey(body.results, id), d.serving) ?? thread;
    const got = await t.take(HeldResults.nodeKey(body.results, id));
    if (got.missing !== undefined) {
      lost.push(id);
      continue;
    }
    const where = d.keys.result(body.results, id);
    const bytes = seal(d.key, where, got.value);
    multi.set(where, bytes, "EX", RUN_TTL_S);
    stored[id] = bytes.length;
  }
  if (Object.keys(stored).length) await multi.exec();
  for (const [t, nodeIds] of d.held.release(Object.keys(stored).map((id) => HeldResults.nodeKey(body.results, id))))
    if (d.serving(t)) t.post({ type: "graph-release", nodeIds });
  await report({ outcomes: [], stored, ...(lost.length ? { lost } : {}) });
  return { kind: "cancelled" };
}

/** The inputs the batch reads from Redis, each a value or why it is missing. */
async function readInputs(
  d: GraphBatchDeps,
  body: GraphBody,
): Promise<{ nodeId: string; value?: unknown; missing?: string }[]> {
  const ids = [...new Set(body.items.flatMap((i) => i.fetch))];
  if (!ids.length) return [];
  const keys = ids.map((id) => d.keys.result(body.results, id));
  const values = await d.redis.mgetBuffer(...keys);
  return ids.map((nodeId, i) => {
    const bytes = values[i];
    if (!bytes) return { nodeId, missing: `the result of ${nodeId} is no longer in Redis (it expired or was deleted)` };
    try {
      return { nodeId, value: unseal(d.key, keys[i], bytes) };
    } catch (e) {
      return { nodeId, missing: `${nodeId}: ${(e as Error).message}` };
    }
  });
}
