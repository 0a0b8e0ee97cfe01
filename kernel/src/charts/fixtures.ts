/**
 * Small sample records for tests and for looking at the charts
 * (`node kernel/dist/charts/render-samples.js` writes them to /tmp/paralab-charts).
 */
import { amdahlSpeedup, buildScalingRecord } from "./amdahl";
import type {
  CoreSample,
  GraphEdgeRecord,
  GraphNodeRecord,
  GraphRecord,
  MonitorRecord,
  RunRecord,
  ScalingRecord,
  TaskRecord,
} from "../run/records";

const T0 = 1_700_000_000_000;

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function samples(
  start: number,
  end: number,
  periodMs: number,
  cores: number,
  busy: (t: number, c: number) => number,
): CoreSample[] {
  const out: CoreSample[] = [];
  for (let t = start + periodMs; t <= end + periodMs; t += periodMs) {
    out.push({
      tMs: t,
      cores: Array.from({ length: cores }, (_, c) => Math.max(0, Math.min(100, busy(t - start, c)))),
    });
  }
  return out;
}

/** A map run: `tasks` tasks of uneven length dynamically scheduled on `workers` workers. */
export function sampleRunRecord(
  workers = 4,
  taskCount = 16,
  options: { errors?: boolean; compare?: boolean; cores?: number } = {},
): RunRecord {
  const rnd = lcg(42);
  const cores = options.cores ?? 2;
  const free = Array.from({ length: workers }, () => 2);
  const tasks: TaskRecord[] = [];
  for (let i = 0; i < taskCount; i++) {
    let rank = 0;
    for (let w = 1; w < workers; w++) if (free[w] < free[rank]) rank = w;
    const start = free[rank] + 0.5;
    const dur = 20 + rnd() * 60;
    free[rank] = start + dur;
    let status: TaskRecord["status"] = "ok";
    if (options.errors && i === 2) status = "error";
    if (options.errors && i >= taskCount - 2) status = "cancelled";
    tasks.push({ rank, index: i, startMs: T0 + start, endMs: T0 + start + dur, cpuMs: dur * 0.95, status });
  }
  const wallMs = Math.max(...free) + 3;
  const cpuMs = tasks.reduce((a, t) => a + t.cpuMs, 0);
  return {
    version: 1,
    kind: "run",
    mode: "map",
    workers,
    workerKind: "thread",
    cores,
    startMs: T0,
    endMs: T0 + wallMs,
    wallMs,
    cpuMs,
    busyWorkers: cpuMs / wallMs,
    bytesIn: 1234,
    bytesOut: 321,
    tasks,
    samples: samples(T0, T0 + wallMs, 10, cores, (t, c) => (t < 3 ? 5 : 85 + 10 * Math.sin(t / 7 + c) + rnd() * 5)),
    ...(options.compare
      ? {
          compare: {
            serialMs: cpuMs * 1.02,
            parallelMs: wallMs,
            speedup: (cpuMs * 1.02) / wallMs,
            serialWhere: "on one worker thread (w0)",
          },
        }
      : {}),
  };
}

/**
 * Notebook 02's lesson: `taskCount` tiny tasks (chunk 1) on `workers` workers, each a few µs of work
 * between tens of µs of messaging, so that most tasks are far thinner than a pixel.
 */
export function sampleManyTasksRecord(taskCount = 4000, workers = 2): RunRecord {
  const rnd = lcg(11);
  const free = Array.from({ length: workers }, (_, w) => 1 + w * 0.02);
  const tasks: TaskRecord[] = [];
  for (let i = 0; i < taskCount; i++) {
    let rank = 0;
    for (let w = 1; w < workers; w++) if (free[w] < free[rank]) rank = w;
    const start = free[rank] + 0.02 + rnd() * 0.06;
    const dur = 0.002 + rnd() * 0.01;
    free[rank] = start + dur;
    tasks.push({
      rank,
      index: i,
      count: 1,
      startMs: T0 + start,
      endMs: T0 + start + dur,
      cpuMs: dur * 0.9,
      status: "ok",
    });
  }
  const wallMs = Math.max(...free) + 1;
  const cpuMs = tasks.reduce((a, t) => a + t.cpuMs, 0);
  return {
    version: 1,
    kind: "run",
    mode: "map",
    workers,
    workerKind: "thread",
    cores: 2,
    startMs: T0,
    endMs: T0 + wallMs,
    wallMs,
    cpuMs,
    busyWorkers: cpuMs / wallMs,
    items: taskCount,
    bytesIn: taskCount * 40,
    bytesOut: taskCount * 20,
    tasks,
    samples: [],
    workerSamples: samples(T0, T0 + wallMs, 5, workers, () => 25 + rnd() * 15).map((s) => ({
      tMs: s.tMs,
      workers: s.cores,
    })),
    workerWindowMs: 20,
    workerSamplesFromMs: T0,
  };
}

/** Scaling at 1, 2, 4, 8 workers with true serial fraction s on a 4-core machine. */
export function sampleScalingRecord(s = 0.1, workers = [1, 2, 4, 8], cores = 4): ScalingRecord {
  const rnd = lcg(7);
  // Wall times with ±2% noise; more workers than cores run no faster than `cores`.
  const walls = workers.map((n) => (1000 / amdahlSpeedup(s, Math.min(n, cores))) * (1 + (rnd() - 0.5) * 0.04));
  return buildScalingRecord(
    workers.map((n, i) => ({ workers: n, wallMs: walls[i] })),
    cores,
  );
}

