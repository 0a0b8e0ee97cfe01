import os from "node:os";
import { RunRecord } from "../charts/records";
import { Sampler } from "../monitor/sampler";
import { JobResult } from "../pool/pool";

/** A finished job as the run chart's record (SPEC §5), with the CPU samples taken meanwhile. */
export function buildRunRecord(
  result: JobResult,
  o: {
    mode: "spmd" | "map";
    kind: "thread" | "process";
    startMs: number;
    endMs: number;
    sampler: Sampler;
    title?: string;
  },
): RunRecord {
  o.sampler.sampleNow();
  const wallMs = o.endMs - o.startMs;
  const speedup = wallMs > 0 ? result.cpuMs / wallMs : 0;
  return {
    version: 1,
    kind: "run",
    mode: o.mode,
    title: o.title,
    workers: result.workers,
    workerKind: o.kind,
    cores: os.availableParallelism(),
    startMs: o.startMs,
    endMs: o.endMs,
    wallMs,
    cpuMs: result.cpuMs,
    speedup,
    efficiency: result.workers > 0 ? speedup / result.workers : 0,
    bytesIn: result.bytesIn,
    bytesOut: result.bytesOut,
    items: o.mode === "map" ? result.tasks.reduce((n, t) => n + t.count, 0) : undefined,
    tasks: result.tasks.map((t) => ({
      rank: t.rank,
      index: t.index,
      count: t.count,
      startMs: t.startMs,
      endMs: t.endMs,
      cpuMs: t.cpuMs,
      status: t.status,
    })),
    samples: o.sampler.samplesBetween(o.startMs, o.endMs + 1),
  };
}
