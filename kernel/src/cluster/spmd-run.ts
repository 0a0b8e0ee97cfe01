/**
 * Kernel side: one SPMD run on a cluster (README, Clusters). One task per rank; every rank holds a
 * runtime and says so before any starts (all run at once, or none does: when too few runtimes are
 * free in time, the run fails saying how many it found). `comm` goes through the same broker as on
 * the local pool, here in the kernel: ranks send their calls as events, and the broker's replies
 * and deadlock probes go back on each rank's stream. So a deadlock across machines is reported as
 * on the pool.
 */
import { ClusterConnectionLostError, ClusterNoWorkersError, TaskAbortedError, WorkerExitError } from "../errors";
import { CommBroker } from "../run/comm-broker";
import type { JobHooks, JobResult, SpmdJob } from "../run/jobs";
import { MapTally, type SentTask } from "../run/map-tally";
import { Probes } from "../run/probes";
import { estimateVarsBytes } from "../transfer/bytes";
import { RUN_TTL_S } from "./keys";
import type { WorkerInfo } from "./registry";
import { cloneError, taskLost } from "./run-errors";
import { RunLink, type RunLinkDeps, type RunOwner } from "./run-link";
import { seal } from "./sealed";
import { type ClusterEvent, type SpmdBody, type StoredRef, type TaskData, type ToRank } from "./wire";

/** How long the ranks may take to find free runtimes before the run gives up. */
export const RESERVE_WITHIN_MS = 10_000;

interface Rank {
  task: SentTask & { id: number };
  worker?: string;
  done: boolean;
}

export class ClusterSpmdRun implements RunOwner {
  readonly done: Promise<JobResult>;
  private resolve!: (r: JobResult) => void;
  private reject!: (e: Error) => void;
  private settled = false;
  private started = false;
  private readonly link: RunLink;
  private readonly tally: MapTally;
  private readonly broker: CommBroker;
  private readonly ranks: Rank[];
  private readonly probes = new Probes();
  private reserveTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.abort(this.hooks.signal?.reason);

