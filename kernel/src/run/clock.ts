import { performance } from "node:perf_hooks";

/**
 * Epoch ms with sub-ms precision, comparable across threads and processes: the clock of every
 * task record, run and graph alike (Date.now() counts whole ms).
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
