/**
 * `paralab worker --redis URL [--queue NAME] [--concurrency N] [--memory MB] [--key-file F]`: serves a queue
 * with N runtimes. The main thread holds BullMQ's Worker (fetching jobs, renewing their locks,
 * moving stalled jobs of dead workers back to the queue), the heartbeat and the control channel;
 * the runtimes are worker threads running the local pool's runtime.
 */
import { Worker as BullWorker } from "bullmq";
import * as os from "node:os";
import { defaultMemoryLimitMb } from "../run/runtimes/heap-limit";
import { PARALAB_VERSION } from "../version";
import { parseClusterUrl, type ClusterAddress } from "./address";
import { connectRedis, redisOptions } from "./connect";
import { EventWriter } from "./event-writer";
import { keyId, loadClusterKey } from "./key";
import { BULLMQ_PREFIX, clusterKeys } from "./keys";
import { TaskProcessor } from "./processor";
import { heartbeat, HEARTBEAT_MS, removeWorker, type WorkerInfo } from "./registry";
import { Runtimes } from "./runtimes";

export interface ServeOptions {
  redis: string;
  queue?: string;
  concurrency?: number;
  keyFile?: string;
  /** Heap limit of each runtime, MB (default: the local pool's, defaultMemoryLimitMb()). */
  memoryLimitMb?: number;
}

/** How long a job's lock lasts; a worker that stops renewing it (killed) loses its jobs after this. */
const LOCK_MS = Number(process.env.PARALAB_CLUSTER_LOCK_MS) || 10_000;
/** A soft cancel (another task failed) gives running tasks this long to stop before they are ended. */
const CANCEL_GRACE_MS = 1000;
/** Refused tasks make a worker pause, doubling up to this, so that correctly keyed workers get them. */
const MAX_REFUSAL_PAUSE_MS = 10_000;

export interface ServingWorker {
  id: string;
  address: ClusterAddress;
  close(): Promise<void>;
}