  constructor(
    d: RunLinkDeps,
    private readonly job: SpmdJob,
    private readonly hooks: JobHooks,
    workers: WorkerInfo[],
    private readonly reserveWithinMs = RESERVE_WITHIN_MS,
  ) {
    this.link = new RunLink(d, this, hooks.onStream, workers);
    this.tally = new MapTally({
      mode: "spmd",
      total: job.workers,
      ordered: true,
      continueOnError: Boolean(job.continueOnError),
      hooks,
    });
    this.ranks = Array.from({ length: job.workers }, (_, rank) => ({
      task: { id: rank + 1, start: rank, count: 1, bytesIn: 0 },
      done: false,
    }));
    this.broker = new CommBroker(job.workers, {
      reply: (rank, reqId, value) => this.sendTo(rank, { type: "comm-reply", reqId, value }),
      fail: (e) => this.fail(e),
      probe: (ranks) => this.probes.probe(ranks, (rank, probeId) => this.sendTo(rank, { type: "probe", probeId })),
    });
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  async start(): Promise<void> {
    const signal = this.hooks.signal;
    if (signal?.aborted) return this.abort(signal.reason);
    signal?.addEventListener("abort", this.onAbort, { once: true });
    const n = this.job.workers;
    if (this.link.slots < n) {
      return this.fail(
        new ClusterNoWorkersError(
          `an SPMD cell needs its ${n} ranks running at once, and the workers on ${this.link.d.address.display} ` +
            `have ${this.link.slots} runtime${this.link.slots === 1 ? "" : "s"} in all. Use --workers ${this.link.slots} ` +
            `or fewer, or start more: paralab worker --concurrency N (or more workers).`,
        ),
        false,
      );
    }
    try {
      const vars = await this.storeVars();
      await this.link.open();
      if (this.settled) return;
      this.reserveTimer = setTimeout(() => this.reservationTimedOut(), this.reserveWithinMs);
      await this.link.add(this.ranks.map((r, rank) => ({ task: r.task.id, data: this.taskData(rank, vars) })));
    } catch (e) {
      this.fail(this.link.asConnectionError(e));
    }
  }

  private async storeVars(): Promise<StoredRef | undefined> {
    const ref = await this.link.storeVars(this.job.vars);
    if (ref) this.tally.sentShared(estimateVarsBytes(this.job.vars));
    return ref;
  }

  private taskData(rank: number, vars: StoredRef | undefined): TaskData {
    const body: SpmdBody = {
      kind: "spmd",
      code: this.job.code,
      rank,
      size: this.job.workers,
      continueOnError: Boolean(this.job.continueOnError),
      vars,
    };
    this.tally.sent(this.ranks[rank].task);
    return this.link.taskData(this.ranks[rank].task.id, body);
  }

  onEvent(e: Exclude<ClusterEvent, { type: "stream" | "refused" | "uncaught" }>): void {
    if (this.settled) return;
    switch (e.type) {
      case "spmd-ready":
        return this.ready(e.rank, e.worker);
      case "comm":
        return this.broker.handle(e.rank, e.reqId, e.req);
      case "probe-ack":
        return this.probes.answered(e.rank, e.probeId);
      case "result": {
        const rank = this.rankOfTask(e.task);
        if (rank === undefined) return;
        this.ranks[rank].done = true;
        this.broker.rankDone(rank);
        const failure = this.tally.add({ ...e, lane: rank, task: this.ranks[rank].task });
        if (failure) return this.fail(failure);
        if (this.tally.complete) this.finish();
        return;
      }
      case "lost": {
        const rank = this.rankOfTask(e.task);
        if (rank === undefined) return;
        this.ranks[rank].done = true;
        this.broker.rankDone(rank);
        const error = new WorkerExitError(rank, {
          exitCode: e.exitCode,
          signal: null,
          cause: e.cause,
          spmd: true,
          worker: e.worker,
        });
        const failure = this.tally.add({
          type: "lost",
          lane: rank,
          worker: e.worker,
          task: this.ranks[rank].task,
          startMs: e.startMs,
          error,
        });
        if (failure) return this.fail(failure);
        if (this.tally.complete) this.finish();
      }
    }
  }

  /** A rank holds a runtime; when every rank does, they all start. */
  private ready(rank: number, worker: string): void {
    const r = this.ranks[rank];
    if (!r || r.worker) return;
    r.worker = worker;
    if (this.ranks.some((x) => !x.worker)) return;
    clearTimeout(this.reserveTimer);
    this.started = true;
    for (let k = 0; k < this.ranks.length; k++) this.sendTo(k, { type: "go" });
  }

  private reservationTimedOut(): void {
    if (this.settled || this.started) return;
    const held = this.ranks.filter((r) => r.worker).length;
    this.fail(
      new ClusterNoWorkersError(
        `an SPMD cell needs its ${this.ranks.length} ranks running at once; only ${held} found a free runtime ` +
          `on ${this.link.d.address.display} within ${this.reserveWithinMs / 1000} s (other runs hold the rest), ` +
          `so none started. Run it again when the cluster is less busy, use fewer --workers, or start more workers.`,
      ),
    );
  }

  private rankOfTask(task: number): number | undefined {
    const rank = this.ranks.findIndex((r) => r.task.id === task);
    return rank < 0 || this.ranks[rank].done ? undefined : rank;
  }

  /** A message for one rank, signed, on its own stream. */
  private sendTo(rank: number, m: ToRank): void {
    const where = this.link.keys.toRank(this.link.run, rank);
    let sealed: Buffer;
    try {
      sealed = seal(this.link.d.key, where, m);
    } catch (e) {
      return this.fail(cloneError({ [`a comm message to rank ${rank}`]: (m as { value?: unknown }).value }, e));
    }
    this.link.d.redis
      .multi()
      .xadd(where, "*", "m", sealed)
      .expire(where, RUN_TTL_S)
      .exec()
      .catch((e: unknown) => this.fail(this.link.asConnectionError(e)));
  }

  onTaskFailed(id: number, reason: string | undefined): void {
    const rank = this.rankOfTask(id);
    if (this.settled || rank === undefined) return;
    this.fail(taskLost(id, `rank ${rank}`, reason, this.doneText()));
  }

  openTasks(): number[] {
    return this.ranks.filter((r) => !r.done).map((r) => r.task.id);
  }

  doneText(): string {
    return `${this.tally.finished} of ${this.ranks.length} ranks were done`;
  }

  /** Interrupt, timeout, cancel(): the ranks stop now. */
  abort(reason?: unknown): void {
    if (this.settled) return;
    this.settle();
    void this.link.cancel(true, this.rankKeys());
    this.reject(new TaskAbortedError(reason));
  }

  /** A rank failed (deadlock, an error, a lost runtime), or the run cannot go on: the other ranks stop. */
  fail(error: Error, connectionOk = !(error instanceof ClusterConnectionLostError)): void {
    if (this.settled) return;
    this.settle();
    if (connectionOk) void this.link.cancel(true, this.rankKeys());
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settle();
    void this.link.cleanup(...this.rankKeys());
    const lanes = this.ranks.map((r, rank) => r.worker ?? `rank ${rank}`);
    this.resolve(this.tally.outcome({ workers: this.ranks.length, lanes, cores: this.link.cores || undefined }));
  }

  private rankKeys(): string[] {
    return this.ranks.map((_, rank) => this.link.keys.toRank(this.link.run, rank));
  }

  private settle(): void {
    this.settled = true;
    clearTimeout(this.reserveTimer);
    this.broker.dispose();
    this.link.close();
    this.hooks.signal?.removeEventListener("abort", this.onAbort);
  }
}
