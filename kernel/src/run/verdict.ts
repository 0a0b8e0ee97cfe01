/**
 * An exercise check's verdict, as a check cell displays it and `paralab run --check` reads it back
 * from the cell's outputs (README, "Exercises").
 */
export const CHECK_MIME = "application/vnd.paralab.check.v1+json";

/** "not judged": the check measured time on a machine too busy to trust it, and it failed. */
export type Verdict = "pass" | "fail" | "not judged";

export interface CheckVerdict {
  /** "3.1": notebook 3, exercise 1; matches the exercise cell's metadata paralab.exercise. */
  exercise: string;
  verdict: Verdict;
  /** What the check found, and for a fail, how to fix it. */
  message: string;
  /** How busy the machine was, when the verdict rests on timing measured under disturbance. */
  note?: string;
}

const MARK: Record<Verdict, string> = { pass: "✔", fail: "✘", "not judged": "?" };
const WORDS: Record<Verdict, string> = { pass: "passed", fail: "not yet", "not judged": "not judged" };

/** "✔ Exercise 3.1 passed: the race is gone …" */
export function verdictLine(v: CheckVerdict): string {
  return `${MARK[v.verdict]} Exercise ${v.exercise} ${WORDS[v.verdict]}: ${v.message}${v.note ? ` (${v.note})` : ""}`;
}
