/**
 * Repeated, interleaved passes for --compare and --scaling (README, Magics: how runs are measured): a warm-up, then rounds
 * of every pass in turn (serial, parallel, serial, parallel … or 1, 2, 4, 1, 2, 4 …), so that a
 * disturbance that comes and goes lands on all passes alike. Each time and each speedup is then
 * a median with its spread. Pure: the pass runner is injected (the tests give a fake one).
 */
import { LONG_PASS_MS, RoundsRule, SPREAD_TARGET } from "../charts/repeats";

export { LONG_PASS_MS, SPREAD_TARGET };
export type { RoundsRule };

/** The automatic rule runs at most this many rounds. */
export const MAX_AUTO_ROUNDS = 5;
/** A round (all its passes) shorter than this gets at least 3 rounds: short passes vary most. */
export const SHORT_ROUND_MS = 1000;
/** The automatic rule starts no round that would take the timed rounds past this, once it has its minimum. */
export const AUTO_BUDGET_MS = 15_000;

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The median (the mean of the two middle values for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function spreadOf(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** (max − min) ÷ median: 0 for one value. */
export function relativeSpread(s: Spread): number {
  return s.median > 0 ? (s.max - s.min) / s.median : s.max > s.min ? Infinity : 0;
}

export interface RoundsPlan<P> {
  /** The passes of one round, in the order they run (e.g. ["serial", "parallel"] or [1, 2, 4]). */
  passes: readonly P[];
  /** Passes run once before timing: every worker has run the code once, so the timed passes are warm. */
  warmup: readonly P[];
  /** --repeat N: exactly N rounds; otherwise the automatic rule. */
  repeat?: number;
  /** The speedups of one round from its pass times (in `passes` order): one series per ratio shown. */
  speedups(times: readonly number[]): number[];
}

export interface Rounds {
  /** Wall time of each warm-up pass, ms (not counted). */
  warmupMs: number[];
  /** times[round][pass], ms, in the order of plan.passes. */
  times: number[][];
  rule: RoundsRule;
}

/** Stop after these rounds? The rule when so, undefined to run another. Pure. */
export function enoughRounds(
  times: readonly (readonly number[])[],
  speedups: RoundsPlan<unknown>["speedups"],
  repeat?: number,
): RoundsRule | undefined {
  const done = times.length;
  if (repeat !== undefined) return done >= repeat ? "repeat" : undefined;
  if (!done) return undefined;
  const last = times[done - 1];
  if (Math.max(...times.flat()) > LONG_PASS_MS && done === 1) return "long";
  const roundMs = last.reduce((a, b) => a + b, 0);
  const minimum = roundMs < SHORT_ROUND_MS ? 3 : 2;
  if (done < minimum) return undefined;
  const series = times.map((t) => speedups(t));
  const widest = Math.max(0, ...series[0].map((_, k) => relativeSpread(spreadOf(series.map((s) => s[k])))));
  if (widest <= SPREAD_TARGET) return "settled";
  if (done >= MAX_AUTO_ROUNDS) return "limit";
  const spent = times.flat().reduce((a, b) => a + b, 0);
  return spent + roundMs > AUTO_BUDGET_MS ? "limit" : undefined;
}

/**
 * The warm-up, then rounds of all passes in turn until `enoughRounds`. `run` runs one pass and
 * returns its wall time in ms; `round` is 0 for the warm-up, then 1, 2, ….
 */
export async function measureRounds<P>(
  plan: RoundsPlan<P>,
  run: (pass: P, round: number) => Promise<number>,
): Promise<Rounds> {
  const warmupMs: number[] = [];
  for (const pass of plan.warmup) warmupMs.push(await run(pass, 0));
  const times: number[][] = [];
  for (;;) {
    const round: number[] = [];
    for (const pass of plan.passes) round.push(await run(pass, times.length + 1));
    times.push(round);
    const rule = enoughRounds(times, plan.speedups, plan.repeat);
    if (rule) return { warmupMs, times, rule };
  }
}
