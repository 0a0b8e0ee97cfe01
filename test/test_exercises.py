"""The course's exercises, graded as a student's work would be: `paralab run NOTEBOOK --check`.

Every course notebook ends with 1-3 exercises (a cell to complete, then a check cell that says pass
or fail in words). With its solutions filled in (`--solutions`), every check passes; as committed
(the starters), every check fails with a message that says what is wrong. A timed check on a busy
machine may say "not judged" instead, and then it must say how busy the machine was.
"""
import json
import pathlib
import re
import shutil
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CLI = ROOT / "kernel" / "bin" / "paralab.js"
FIXTURE = ROOT / "test" / "fixtures" / "exercises"
CHECK_MIME = "application/vnd.paralab.check.v1+json"
COURSE = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb") if not p.name.endswith(".out.ipynb"))


def paralab(*args, timeout=900):
    return subprocess.run(["node", str(CLI), *args], capture_output=True, text=True, timeout=timeout)


def exercises(nb):
    return [c.metadata["paralab"]["exercise"] for c in nb.cells if c.cell_type == "code" and "exercise" in c.metadata.get("paralab", {})]


def verdicts(executed_file, result):
    assert executed_file.exists(), result.stdout + result.stderr
    nb = nbformat.read(executed_file, as_version=4)
    found = {}
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.output_type == "display_data" and CHECK_MIME in o.data:
                v = o.data[CHECK_MIME]
                found[v["exercise"]] = v
    return found


def busy_note(v):
    return v["verdict"] == "not judged" and re.search(r"other programs used \d\.\d of the \d+ cores", v.get("note", ""))


@pytest.mark.parametrize("name", COURSE)
def test_every_course_notebook_ends_with_exercises_and_their_solutions(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    ids = exercises(nb)
    number = int(name[:2])
    assert 1 <= len(ids) <= 3, f"{name}: {len(ids)} exercises"
    assert ids == [f"{number}.{k}" for k in range(1, len(ids) + 1)], ids
    for i in ids:
        checks = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("paralab", {}).get("check") == i]
        assert len(checks) == 1 and f'check("{i}"' in checks[0].source, f"{name}: exercise {i} has no check cell"
        headings = [c for c in nb.cells if c.cell_type == "markdown" and f"### Exercise {i}" in c.source]
        assert headings, f"{name}: exercise {i} has no '### Exercise {i}' heading that says what to do"
    solutions = (NOTEBOOKS / "solutions" / name.replace(".ipynb", ".md")).read_text()
    assert re.findall(r"^## Exercise ([\d.]+)", solutions, re.M) == ids


@pytest.mark.parametrize("name", COURSE)
def test_the_solutions_pass_every_check(name, tmp_path):
    out = tmp_path / name
    result = paralab("run", str(NOTEBOOKS / name), "--check", "--solutions", "--out", str(out))
    found = verdicts(out, result)
    ids = exercises(nbformat.read(NOTEBOOKS / name, as_version=4))
    assert sorted(found) == sorted(ids), result.stdout + result.stderr
    for i in ids:
        v = found[i]
        assert v["verdict"] == "pass" or busy_note(v), f"exercise {i}: {v}\n{result.stdout}{result.stderr}"
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"\d+ of {len(ids)} exercises passed", result.stdout)