export async function serveWorker(o: ServeOptions, log: (text: string) => void): Promise<ServingWorker> {
  const address = parseClusterUrl(o.redis, o.queue);
  const key = loadClusterKey(o.keyFile);
  const concurrency = o.concurrency ?? os.availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TypeError(`--concurrency must be a positive integer, got ${String(o.concurrency)}. Try: --concurrency 4`);
  const host = os.hostname();
  const id = `${host}:${process.pid}`;
  const say = (text: string) => log(`paralab worker ${id}: ${text}`);
  const redis = await connectRedis(address, { persistent: true, name: `paralab-worker ${id}` });
  const keys = clusterKeys(address.queue);
  const events = new EventWriter(redis, keys, key, say);
  const memoryLimitMb = o.memoryLimitMb ?? defaultMemoryLimitMb();
  if (!(Number.isInteger(memoryLimitMb) && memoryLimitMb > 0))
    throw new TypeError(
      `--memory must be a positive whole number of MB, got ${String(o.memoryLimitMb)}. Try: --memory 2048`,
    );
  const runtimes = new Runtimes(concurrency, id, memoryLimitMb, {
    onStream: (thread, name, text) => {
      if (thread.run) events.push(thread.run, { type: "stream", worker: thread.name, name, text });
    },
    // sent before the task's result (the runtime reports it first), so that the cell running the
    // task shows it as the local pool does; one caught later goes to the run's stream all the same
    onUncaught: (thread, m) => {
      say(
        `${thread.name} caught ${m.kind === "rejection" ? "an unhandled rejection" : "an uncaught exception"} and lives on: ${m.error.name}: ${m.error.message}`,
      );
      if (thread.run) events.push(thread.run, { type: "uncaught", worker: thread.name, kind: m.kind, error: m.error });
    },
  });
  await runtimes.ready();

  const backoff = new RefusalBackoff();
  const processor = new TaskProcessor({
    queue: address.queue,
    key,
    redis,
    events,
    runtimes,
    id,
    // a quarter of each runtime's heap: the tasks that read the results need room too
    heldBytesPerRuntime: (memoryLimitMb * 1024 * 1024) / 4,
    log: say,
    refused: () => backoff.refused(),
    accepted: () => backoff.accepted(),
  });

  const sub = await connectRedis(address, { persistent: true, name: `paralab-worker ${id} control` });
  await sub.subscribe(keys.control);
  sub.on("message", (_channel: string, text: string) => {
    try {
      const m = JSON.parse(text) as { type?: string; run?: string; hard?: boolean; results?: string; ids?: unknown };
      if (m.type === "cancel" && typeof m.run === "string") processor.cancel(m.run, Boolean(m.hard), CANCEL_GRACE_MS);
      // Not signed: a release only frees memory; a forged one costs a recomputation, never a wrong value.
      else if (m.type === "release" && typeof m.results === "string" && Array.isArray(m.ids))
        processor.release(
          m.results,
          m.ids.filter((x): x is string => typeof x === "string"),
        );
    } catch {
      // not ours
    }
  });

  const bull = new BullWorker(address.queue, processor.process, {
    connection: { ...redisOptions(address, { blocking: true, persistent: true }), lazyConnect: false },
    prefix: BULLMQ_PREFIX,
    concurrency,
    lockDuration: LOCK_MS,
    stalledInterval: Math.max(500, Math.floor(LOCK_MS / 2)),
    // a task whose worker dies twice is failed (and the kernel says so) rather than killing every worker in turn
    maxStalledCount: 2,
    name: `paralab-worker ${id}`,
  });
  bull.on("error", (e) => say(`BullMQ: ${e.message}`));
  backoff.worker = bull;
  // This process's own list: graph tasks that read results its runtimes hold (README, Clusters: task graphs).
  // It takes them whatever the shared queue's refusal pause: the kernel sends only what this process made.
  const own = await connectRedis(address, { persistent: true, name: `paralab-worker ${id} own tasks` });
  const ownTasks = takeOwnTasks(own, keys.home(id), (text) => processor.processOwn(text), say);
  const sweeper = setInterval(() => processor.sweep(), 60_000);
  sweeper.unref();

  const startedMs = Date.now();
  const info = (): WorkerInfo => {
    const cpu = process.cpuUsage();
    return {
      id,
      host,
      pid: process.pid,
      slots: concurrency,
      busy: runtimes.busy,
      cores: os.availableParallelism(),
      heartbeatMs: Date.now(),
      startedMs,
      version: PARALAB_VERSION,
      node: process.version,
      keyId: keyId(key),
      tasksDone: processor.tasksDone,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      memoryBytes: process.memoryUsage.rss(),
    };
  };
  let lostSince: number | undefined;
  const beat = async () => {
    try {
      await heartbeat(redis, address.queue, info());
      if (lostSince !== undefined) say(`Redis is back after ${((Date.now() - lostSince) / 1000).toFixed(1)} s`);
      lostSince = undefined;
    } catch (e) {
      if (lostSince === undefined) {
        lostSince = Date.now();
        say(`lost Redis at ${address.display} (${(e as Error).message}); reconnecting`);
      }
    }
  };
  await beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_MS);
  say(
    `serving queue ${address.queue} on ${address.display} with ${concurrency} runtime${concurrency === 1 ? "" : "s"} ` +
      `(${Array.from({ length: concurrency }, (_, i) => `w${i}`).join(", ")}) of ${memoryLimitMb} MB heap each, paralab ${PARALAB_VERSION}`,
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(timer);
      clearInterval(sweeper);
      backoff.stop();
      // running tasks are ended; BullMQ gives their jobs to other workers once the locks expire
      // (a kernel sends what was on this process's own queue elsewhere once it is gone from the registry)
      ownTasks.stop();
      own.disconnect();
      await Promise.race([bull.close(true), new Promise((r) => setTimeout(r, 2000).unref())]);
      await runtimes.close();
      await removeWorker(redis, address.queue, id).catch(() => undefined);
      sub.disconnect();
      redis.disconnect();
      say("stopped");
    })());
  return { id, address, close };
}

/**
 * Pops this process's own tasks one by one (a blocking pop wakes as soon as a kernel pushes) and
 * hands each to `run` without waiting for it: the runtime that holds a task's inputs takes it when free.
 */
function takeOwnTasks(
  redis: Awaited<ReturnType<typeof connectRedis>>,
  key: string,
  run: (text: string) => Promise<unknown>,
  say: (text: string) => void,
): { stop(): void } {
  let stopped = false;
  let failing = false;
  void (async () => {
    while (!stopped) {
      try {
        const got = await redis.blpop(key, 5);
        failing = false;
        if (got) void run(got[1]).catch((e: Error) => say(`a task from this worker's own list failed: ${e.message}`));
      } catch (e) {
        if (stopped) return;
        // said once: the heartbeat says when Redis is lost and back
        if (!failing) say(`cannot read this worker's own tasks (${(e as Error).message}); trying again`);
        failing = true;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
  };
}

/**
 * After a refused task the worker stops taking jobs for a while (250 ms, doubling up to
 * MAX_REFUSAL_PAUSE_MS), so that a worker with the wrong key leaves the queue to the others
 * instead of grabbing every task first. A task it accepts resets the pause.
 */
class RefusalBackoff {
  worker: BullWorker | undefined;
  private refusals = 0;
  private timer: NodeJS.Timeout | undefined;

  refused(): void {
    const pauseMs = Math.min(250 * 2 ** this.refusals++, MAX_REFUSAL_PAUSE_MS);
    if (!this.worker || this.timer) return;
    void this.worker.pause(true);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.worker?.resume();
    }, pauseMs);
  }

  accepted(): void {
    this.refusals = 0;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
