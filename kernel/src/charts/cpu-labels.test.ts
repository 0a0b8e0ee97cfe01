import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { RunRecord } from "../run/records";
import { IN_TASK_CPU, MACHINE_CPU_AXIS, WORKER_CPU_AXIS } from "./cpu-labels";
import { sampleManyTasksRecord, sampleMonitorRecord, sampleRunRecord } from "./fixtures";
import { monitorConfig } from "./monitor";
import { runTimelineConfig, runUtilizationConfig } from "./run";
import { summarizeMonitor, summarizeRun, workerCpuCores } from "./summary";

type Loose = {
  options: { plugins: { title: { text: string } }; scales: { y: { title: { text: string } } } };
};
const title = (c: unknown) => (c as Loose).options.plugins.title.text;
const yTitle = (c: unknown) => (c as Loose).options.scales.y.title.text;

/** A 2-worker run of 400 ms whose in-task CPU is `cpuMs` and whose threads ran `threadPct` % each. */
function run(cpuMs: number, threadPct: number | undefined): RunRecord {
  const base = sampleRunRecord(2, 8);
  return {
    ...base,
    startMs: 0,
    endMs: 400,
    wallMs: 400,
    cpuMs,
    busyWorkers: cpuMs / 400,
    tasks: base.tasks.map((t, i) => ({ ...t, startMs: i * 40, endMs: i * 40 + 30 })),
    ...(threadPct === undefined
      ? { workerSamples: undefined }
      : {
          workerSamples: Array.from({ length: 40 }, (_, i) => ({ tMs: (i + 1) * 10, workers: [threadPct, threadPct] })),
        }),
  };
}

const summaryCases: [string, RunRecord, RegExp, RegExp | undefined][] = [
  // name, record, what the summary says, what it must not say
  [
    "in-task CPU is named so",
    run(760, 95),
    /^8 items in 8 tasks on 2 workers \(thread\) in 400 ms wall, 760 ms in-task CPU; 1\.9 of 2 workers busy on average;/,
    /worker CPU/,
  ],
  [
    "notebook 02: tiny tasks, threads busy messaging (not 'mostly waited')",
    run(6.42, 35),
    /6\.42 ms in-task CPU; 0\.0 of 2 workers busy on average; worker CPU \(thread clock, tasks and messaging\) 0\.7 of 2: the difference went to messages between tasks, not to the tasks;/,
    /mostly waited/,
  ],
  [
    "workers that wait on timers: threads idle too",
    run(1.9, 1),
    /0\.0 of 2 workers busy on average \(the workers mostly waited\)/,
    /worker CPU/,
  ],
  [
    "no thread clocks (older records): no worker CPU figure",
    run(6.42, undefined),
    /\(the workers mostly waited\)/,
    /worker CPU/,
  ],
  ["threads within a little of the tasks: no note", run(600, 80), /1\.5 of 2 workers busy on average;/, /worker CPU/],
];
for (const [name, record, says, not] of summaryCases) {
  test(`summarizeRun: ${name}`, () => {
    const words = summarizeRun({ ...record, items: 8 });
    assert.match(words, says);
    if (not) assert.doesNotMatch(words, not);
  });
}

test("workerCpuCores: the mean of the thread clocks' samples within the run, in workers", () => {
  assert.equal(workerCpuCores(run(6.42, 35)), 0.7);
  assert.equal(workerCpuCores(run(6.42, undefined)), undefined);
});

test("each chart names the CPU it shows", () => {
  // Per-core lines come from /proc/stat: every program on the machine.
  const cores = runUtilizationConfig(sampleRunRecord(2, 4, { cores: 2 }));
  assert.match(title(cores), /^Machine CPU per core during the run \(all programs; 2 cores/);
  assert.equal(yTitle(cores), MACHINE_CPU_AXIS);
  // Per-worker lines come from the workers' thread clocks: tasks and messaging.
  const workers = runUtilizationConfig(sampleManyTasksRecord(400, 2));
  assert.match(title(workers), /^Worker CPU during the run \(thread clock, tasks and messaging; \d+ points/);
  assert.equal(yTitle(workers), WORKER_CPU_AXIS);
  const monitor = monitorConfig(sampleMonitorRecord(2, 10));
  assert.equal(title(monitor), "Machine CPU per core (all programs, 2 cores)");
  assert.equal(yTitle(monitor), MACHINE_CPU_AXIS);
  assert.match(summarizeMonitor(sampleMonitorRecord(2, 10)), /^Machine CPU monitor \(all programs\), /);
  // A task's tooltip: its in-task CPU.
  const timeline = runTimelineConfig(sampleRunRecord(2, 4)) as unknown as {
    data: { datasets: { data: unknown[] }[] };
    options: { plugins: { tooltip: { callbacks: { label: (i: { raw: unknown }) => string } } } };
  };
  const label = timeline.options.plugins.tooltip.callbacks.label({ raw: timeline.data.datasets[0].data[0] });
  assert.match(label, new RegExp(`, ${IN_TASK_CPU} [\\d.]+ ms, ok$`));
});