/** A monitor record of `seconds` at 10 Hz on `cores` cores, with a busy phase in the middle. */
export function sampleMonitorRecord(cores = 2, seconds = 10, done = true): MonitorRecord {
  const rnd = lcg(3);
  const durationMs = seconds * 1000;
  return {
    version: 1,
    kind: "monitor",
    cores,
    startMs: T0,
    samples: samples(T0, T0 + (done ? durationMs : durationMs / 2), 100, cores, (t, c) =>
      t > 2000 && t < 6000 + c * 1000 ? 95 + rnd() * 5 : 3 + rnd() * 8,
    ),
    durationMs,
    done,
  };
}

/**
 * The README's example graph: load → stats for `parts` parts, then merge, on 2 thread workers.
 * Not `ran`: as visualize() shows it. `fail`: stats#1's part fails, so merge is skipped.
 */
export function sampleGraphRecord(
  parts = 4,
  options: { ran?: boolean; fail?: boolean; tiny?: boolean } = {},
): GraphRecord {
  const scale = options.tiny ? 0.01 : 1;
  const ran = options.ran ?? true;
  const nodes: GraphNodeRecord[] = [];
  const edges: GraphEdgeRecord[] = [];
  const free = [T0, T0];
  for (let p = 0; p < parts; p++) {
    const rank = p % 2;
    const load: GraphNodeRecord = {
      id: `load#${p + 1}`,
      label: "load",
      deps: [],
      depth: 0,
      status: ran ? "ok" : "pending",
      cellLine: 2,
    };
    const stats: GraphNodeRecord = {
      id: `stats#${p + 1}`,
      label: "stats",
      deps: [load.id],
      depth: 1,
      status: !ran ? "pending" : options.fail && p === 1 ? "error" : "ok",
      cellLine: 3,
    };
    if (ran) {
      for (const [n, ms] of [
        [load, (40 + p * 10) * scale],
        [stats, 25 * scale],
      ] as [GraphNodeRecord, number][]) {
        Object.assign(n, {
          rank,
          startMs: free[rank],
          endMs: free[rank] + ms,
          durationMs: ms,
          cpuMs: ms,
          resultBytes: 8000,
        });
        free[rank] += ms + scale;
      }
    }
    nodes.push(load, stats);
    edges.push({ from: load.id, to: stats.id, bytes: 0, ...(ran ? { path: "local" as const } : {}) });
  }
  const merge: GraphNodeRecord = {
    id: `merge#${2 * parts + 1}`,
    label: "merge",
    deps: nodes.filter((n) => n.label === "stats").map((n) => n.id),
    depth: 2,
    status: !ran ? "pending" : options.fail ? "skipped" : "ok",
    cellLine: 4,
  };
  if (ran && !options.fail) {
    const start = Math.max(...free) + 2;
    Object.assign(merge, {
      rank: 0,
      startMs: start,
      endMs: start + 5,
      durationMs: 5,
      cpuMs: 5,
      waitMs: 2,
      resultBytes: 16,
    });
  }
  nodes.push(merge);
  for (const d of merge.deps) {
    const from = nodes.find((n) => n.id === d)!;
    const moved = ran && from.rank === 1;
    edges.push({
      from: d,
      to: merge.id,
      bytes: moved ? 16 : 0,
      ...(ran ? { path: moved ? ("port" as const) : ("local" as const) } : {}),
    });
  }
  const counts: GraphRecord["counts"] = {};
  for (const n of nodes) counts[n.status] = (counts[n.status] ?? 0) + 1;
  const cost = (n: GraphNodeRecord) => (ran ? (n.durationMs ?? 0) : 1);
  const work = nodes.reduce((a, n) => a + cost(n), 0);
  const longest = nodes
    .filter((n) => n.label === "stats")
    .map((s) => [s, nodes.find((n) => n.id === s.deps[0])!] as const)
    .sort(([s1, l1], [s2, l2]) => cost(s2) + cost(l2) - cost(s1) - cost(l1))[0];
  const criticalPath = [longest[1].id, longest[0].id, ...(merge.status === "skipped" ? [] : [merge.id])];
  for (const n of nodes) if (criticalPath.includes(n.id)) n.critical = true;
  const span = criticalPath.reduce((a, id) => a + cost(nodes.find((n) => n.id === id)!), 0);
  const endMs = ran ? Math.max(...nodes.map((n) => n.endMs ?? T0)) + scale : undefined;
  return {
    version: 1,
    kind: "graph",
    ran,
    workers: 2,
    workerKind: "thread",
    cores: 2,
    ...(ran ? { startMs: T0, endMs, wallMs: endMs! - T0 } : {}),
    nodes,
    edges,
    counts,
    workSpan: { unit: ran ? "ms" : "tasks", work, span, parallelism: work / span, criticalPath },
    bytesIn: ran ? 420 : 0,
    bytesOut: ran && !options.fail ? 16 : 0,
    bytesMoved: { port: ran ? 16 * Math.floor(parts / 2) : 0, relay: 0 },
  };
}
