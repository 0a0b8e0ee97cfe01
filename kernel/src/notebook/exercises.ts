/**
 * A teaching notebook's exercises: the cells marked `paralab.exercise` in their metadata, their
 * solutions (kept apart, in solutions/NAME.md beside the notebook), and the verdicts their check
 * cells displayed.
 */
import path from "node:path";
import { CHECK_MIME, CheckVerdict } from "../run/verdict";
import { Notebook, NotebookCell } from "./nbformat";

/** The exercise id of a cell ("3.1"), if it is an exercise cell. */
export function exerciseOf(cell: NotebookCell): string | undefined {
  const id = (cell.metadata?.paralab as { exercise?: unknown } | undefined)?.exercise;
  return typeof id === "string" ? id : undefined;
}

export function exerciseIds(nb: Notebook): string[] {
  return nb.cells.flatMap((c) => (c.cell_type === "code" && exerciseOf(c) ? [exerciseOf(c)!] : []));
}

/** The solutions file of a notebook: solutions/NAME.md beside it. */
export function defaultSolutionsFile(notebookFile: string): string {
  return path.join(
    path.dirname(notebookFile),
    "solutions",
    path.basename(notebookFile).replace(/\.ipynb$/, "") + ".md",
  );
}

/**
 * Reads a solutions file: each "## Exercise N.K" heading is followed by words and one fenced code
 * block, the whole source of that exercise's cell.
 */
export function parseSolutions(markdown: string, file = "the solutions file"): Map<string, string> {
  const solutions = new Map<string, string>();
  const sections = markdown.split(/^## +Exercise +/m).slice(1);
  for (const section of sections) {
    const id = section.slice(0, section.search(/[\s:]/)).trim();
    const fence = /^(```+|~~~+)[^\n]*\n([\s\S]*?)^\1[ \t]*$/m.exec(section);
    if (!fence) {
      throw new Error(
        `${file}: Exercise ${id} has no fenced code block. Put the cell's whole source in one \`\`\` block.`,
      );
    }
    if (solutions.has(id)) throw new Error(`${file}: Exercise ${id} is solved twice; keep one "## Exercise ${id}".`);
    solutions.set(id, fence[2].replace(/\n$/, ""));
  }
  return solutions;
}

/** The notebook with every exercise cell's source replaced by its solution. */
export function withSolutions(nb: Notebook, solutions: Map<string, string>, file: string): Notebook {
  const ids = exerciseIds(nb);
  const missing = ids.filter((id) => !solutions.has(id));
  if (missing.length) {
    throw new Error(
      `${file} has no solution for exercise ${missing.join(", ")}: add a "## Exercise ${missing[0]}" section with the cell's source in a code block.`,
    );
  }
  const unknown = [...solutions.keys()].filter((id) => !ids.includes(id));
  if (unknown.length) {
    throw new Error(
      `${file} solves exercise ${unknown.join(", ")}, which the notebook does not have (its exercises: ${ids.join(", ") || "none"}). Fix the heading or the cell's metadata paralab.exercise.`,
    );
  }
  const cells = nb.cells.map((c) => {
    const id = c.cell_type === "code" ? exerciseOf(c) : undefined;
    return id ? { ...c, source: solutions.get(id)! } : c;
  });
  return { ...nb, cells };
}

/** Every verdict the notebook's cells displayed, in order. */
export function verdictsOf(nb: Notebook): CheckVerdict[] {
  return nb.cells.flatMap((c) =>
    (c.outputs ?? []).flatMap((o) => (o.data && CHECK_MIME in o.data ? [o.data[CHECK_MIME] as CheckVerdict] : [])),
  );
}
