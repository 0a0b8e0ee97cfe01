/**
 * `paralab run NOTEBOOK --check [--solutions [FILE]]`: runs a teaching notebook, as it is or with
 * its exercises solved, and reports every exercise's check in words.
 */
import fs from "node:fs";
import { verdictLine } from "../run/verdict";
import { defaultSolutionsFile, exerciseIds, parseSolutions, verdictsOf, withSolutions } from "./exercises";
import type { Notebook } from "./nbformat";
import { outputFiles, readNotebook, RunOptions, runInItsFolder, writeResults } from "./execute";

export interface CheckRunOptions extends RunOptions {
  /** Fill in the solutions first: a solutions file, or true for solutions/NAME.md beside the notebook. */
  solutions?: string | boolean;
}

function solved(nb: Notebook, file: string, solutions: string | true): Notebook {
  const from = solutions === true ? defaultSolutionsFile(file) : solutions;
  let markdown: string;
  try {
    markdown = fs.readFileSync(from, "utf8");
  } catch (e) {
    throw new Error(
      `run --solutions: cannot read ${from} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Give the solutions file: --solutions FILE.md`,
    );
  }
  return withSolutions(nb, parseSolutions(markdown, from), from);
}

/**
 * One line per exercise, in the notebook's order, and whether all passed. An exercise whose check
 * showed no verdict fails: its check cell did not run to the end.
 */
export function gradeReport(nb: Notebook): { lines: string[]; passed: boolean } {
  const verdicts = new Map(verdictsOf(nb).map((v) => [v.exercise, v]));
  const lines: string[] = [];
  const tally = { pass: 0, fail: 0, "not judged": 0 };
  for (const id of exerciseIds(nb)) {
    const v = verdicts.get(id);
    if (v) {
      tally[v.verdict]++;
      lines.push(verdictLine(v));
    } else {
      tally.fail++;
      lines.push(
        `✘ Exercise ${id} not yet: its check gave no verdict (the check cell failed or is missing; see the executed notebook).`,
      );
    }
  }
  const unjudged = tally["not judged"] ? `, ${tally["not judged"]} not judged (the machine was busy)` : "";
  lines.push(
    `${tally.pass} of ${lines.length} exercises passed${tally.fail ? `, ${tally.fail} not yet` : ""}${unjudged}`,
  );
  return { lines, passed: tally.fail === 0 };
}

/** True when every exercise passed (or could not be judged on a busy machine). */
export async function checkNotebookFile(file: string, o: CheckRunOptions): Promise<boolean> {
  const where = outputFiles(file, o);
  let nb = readNotebook(file);
  if (exerciseIds(nb).length === 0) {
    throw new Error(
      `run --check: ${file} has no exercises (code cells with metadata paralab.exercise). Run it without --check.`,
    );
  }
  if (o.solutions) nb = solved(nb, file, o.solutions === true ? true : o.solutions);
  // A wrong answer may throw: the run goes on, so that its check (and every other) still reports.
  const { notebook } = await runInItsFolder(nb, file, { ...o, allowErrors: true });
  writeResults(notebook, file, where);
  const { lines, passed } = gradeReport(notebook);
  console.log(`paralab run --check: ${file}${o.solutions ? " (with the solutions)" : ""}`);
  for (const line of lines) console.log(`  ${line}`);
  return passed;
}