@pytest.mark.parametrize("name", COURSE)
def test_the_starters_fail_every_check_with_a_helpful_message(name, tmp_path):
    out = tmp_path / name
    result = paralab("run", str(NOTEBOOKS / name), "--check", "--out", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    found = verdicts(out, result)
    for i in exercises(nbformat.read(NOTEBOOKS / name, as_version=4)):
        v = found.get(i)
        assert v, f"exercise {i}'s check gave no verdict on the starter (it must not throw):\n{result.stdout}{result.stderr}"
        assert v["verdict"] == "fail", f"the starter of exercise {i} must fail on correctness, on any machine: {v}"
        assert len(v["message"]) >= 40, f"exercise {i}'s fail message says too little: {v['message']!r}"
        assert f"✘ Exercise {i} not yet: {v['message']}" in result.stdout


# --- the command and the check API, on a small fixture --------------------------------------------


def test_check_reports_each_exercise_in_words_and_exits_1_until_all_pass(tmp_path):
    out = tmp_path / "starter.ipynb"
    result = paralab("run", str(FIXTURE / "99-demo.ipynb"), "--check", "--out", str(out))
    assert result.returncode == 1
    assert "✘ Exercise 99.1 not yet: the halves add up to 0, not 5050. Hint:" in result.stdout
    v = verdicts(out, result)["99.2"]
    # Sleeping one after the other takes 900 ms on any machine: a fail, or "not judged" when the check saw others busy.
    assert v["verdict"] == "fail" or busy_note(v), v
    assert re.search(r"0 of 2 exercises passed, \d not yet", result.stdout)

    solved = paralab("run", str(FIXTURE / "99-demo.ipynb"), "--check", "--solutions", "--out", str(tmp_path / "s.ipynb"))
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "✔ Exercise 99.1 passed: the two halves add up to 5050" in solved.stdout
    assert re.search(r"✔ Exercise 99\.2 passed: all three waits took [23]\d\d ms together", solved.stdout)
    assert "2 of 2 exercises passed" in solved.stdout


def test_a_check_cell_that_throws_or_a_broken_exercise_is_reported_not_lost(tmp_path):
    nb = nbformat.read(FIXTURE / "99-demo.ipynb", as_version=4)
    exercise = next(c for c in nb.cells if c.metadata.get("paralab", {}).get("exercise") == "99.1")
    exercise.source = "%%parallel --map [1, 2] --out halves\nthrow new Error('half done')"
    nbformat.write(nb, tmp_path / "99-demo.ipynb")
    result = paralab("run", str(tmp_path / "99-demo.ipynb"), "--check", "--out", str(tmp_path / "o.ipynb"))
    assert result.returncode == 1
    # The failed exercise does not stop the run: its check and the next exercise's still report.
    assert "Exercise 99.1 not yet" in result.stdout and "Exercise 99.2" in result.stdout, result.stdout


def test_solutions_errors_name_the_problem_and_the_fix(tmp_path):
    shutil.copy(FIXTURE / "99-demo.ipynb", tmp_path / "99-demo.ipynb")
    missing = paralab("run", str(tmp_path / "99-demo.ipynb"), "--check", "--solutions")
    assert missing.returncode == 1
    assert f"run --solutions: cannot read {tmp_path}/solutions/99-demo.md (ENOENT). Give the solutions file: --solutions FILE.md" in missing.stderr

    partial = tmp_path / "partial.md"
    partial.write_text("## Exercise 99.1\n```\n%%parallel --map [1, 2] --out halves\n1\n```\n## Exercise 7.1\n```\nx\n```\n")
    wrong = paralab("run", str(tmp_path / "99-demo.ipynb"), "--check", "--solutions", str(partial))
    assert wrong.returncode == 1
    assert f'{partial} has no solution for exercise 99.2: add a "## Exercise 99.2" section' in wrong.stderr

    alone = paralab("run", str(tmp_path / "99-demo.ipynb"), "--solutions")
    assert alone.returncode == 1 and "--solutions grades the exercises, so it goes with --check" in alone.stderr

    none = paralab("run", str(NOTEBOOKS / "showcase.ipynb"), "--check")
    assert none.returncode == 1 and "has no exercises (code cells with metadata paralab.exercise). Run it without --check." in none.stderr


def test_check_shows_its_verdict_through_jupyter_and_bad_arguments_are_clear_errors():
    nb = nbformat.v4.new_notebook(metadata=json.loads((FIXTURE / "99-demo.ipynb").read_text())["metadata"])
    nb.cells = [
        nbformat.v4.new_code_cell('import { check } from "paralab";\ncheck("1.1", { passed: 2 + 2 === 4, pass: "two and two make four", fail: "no" })'),
        nbformat.v4.new_code_cell('check("1.2", { passed: undefined as any, pass: "", fail: "" })'),
        nbformat.v4.new_code_cell('"still here"'),
    ]
    NotebookClient(nb, kernel_name="paralab", timeout=120, allow_errors=True).execute()
    shown = [o for o in nb.cells[0].outputs if o.output_type == "display_data"]
    assert shown[0].data["text/plain"] == "✔ Exercise 1.1 passed: two and two make four"
    assert shown[0].data[CHECK_MIME]["verdict"] == "pass" and "text/html" in shown[0].data
    error = nb.cells[1].outputs[0]
    assert error.output_type == "error"
    assert 'check("1.2"): passed must be true or false, got undefined. Compare explicitly' in error.evalue
    assert nb.cells[2].outputs[0].data["text/plain"] == "'still here'"
