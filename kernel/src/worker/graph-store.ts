/**
 * The worker's side of task graphs (README, Magics: task graphs): a store of results by node id that outlives a
 * job (so that a later compute can reuse what an earlier one left), runs graph tasks from it, and
 * hands stored values to other workers: straight over a MessagePort between threads, or through
 * the pool between processes (child processes have no channel of their own).
 */
import type { MessagePort } from "node:worker_threads";
import type {
  FromWorker,
  GraphItemOutcome,
  GraphSendMessage,
  GraphTaskItem,
  GraphTaskMessage,
  GraphToWorker,
  RemoteError,
  WireCode,
  WorkerKind,
} from "../run/messages";
import { ownThreadCpuMs } from "../proc/schedstat";
import { reviveShared } from "../sync/revive";
import { estimateBytes } from "../transfer/bytes";
import { epochMs, workerStats } from "./metrics";

type TaskFn = (ctx: Record<string, unknown>) => unknown;

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** What a peer thread posts on a graph port. */
interface PeerValue {
  nodeId: string;
  value?: unknown;
  missing?: string;
}

export class GraphStore {
  private readonly values = new Map<string, unknown>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Values that arrived for a node id this worker was told is missing (a lost sender). */
  private readonly missing = new Map<string, string>();
  private ports = new Map<number, MessagePort>();
  private job: { jobId: number; vars: Record<string, unknown>; codes: WireCode[] } = { jobId: -1, vars: {}, codes: [] };

  constructor(
    private readonly host: { kind: WorkerKind; send(msg: FromWorker): void },
    private readonly compile: (code: WireCode) => TaskFn,
    private readonly toWire: (e: unknown) => RemoteError,
  ) {}

  handle(msg: GraphToWorker): void {
    switch (msg.type) {
      case "graph-task":
        void this.run(msg);
        break;
      case "graph-port":
        this.ports.set(msg.peer, msg.port);
        msg.port.on("message", (m: PeerValue) => this.arrive(m.nodeId, m.value, m.missing));
        // Ports must not keep a worker with no work alive (the pool decides a worker's life).
        msg.port.unref();
        break;
      case "graph-send":
        this.send(msg);
        break;
      case "graph-value":
        this.arrive(msg.nodeId, msg.value, msg.missing);
        break;
      case "graph-release":
        for (const id of msg.nodeIds) {
          this.values.delete(id);
          this.missing.delete(id);
        }
        break;
      case "graph-end":
        for (const port of this.ports.values()) port.close();
        this.ports = new Map();
        this.missing.clear();
        break;
    }
  }

  private arrive(nodeId: string, value: unknown, missing: string | undefined): void {
    const waiting = this.waiters.get(nodeId) ?? [];
    this.waiters.delete(nodeId);
    if (missing !== undefined) {
      if (this.values.has(nodeId)) return; // it came after all
      this.missing.set(nodeId, missing);
      for (const w of waiting) w.reject(new Error(missing));
      return;
    }
    this.values.set(nodeId, value);
    for (const w of waiting) w.resolve(value);
  }

