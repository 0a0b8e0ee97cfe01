/** Summaries of repeated timings, and the timing loop itself. */

export interface Summary {
  n: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

export function summarize(samplesMs: readonly number[]): Summary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { n: s.length, medianMs: median, p90Ms: at(0.9), minMs: s[0], maxMs: s[s.length - 1] };
}

/** Runs fn warmup + reps times; the summary covers the timed reps, value is the last result. */
export async function timeRuns<T>(
  reps: number,
  fn: () => Promise<T> | T,
  warmup = 1,
): Promise<{ summary: Summary; value: T }> {
  const ms: number[] = [];
  let value!: T;
  for (let i = 0; i < warmup + reps; i++) {
    const t0 = performance.now();
    value = await fn();
    if (i >= warmup) ms.push(performance.now() - t0);
  }
  return { summary: summarize(ms), value };
}

export interface InterleaveOptions {
  /** Untimed rounds first. */
  warmupRounds?: number;
  /** Timed runs of one contender in a row within a round (after one untimed run when > 1). */
  runsPerRound?: number;
}

/**
 * Times several contenders round by round (A, B, C, A, B, C, ...), so that load from other
 * processes falls on all of them alike. With runsPerRound > 1 each contender runs a warm block
 * (one untimed run, then the timed ones) in each round. Returns each one's summary and last value.
 */
export async function timeInterleaved<K extends string, T>(
  rounds: number,
  contenders: Record<K, () => Promise<T> | T>,
  o: InterleaveOptions = {},
): Promise<Record<K, { summary: Summary; value: T }>> {
  const warmupRounds = o.warmupRounds ?? 1;
  const perRound = o.runsPerRound ?? 1;
  const keys = Object.keys(contenders) as K[];
  const samples = new Map<K, number[]>(keys.map((k) => [k, []]));
  const values = new Map<K, T>();
  for (let round = 0; round < warmupRounds + rounds; round++) {
    for (const k of keys) {
      const untimed = round < warmupRounds ? perRound : perRound > 1 ? 1 : 0;
      for (let i = 0; i < untimed + (round < warmupRounds ? 0 : perRound); i++) {
        const t0 = performance.now();
        values.set(k, await contenders[k]());
        if (i >= untimed) samples.get(k)!.push(performance.now() - t0);
      }
    }
  }
  const result = keys.map((k) => [k, { summary: summarize(samples.get(k)!), value: values.get(k)! }]);
  return Object.fromEntries(result) as Record<K, { summary: Summary; value: T }>;
}
