/**
 * One name, one meaning (README, Magics: how runs are measured): each CPU figure paralab shows is named here once, and every
 * summary, chart title, axis and tooltip uses these names (docs/records.md defines them in words).
 * Pure, shared with the labextension.
 */

/** The CPU time of the task bodies on their workers' threads (RunRecord.cpuMs, TaskRecord.cpuMs). */
export const IN_TASK_CPU = "in-task CPU";

/**
 * Each worker thread's CPU clock over the whole run (RunRecord.workerSamples): its tasks plus
 * receiving, copying and sending messages between them.
 */
export const WORKER_CPU = "worker CPU";
export const WORKER_CPU_SOURCE = "thread clock, tasks and messaging";

/** The machine's CPU per core (/proc/stat, RunRecord.samples, %monitor): every program, paralab included. */
export const MACHINE_CPU = "machine CPU";
export const MACHINE_CPU_SOURCE = "all programs";

/** What other programs used: the machine's CPU less paralab's own, plus steal (Disturbance.otherCores). */
export const OTHER_PROGRAMS_CPU = "other programs' CPU";

/** A label at the start of a title: "Machine CPU per core …". */
export function capitalize(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** Axis titles of the utilization charts. */
export const WORKER_CPU_AXIS = `${WORKER_CPU} %`;
export const MACHINE_CPU_AXIS = `${MACHINE_CPU} %`;
