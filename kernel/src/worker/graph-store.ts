/**
 * The worker's side of task graphs (SPEC §3.3.1): a store of results by node id that outlives a
 * job (so that a later compute can reuse what an earlier one left), runs graph tasks from it, and
 * hands stored values to other workers: straight over a MessagePort between threads, or through
 * the pool between processes (child processes have no channel of their own).
 */
import type { MessagePort } from "node:worker_threads";
import type {
  FromWorker,
  GraphSendMessage,
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
  private vars: { jobId: number; vars: Record<string, unknown> } = { jobId: -1, vars: {} };

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
    let startMs = epochMs();
    let waitMs = 0;
    let cpu0 = ownThreadCpuMs();
    let value: unknown;
    let error: RemoteError | undefined;
    try {
      if (msg.vars) {
        for (const k of Object.keys(msg.vars)) msg.vars[k] = reviveShared(msg.vars[k]);
        this.vars = { jobId: msg.jobId, vars: msg.vars };
      }
      const fn = this.compile(msg.code);
      const args = msg.args;
      const waitFrom = performance.now();
      for (const ref of msg.refs) {
        const got = this.input(ref.id);
        setAt(args, ref.path, got instanceof Promise ? await got : got);
      }
      waitMs = performance.now() - waitFrom;
      const vars = this.vars.jobId === msg.jobId ? this.vars.vars : {};
      startMs = epochMs();
      cpu0 = ownThreadCpuMs();
      const r = fn({ args, vars }) as { then?: unknown } | undefined;
      value = r !== null && typeof r === "object" && typeof r.then === "function" ? await r : r;
    } catch (e) {
      error = this.toWire(e);
    }
    const endMs = epochMs();
    const cpuMs = ownThreadCpuMs() - cpu0;
    if (!error && msg.keep) this.values.set(msg.nodeId, value);
    let resultBytes = 0;
    if (!error) resultBytes = estimateBytes(value);
    const reply = {
      type: "graph-result" as const,
      jobId: msg.jobId,
      taskId: msg.taskId,
      nodeId: msg.nodeId,
      error,
      resultBytes,
      startMs,
      endMs,
      cpuMs,
      waitMs,
      stats: workerStats(this.host.kind),
    };
    try {
      this.host.send(msg.ret && !error ? { ...reply, value } : reply);
    } catch (e) {
      // The value cannot travel back (e.g. it holds a function): say so instead of going silent.
      const why = e instanceof Error ? e.message : String(e);
      this.host.send({
        ...reply,
        error: {
          name: "DataCloneError",
          message: `its result cannot be copied back to the kernel (${why}); return plain data`,
        },
      });
    }
  }
}

function setAt(root: unknown[], path: (string | number)[], value: unknown): void {
  let target = root as unknown as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) target = target[path[i]] as Record<string | number, unknown>;
  target[path[path.length - 1]] = value;
}