  private input(nodeId: string): Promise<unknown> | unknown {
    if (this.values.has(nodeId)) return this.values.get(nodeId);
    const missing = this.missing.get(nodeId);
    if (missing !== undefined) return Promise.reject(new Error(missing));
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(nodeId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(nodeId, list);
    });
  }

  private send(msg: GraphSendMessage): void {
    const has = this.values.has(msg.nodeId);
    const value = this.values.get(msg.nodeId);
    const missing = has ? undefined : `the result of ${msg.nodeId} was no longer on the worker that made it`;
    const port = msg.via === "port" ? this.ports.get(msg.to) : undefined;
    const relay = (m: { value?: unknown; missing?: string; bytes?: number }) =>
      this.host.send({ type: "graph-relay", jobId: msg.jobId, nodeId: msg.nodeId, to: msg.to, bytes: 0, ...m });
    try {
      if (port) port.postMessage(missing ? { nodeId: msg.nodeId, missing } : { nodeId: msg.nodeId, value });
      else relay(missing ? { missing } : { value, bytes: estimateBytes(value) });
    } catch (e) {
      const why = `the result of ${msg.nodeId} cannot be copied to another worker (${e instanceof Error ? e.message : String(e)}); return plain data`;
      if (port) port.postMessage({ nodeId: msg.nodeId, missing: why });
      else relay({ missing: why });
    }
  }

  private async run(msg: GraphTaskMessage): Promise<void> {
    if (msg.vars || msg.codes) {
      const vars = msg.vars ?? {};
      for (const k of Object.keys(vars)) vars[k] = reviveShared(vars[k]);
      this.job = { jobId: msg.jobId, vars, codes: msg.codes ?? [] };
    }
    const job = this.job.jobId === msg.jobId ? this.job : { vars: {}, codes: [] as WireCode[] };
    const cpu0 = ownThreadCpuMs();
    const t0 = performance.now();
    const outcomes: GraphItemOutcome[] = [];
    const values: unknown[] = [];
    for (const item of msg.items) {
      const outcome = await this.runItem(item, job);
      outcomes.push(outcome.outcome);
      values.push(outcome.value);
    }
    // One clock read per batch: a /proc read costs microseconds, as much as a tiny task.
    const cpuNow = ownThreadCpuMs();
    const wall = Math.max(1e-9, performance.now() - t0);
    for (const o of outcomes) o.cpuMs = ((cpuNow - cpu0) * (o.endMs - o.startMs + o.waitMs)) / wall;
    const stats = workerStats(this.host.kind, cpuNow);
    msg.items.forEach((item, i) => {
      if (item.ret && !outcomes[i].error) outcomes[i].value = values[i];
    });
    try {
      this.host.send({ type: "graph-result", jobId: msg.jobId, taskId: msg.taskId, outcomes, stats });
    } catch (e) {
      // A value cannot travel back (e.g. it holds a function): say which, instead of going silent.
      const why = e instanceof Error ? e.message : String(e);
      for (const o of outcomes) {
        if (!("value" in o)) continue;
        try {
          structuredClone(o.value);
        } catch {
          delete o.value;
          o.error = {
            name: "DataCloneError",
            message: `its result cannot be copied back to the kernel (${why}); return plain data`,
          };
        }
      }
      this.host.send({ type: "graph-result", jobId: msg.jobId, taskId: msg.taskId, outcomes, stats });
    }
  }

  private async runItem(
    item: GraphTaskItem,
    job: { vars: Record<string, unknown>; codes: WireCode[] },
  ): Promise<{ outcome: GraphItemOutcome; value: unknown }> {
    let waitMs = 0;
    let startMs = epochMs();
    let value: unknown;
    let error: RemoteError | undefined;
    try {
      const code = job.codes[item.code];
      if (!code) throw new Error(`graph task ${item.nodeId}: its code did not reach this worker`);
      const fn = this.compile(code);
      const args = item.args;
      const waitFrom = performance.now();
      let waited = false;
      for (const ref of item.refs) {
        const got = this.input(ref.id);
        waited ||= got instanceof Promise;
        setAt(args, ref.path, got instanceof Promise ? await got : got);
      }
      // Only inputs still on their way count as waiting (a stored one is read at once).
      if (waited) waitMs = performance.now() - waitFrom;
      startMs = epochMs();
      const r = fn({ args, vars: job.vars }) as { then?: unknown } | undefined;
      value = r !== null && typeof r === "object" && typeof r.then === "function" ? await r : r;
    } catch (e) {
      error = this.toWire(e);
    }
    const endMs = epochMs();
    if (!error && item.keep) this.values.set(item.nodeId, value);
    // A task chained after this one in the same batch must not wait for a value that will not come.
    if (error) this.missing.set(item.nodeId, `its input ${item.nodeId} failed`);
    const outcome: GraphItemOutcome = {
      nodeId: item.nodeId,
      error,
      resultBytes: error ? 0 : estimateBytes(value),
      startMs,
      endMs,
      cpuMs: 0,
      waitMs,
    };
    return { outcome, value };
  }
}

function setAt(root: unknown[], path: (string | number)[], value: unknown): void {
  let target = root as unknown as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) target = target[path[i]] as Record<string | number, unknown>;
  target[path[path.length - 1]] = value;
}
