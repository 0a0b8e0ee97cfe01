import os from "node:os";
import { showChart } from "../charts/lazy";
import type { CompareResult, RunRecord } from "../run/records";
import type { Comparison } from "./compare";
import type { Dispatched } from "./dispatch";
import type { ParallelEnv } from "./env";
import type { ParallelPlan } from "./plan";
import { disturbanceOf } from "./disturbance";
import { spreadOf } from "./rounds";

/** A finished run as the run chart's record (docs/records.md). */
export function buildRunRecord(plan: ParallelPlan, run: Dispatched, comparison?: Comparison): RunRecord {
  const { result } = run;
  const wallMs = run.endMs - run.startMs;
  const record: RunRecord = {
    version: 1,
    kind: "run",
    mode: plan.mode,
    workers: result.workers,
    workerKind: plan.cluster ? "cluster" : plan.kind,
    cores: result.cores ?? os.availableParallelism(),
    startMs: run.startMs,
    endMs: run.endMs,
    wallMs,
    cpuMs: result.cpuMs,
    busyWorkers: wallMs > 0 ? result.cpuMs / wallMs : 0,
    bytesIn: result.bytesIn,
    bytesOut: result.bytesOut,
    items: plan.mode === "map" ? result.tasks.reduce((n, t) => n + (t.count ?? 1), 0) : undefined,
    tasks: result.tasks,
    // the kernel's cores and clocks say nothing about a cluster's
    samples: plan.cluster ? [] : run.utilization.cores,
    workerSamples: plan.cluster ? [] : run.utilization.workers,
    workerSamplesFromMs: plan.cluster ? undefined : run.utilization.workersFromMs,
    workerWindowMs: plan.cluster ? undefined : run.utilization.workersWindowMs,
  };
  if (result.lanes) record.lanes = result.lanes;
  // A comparison is judged by all its timed passes, the serial ones too.
  const disturbance = plan.cluster ? undefined : (comparison?.disturbance ?? disturbanceOf(run));
  if (disturbance) record.disturbance = disturbance;
  if (comparison) record.compare = compareResult(comparison);
  if (record.compare) {
    record.speedup = record.compare.speedup;
    record.efficiency = record.speedup / record.workers;
  }
  if (result.errors.length) record.title = `${result.errors.length} task(s) failed (--continue-on-error)`;
  return record;
}

/**
 * --compare's record: each time and the speedup as medians over the rounds (the speedup of a
 * round is its serial time ÷ its parallel time), with their spreads and the rounds themselves.
 */
export function compareResult(
  c: Pick<Comparison, "rounds" | "serialWhere" | "warmupMs" | "rule"> & Partial<Pick<Comparison, "inTaskCpuMs">>,
): CompareResult {
  const serial = spreadOf(c.rounds.map((r) => r.serialMs));
  const parallel = spreadOf(c.rounds.map((r) => r.parallelMs));
  const speedup = spreadOf(c.rounds.map((r) => (r.parallelMs > 0 ? r.serialMs / r.parallelMs : 0)));
  return {
    serialMs: serial.median,
    parallelMs: parallel.median,
    speedup: speedup.median,
    serialWhere: c.serialWhere,
    serialMsMin: serial.min,
    serialMsMax: serial.max,
    parallelMsMin: parallel.min,
    parallelMsMax: parallel.max,
    speedupMin: speedup.min,
    speedupMax: speedup.max,
    rounds: c.rounds,
    repeat: { rounds: c.rounds.length, rule: c.rule, warmupMs: c.warmupMs },
    ...(c.inTaskCpuMs?.serial.length && c.inTaskCpuMs.parallel.length
      ? {
          inTaskCpuMs: {
            serial: spreadOf(c.inTaskCpuMs.serial).median,
            parallel: spreadOf(c.inTaskCpuMs.parallel).median,
          },
        }
      : {}),
  };
}

/** The run's summary and chart, in place of its progress bar when one was shown. */
export async function showRunReport(
  plan: ParallelPlan,
  run: Dispatched,
  env: ParallelEnv,
  comparison?: Comparison,
): Promise<void> {
  if (plan.quiet) {
    run.live?.finish();
    return;
  }
  // The final chart, from the whole record, in place of the live one.
  await showChart(env.sink, buildRunRecord(plan, run, comparison), run.live);
}
