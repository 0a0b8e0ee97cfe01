import * as assert from "node:assert/strict";
import { test } from "node:test";
import { CHECK_MIME } from "../run/verdict";
import { exerciseIds, parseSolutions, verdictsOf, withSolutions } from "./exercises";
import { gradeReport } from "./grade";
import type { Notebook, NotebookCell } from "./nbformat";

const code = (source: string, paralab?: Record<string, string>): NotebookCell => ({
  cell_type: "code",
  source,
  metadata: paralab ? { paralab } : {},
  outputs: [],
});
const notebook = (...cells: NotebookCell[]): Notebook => ({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });

const SOLUTIONS = `# Solutions

## Exercise 3.1

Words first, then the cell.

\`\`\`typescript
%%parallel --workers 2
Atomics.add(counter, 0, 1);
\`\`\`

## Exercise 3.2: the second

\`\`\`
const x = 1;
\`\`\`
`;

test("a solutions file maps each exercise to the whole source of its cell, magic line included", () => {
  const s = parseSolutions(SOLUTIONS);
  assert.deepEqual([...s.keys()], ["3.1", "3.2"]);
  assert.equal(s.get("3.1"), "%%parallel --workers 2\nAtomics.add(counter, 0, 1);");
  assert.equal(s.get("3.2"), "const x = 1;");
});

test("a section without a code block, or solved twice, is an error naming the exercise", () => {
  assert.throws(
    () => parseSolutions("## Exercise 1.1\nno code\n", "s.md"),
    /s\.md: Exercise 1\.1 has no fenced code block/,
  );
  assert.throws(() => parseSolutions("## Exercise 1.1\n```\na\n```\n## Exercise 1.1\n```\nb\n```\n"), /solved twice/);
});

test("solutions replace exactly the exercise cells; a missing or unknown exercise names the fix", () => {
  const nb = notebook(
    code("setup"),
    code("// TODO", { exercise: "3.1" }),
    code("check()"),
    code("// TODO", { exercise: "3.2" }),
  );
  assert.deepEqual(exerciseIds(nb), ["3.1", "3.2"]);
  const solved = withSolutions(nb, parseSolutions(SOLUTIONS), "s.md");
  assert.deepEqual(
    solved.cells.map((c) => c.source),
    ["setup", "%%parallel --workers 2\nAtomics.add(counter, 0, 1);", "check()", "const x = 1;"],
  );
  assert.equal(nb.cells[1].source, "// TODO", "the notebook read stays as it was");
  assert.throws(
    () => withSolutions(nb, new Map([["3.1", "x"]]), "s.md"),
    /s\.md has no solution for exercise 3\.2: add a "## Exercise 3\.2" section/,
  );
  assert.throws(
    () =>
      withSolutions(
        nb,
        new Map([
          ["3.1", "x"],
          ["3.2", "y"],
          ["4.1", "z"],
        ]),
        "s.md",
      ),
    /solves exercise 4\.1, which the notebook does not have \(its exercises: 3\.1, 3\.2\)/,
  );
});

test("the report gives each exercise's verdict in order; a check that showed none is not passed", () => {
  const checked = code("check()");
  checked.outputs = [
    {
      output_type: "display_data",
      data: { [CHECK_MIME]: { exercise: "3.2", verdict: "not judged", message: "took 900 ms", note: "busy" } },
    },
    { output_type: "display_data", data: { [CHECK_MIME]: { exercise: "3.1", verdict: "pass", message: "24 of 24" } } },
  ];
  const nb = notebook(
    code("", { exercise: "3.1" }),
    code("", { exercise: "3.2" }),
    code("", { exercise: "3.3" }),
    checked,
  );
  assert.equal(verdictsOf(nb).length, 2);
  const { lines, passed } = gradeReport(nb);
  assert.deepEqual(lines, [
    "✔ Exercise 3.1 passed: 24 of 24",
    "? Exercise 3.2 not judged: took 900 ms (busy)",
    "✘ Exercise 3.3 not yet: its check gave no verdict (the check cell failed or is missing; see the executed notebook).",
    "1 of 3 exercises passed, 1 not yet, 1 not judged (the machine was busy)",
  ]);
  assert.equal(passed, false);
});
