/**
 * The work the benchmarks time, as source text: the pool compiles job code from source, and the
 * serial baselines eval the same text, so every side runs the same code.
 */
import type { JobCode } from "../run/jobs";

/**
 * Monte Carlo pi on a 31-bit LCG: `(seed, samples) => hits`. Math.imul keeps the low 32 bits, so
 * the hits equal those of bench/ipp_bench.py's pi_task for the same seed and samples.
 */
export const PI_TASK_SOURCE = `(seed, samples) => {
  let s = seed, hits = 0;
  for (let i = 0; i < samples; i++) {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    const x = s / 2147483648;
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    const y = s / 2147483648;
    if (x * x + y * y <= 1) hits++;
  }
  return hits;
}`;

export type PiTask = (seed: number, samples: number) => number;

export function piTask(): PiTask {
  return (0, eval)(PI_TASK_SOURCE) as PiTask;
}

/** SPMD: rank r counts hits of vars.samples samples from seed vars.seed + r. */
export const PI_SPMD = jobCode(
  `async ({ rank, vars }) => (${PI_TASK_SOURCE})(vars.seed + rank, vars.samples)`,
  "pi-spmd",
);

/** Map body of the tiny-task benchmark: x => x + 1. */
export const INC_MAP = jobCode(`async ({ item }) => item + 1`, "inc-map");

/** SPMD, 2 ranks: `vars.rounds` allreduces; each rank returns the last sum. */
export const ALLREDUCE_SPMD = jobCode(
  `async ({ comm, vars }) => {
  let s = 0;
  for (let i = 0; i < vars.rounds; i++) s = await comm.allreduce(1, "sum");
  return s;
}`,
  "allreduce-spmd",
);

/** SPMD, 2 ranks: `vars.rounds` round trips, rank 0 sends and rank 1 echoes. */
export const PING_PONG_SPMD = jobCode(
  `async ({ rank, comm, vars }) => {
  for (let i = 0; i < vars.rounds; i++) {
    if (rank === 0) {
      comm.send(1, i);
      await comm.recv(1);
    } else comm.send(0, await comm.recv(0));
  }
  return rank;
}`,
  "ping-pong-spmd",
);

/** SPMD: the sum of this rank's contiguous block of vars.a (reads every element it is given). */
export const BLOCK_SUM_SPMD = jobCode(
  `async ({ rank, size, vars }) => {
  const a = vars.a;
  const lo = Math.floor((a.length * rank) / size), hi = Math.floor((a.length * (rank + 1)) / size);
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += a[i];
  return sum;
}`,
  "block-sum",
);

function jobCode(source: string, filename: string): JobCode {
  return { source: `(${source})`, filename, lineOffset: 0 };
}
