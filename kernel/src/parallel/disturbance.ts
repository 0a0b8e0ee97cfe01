import type { Disturbance } from "../run/records";
import type { Dispatched } from "./dispatch";

/**
 * A pass's disturbance: other programs' cores as the observer read them, and the workers' wait
 * for a core within their tasks as the workers measured it (the observer's whole-run figure also
 * counts the messaging between tasks, which for thousands of tiny tasks is most of the time).
 */
export function disturbanceOf(run: Dispatched): Disturbance | undefined {
  const contention = run.utilization.contention;
  if (!contention) return undefined;
  const tasks = run.result.tasks;
  const measured = tasks.length > 0 && tasks.every((t) => t.waitMs !== undefined);
  return {
    otherCores: contention.otherCores,
    waitedMs: measured ? tasks.reduce((sum, t) => sum + t.waitMs!, 0) : contention.workerWaitMs,
    inTaskMs: tasks.reduce((sum, t) => sum + Math.max(0, t.endMs - t.startMs), 0),
  };
}

/**
 * The disturbance of several timed passes together (--compare's serial and parallel rounds,
 * --scaling's sizes): waits and task time add up, other programs' cores are averaged over the
 * passes' wall time. Undefined when no pass could be read.
 */
export function combineDisturbances(passes: readonly Dispatched[]): Disturbance | undefined {
  let wallMs = 0;
  let otherCoreMs = 0;
  let combined: Disturbance | undefined;
  for (const pass of passes) {
    const d = disturbanceOf(pass);
    if (!d) continue;
    const ms = pass.endMs - pass.startMs;
    wallMs += ms;
    otherCoreMs += d.otherCores * ms;
    combined = {
      otherCores: 0,
      waitedMs: (combined?.waitedMs ?? 0) + d.waitedMs,
      inTaskMs: (combined?.inTaskMs ?? 0) + d.inTaskMs,
    };
  }
  if (combined) combined.otherCores = wallMs > 0 ? otherCoreMs / wallMs : 0;
  return combined;
}
