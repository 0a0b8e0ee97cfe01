/**
 * Worker side: one rank of an SPMD run on a `paralab worker` (README, Clusters). The rank holds a
 * runtime and tells the kernel (`spmd-ready`); it starts only when the kernel has heard from every
 * rank and says `go`, so that all ranks run at once or none does. While it runs, its comm calls go
 * to the kernel's broker as events, and the broker's replies and deadlock probes come back on the
 * rank's own stream, signed with the cluster key like everything else in Redis.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { TaskMessage } from "../run/messages";
import type { Redis } from "./connect";
import type { EventWriter } from "./event-writer";
import { clusterKeys } from "./keys";
import type { RuntimeThread, TaskOutcome } from "./runtime-thread";
import { unseal } from "./sealed";
import type { SpmdBody, StoredRef, ToRank } from "./wire";

/** A rank that hears no `go` this long after saying it is ready gives its runtime back (the kernel gave up). */
export const GO_WITHIN_MS = 60_000;
const READ_BLOCK_MS = 500;

export interface SpmdRankDeps {
  key: Buffer;
  redis: Redis;
  events: EventWriter;
  keys: ReturnType<typeof clusterKeys>;
  /** The run's variables, fetched once per process (undefined when the runtime has them already). */
  vars(run: string, ref: StoredRef | undefined, thread: RuntimeThread): Promise<Record<string, unknown> | undefined>;
  jobIdOf(run: string): number;
  nextTaskId(): number;
  log(text: string): void;
}

/** Runs rank `body.rank` on `thread` once every rank is ready; resolves with how the runtime ended it. */
export async function runSpmdRank(
  d: SpmdRankDeps,
  run: string,
  task: number,
  body: SpmdBody,
  thread: RuntimeThread,
  stopped: AbortSignal,
): Promise<TaskOutcome> {
  const jobId = d.jobIdOf(run);
  const where = d.keys.toRank(run, body.rank);
  const reader = d.redis.duplicate({ connectionName: `paralab-worker rank ${body.rank} of run ${run}` });
  const done = new AbortController();
  const both = AbortSignal.any([done.signal, stopped]);
  let go!: () => void;
  const started = new Promise<void>((resolve) => (go = resolve));
  const deliver = (m: ToRank) => {
    if (m.type === "go") go();
    else if (m.type === "comm-reply") thread.post({ type: "comm-reply", jobId, reqId: m.reqId, value: m.value });
    else if (m.type === "probe") thread.post({ type: "probe", probeId: m.probeId });
  };
  await reader.connect();
  const reading = readRank(reader, where, d.key, deliver, both, d.log);
  try {
    await d.events.send(run, { type: "spmd-ready", worker: thread.name, task, rank: body.rank });
    const gate = await Promise.race([
      started.then(() => "go" as const),
      sleep(GO_WITHIN_MS, "late" as const, { signal: both }).catch(() => "stopped" as const),
    ]);
    if (gate !== "go") return { kind: "cancelled" };
    const vars = await d.vars(run, body.vars, thread);
    const msg: TaskMessage = {
      type: "task",
      jobId,
      taskId: d.nextTaskId(),
      mode: "spmd",
      code: body.code,
      rank: body.rank,
      size: body.size,
      start: body.rank,
      vars: vars && { ...vars },
      continueOnError: body.continueOnError,
    };
    const worker = thread.name;
    const rank = body.rank;
    return await thread.runTask(msg, run, (m) => {
      const event =
        m.type === "comm"
          ? { type: "comm" as const, worker, rank, reqId: m.reqId, req: m.req }
          : { type: "probe-ack" as const, worker, rank, probeId: m.probeId };
      // sent at once (a comm call waits on it), in the order the rank made them (one connection)
      d.events.send(run, event).catch((e: Error) => d.log(`could not send rank ${rank}'s comm call: ${e.message}`));
    });
  } finally {
    done.abort();
    reader.disconnect();
    await reading;
  }
}

/** Reads the rank's stream until `stop`; each message the kernel signed goes to `deliver`. */
async function readRank(
  reader: Redis,
  where: string,
  key: Buffer,
  deliver: (m: ToRank) => void,
  stop: AbortSignal,
  log: (text: string) => void,
): Promise<void> {
  let last = "0-0";
  while (!stop.aborted) {
    let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
    try {
      reply = (await reader.xreadBuffer("COUNT", 100, "BLOCK", READ_BLOCK_MS, "STREAMS", where, last)) as typeof reply;
    } catch (e) {
      if (!stop.aborted) log(`stopped reading ${where}: ${(e as Error).message}`);
      return;
    }
    for (const [, entries] of reply ?? []) {
      for (const [id, fields] of entries) {
        last = id.toString();
        try {
          deliver(unseal(key, where, fields[1]) as ToRank);
        } catch (e) {
          log(`ignored a message on ${where}: ${(e as Error).message}`);
        }
      }
    }
  }
}
