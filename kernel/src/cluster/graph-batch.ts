/**
 * Worker side: one batch of graph tasks (README, Magics: task graphs) on a runtime of a `paralab worker`. Inputs
 * made by other tasks are read from Redis (signed, see sealed.ts) and handed to the runtime's
 * graph store, the same store the local pool's workers use; the batch runs there; results that
 * later tasks read go back to Redis before the event that reports them, so that the kernel never
 * starts a reader before its input is there.
 */
import type { GraphTaskMessage, GraphToWorker } from "../run/messages";
import type { Redis } from "./connect";
import type { EventWriter } from "./event-writer";
import { clusterKeys, RUN_ID, RUN_TTL_S } from "./keys";
import type { RuntimeThread, TaskOutcome } from "./runtime-thread";
import { seal, unseal } from "./sealed";
import type { GraphBody, GraphShared } from "./wire";

export interface GraphBatchDeps {
  key: Buffer;
  redis: Redis;
  events: EventWriter;
  keys: ReturnType<typeof clusterKeys>;
  /** The run's functions and variables, fetched once per process. */
  shared(run: string, body: GraphBody): Promise<GraphShared>;
  /** The runtime's job id for a run. */
  jobIdOf(run: string): number;
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
  const jobId = d.jobIdOf(run);
  const shared = thread.varsRun === run ? undefined : await d.shared(run, body);
  const fetchFrom = performance.now();
  const inputs = await readInputs(d, body);
  const fetchMs = performance.now() - fetchFrom;
  const before: GraphToWorker[] = inputs.map((i) => ({ type: "graph-value", jobId, ...i }));
  const msg: GraphTaskMessage = {
    type: "graph-task",
    jobId,
    taskId,
    vars: shared && { ...shared.vars },
    codes: shared?.codes,
    // Every value comes back to this process, which stores and returns what the body asks for;
    // the runtime keeps them only for tasks later in the batch, and drops them after it.
    items: body.items.map(({ nodeId, code, args, refs }) => ({
      nodeId,
      code,
      args,
      refs,
      incoming: [],
      keep: true,
      ret: true,
    })),
  };
  const outcome = await thread.runGraphTask(before, msg, run);
  if (thread.state !== "dead") {
    if (shared) thread.varsRun = run;
    thread.post({
      type: "graph-release",
      nodeIds: [...body.items.map((i) => i.nodeId), ...inputs.map((i) => i.nodeId)],
    });
  }
  if (outcome.kind !== "graph") return outcome;
  const outcomes = outcome.msg.outcomes;
  const stored: Record<string, number> = {};
  const multi = d.redis.multi();
  body.items.forEach((item, i) => {
    const o = outcomes[i];
    if (item.store && !o.error) {
      const where = d.keys.result(body.results, item.nodeId);
      const bytes = seal(d.key, where, o.value);
      multi.set(where, bytes, "EX", RUN_TTL_S);
      stored[item.nodeId] = bytes.length;
    }
    if (!item.ret) delete o.value;
  });
  // Reading inputs is waiting too: it is charged to the first task that read some.
  const reader = outcomes.find((_, i) => body.items[i].fetch.length > 0);
  if (reader) reader.waitMs += fetchMs;
  if (Object.keys(stored).length) await multi.exec();
  await d.events.send(run, { type: "graph-result", worker: thread.name, task, outcomes, stored });
  return outcome;
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
