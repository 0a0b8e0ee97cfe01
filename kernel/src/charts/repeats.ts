/** How a repeated --compare / --scaling measurement was taken, in words (pure, shared with the labextension). */

/** The automatic rule stops once the speedup's spread (max − min) is within this share of its median. */
export const SPREAD_TARGET = 0.1;
/** A pass longer than this gets one timed round (after the warm-up): repeating it would make the cell slow. */
export const LONG_PASS_MS = 3000;

/**
 * Why a measurement has the rounds it has: `repeat`: --repeat N asked for them; `settled`: the
 * speedup's spread came within SPREAD_TARGET; `limit`: MAX_AUTO_ROUNDS (or the time budget) was
 * reached with the spread still wider; `long`: a pass took over LONG_PASS_MS, so one round.
 */
export type RoundsRule = "repeat" | "settled" | "limit" | "long";

/** "3 rounds after a warm-up" and why that many, for summaries (`alternating` names the passes' order). */
export function describeRounds(rounds: number, rule: RoundsRule | undefined, alternating: string): string {
  const head = `${rounds} round${rounds === 1 ? "" : "s"} after a warm-up`;
  switch (rule) {
    case "repeat":
      return `${head} (--repeat ${rounds}${rounds > 1 ? `, ${alternating}` : ""})`;
    case "settled":
      return `${head} (${alternating}, until the speedup's spread was within ${Math.round(SPREAD_TARGET * 100)}%)`;
    case "limit":
      return `${head} (${alternating}; the speedup's spread stayed above ${Math.round(SPREAD_TARGET * 100)}%: run it again, or on a quieter machine, to see it vary)`;
    case "long":
      return `${head} (a pass took over ${LONG_PASS_MS / 1000} s, so one timed round; --repeat N for more)`;
    default:
      return head;
  }
}
