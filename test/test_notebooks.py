"""The teaching notebooks (notebooks/*.ipynb), executed top to bottom through real Jupyter (nbclient)
and checked on what a reader sees: values, errors, summary lines and chart bundles.

No check depends on timing: a shared 2-core machine gives any speedup, so the notebooks only
promise what is always true (results, bytes copied, warnings, charts present).
"""
import base64
import json
import pathlib
import re
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CLI = ROOT / "kernel" / "dist" / "cli" / "main.js"
RUN_MIME = "application/vnd.paralab.run.v1+json"
SCALING_MIME = "application/vnd.paralab.scaling.v1+json"
GRAPH_MIME = "application/vnd.paralab.graph.v1+json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# A run without --out leaves NAME.out.ipynb beside the notebook: executed output, not a notebook of the course.
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb") if not p.name.endswith(".out.ipynb"))
_executed = {}


def executed(name):
    """The notebook executed once per test session with kernel `paralab` (cells tagged
    raises-exception may fail; any other error fails the test)."""
    if name not in _executed:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        client = NotebookClient(
            nb,
            kernel_name="paralab",
            timeout=120,
            startup_timeout=60,
            allow_errors=False,
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        client.execute()
        _executed[name] = nb
    return _executed[name]


def cell(nb, starts):
    """The code cell whose source starts with `starts` (exactly one)."""
    found = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(starts)]
    assert len(found) == 1, f"{len(found)} code cells start with {starts!r}"
    return found[0]


def text(c, name="stdout"):
    return "".join(o.text for o in c.outputs if o.output_type == "stream" and o.name == name)


def result(c):
    values = [o.data["text/plain"] for o in c.outputs if o.output_type == "execute_result"]
    assert len(values) == 1, c.outputs
    return values[0]


def bundle(c, mime):
    """The one display bundle of `mime` in the cell, checked to carry a PNG and words too."""
    found = [o.data for o in c.outputs if o.output_type == "display_data" and mime in o.data]
    assert len(found) == 1, [list(o.get("data", {})) for o in c.outputs]
    data = found[0]
    assert base64.b64decode(data["image/png"])[:8] == PNG_MAGIC
    assert data["text/plain"]
    record = data[mime]
    return json.loads(record) if isinstance(record, str) else record


def summary_text(c):
    """The summary line(s) of the cell's paralab charts: their text/plain."""
    return "".join(o.data["text/plain"] for o in c.outputs if o.output_type == "display_data" and "image/png" in o.data)


def numbers(s):
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", s)]


def close_to_pi(x):
    return abs(x - 3.141592653589793) < 0.05


# --- every notebook -------------------------------------------------------------------------------


def test_every_expected_notebook_exists():
    expected = {
        "showcase.ipynb",
        "01-serial-vs-parallel.ipynb",
        "02-pool-map.ipynb",
        "03-shared-memory.ipynb",
        "04-message-passing.ipynb",
        "05-copy-vs-share.ipynb",
        "06-amdahl.ipynb",
        "07-concurrency-vs-parallelism.ipynb",
        "08-gpu.ipynb",
        "09-task-graphs.ipynb",
        "10-cluster.ipynb",
        "11-synchronisation-and-deadlock.ipynb",
        "12-stencil-halo-exchange.ipynb",
        "13-scaling-explorer.ipynb",
    }
    assert expected <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_committed_without_outputs_and_with_paralab_kernelspec(name):
    raw = json.loads((NOTEBOOKS / name).read_text())
    assert (raw["nbformat"], raw["nbformat_minor"]) == (4, 5)
    assert raw["metadata"]["kernelspec"] == {
        "name": "paralab",
        "display_name": "TypeScript (paralab)",
        "language": "typescript",
    }
    assert raw["metadata"]["language_info"]["name"] == "typescript"
    nbformat.validate(nbformat.reads(json.dumps(raw), as_version=4))
    for c in raw["cells"]:
        if c["cell_type"] == "code":
            assert c["outputs"] == [] and c["execution_count"] is None, c["source"]


@pytest.mark.parametrize("name", ALL)
def test_runs_top_to_bottom(name):
    nb = executed(name)
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        errors = [o for o in c.outputs if o.output_type == "error"]
        if "raises-exception" in c.metadata.get("tags", []):
            assert errors, f"cell tagged raises-exception did not fail:\n{c.source}"
        else:
            assert not errors, f"{c.source}\n{errors}"


# --- showcase -------------------------------------------------------------------------------------


def test_showcase():
    nb = executed("showcase.ipynb")
    assert close_to_pi(float(result(cell(nb, "function countInside"))))
    record = bundle(cell(nb, "%%parallel --map [1, 2, 3, 4, 5, 6, 7, 8] --compare"), RUN_MIME)
    assert record["compare"]["serialMs"] > 0 and record["compare"]["speedup"] > 0
    assert close_to_pi(float(result(cell(nb, "const pi ="))))

    c = cell(nb, "%%parallel --map [10, 20")
    run = bundle(c, RUN_MIME)
    assert run["workers"] >= 1 and len(run["tasks"]) == 8
    assert "80 units on worker" in result(c)

    scaling = bundle(cell(nb, "%%parallel --map Array.from({ length: 8 }"), SCALING_MIME)
    assert [p["workers"] for p in scaling["points"]] == [1, 2]
    assert scaling["fit"]["quality"] == "slowdown" or 0 <= scaling["serialFraction"] <= 1

    out = result(cell(nb, "%%parallel --workers 2\nconst total = await comm.allreduce"))
    assert "worker 0 of 2 sees total 3" in out and "worker 1 of 2 sees total 3" in out
    assert result(cell(nb, "`counter = ")) == "'counter = 100000 (expected 100000)'"
    workers = text(cell(nb, "%workers"))
    assert "rank" in workers and "w0" in workers and "w1" in workers


def test_showcase_through_paralab_run_writes_html_with_charts(tmp_path):
    """The `npm start` path: `paralab run` in-process, executed notebook and static HTML report."""
    out, html = tmp_path / "showcase.out.ipynb", tmp_path / "showcase.html"
    proc = subprocess.run(
        ["node", str(CLI), "run", str(NOTEBOOKS / "showcase.ipynb"), "--out", str(out), "--html", str(html)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = html.read_text()
    images = re.findall(r"<img[^>]+src=\"data:image/png;base64,", page)
    assert len(images) >= 4, f"{len(images)} PNG charts in the report"  # compare, map, scaling, allreduce
    nb = nbformat.read(out, as_version=4)
    assert close_to_pi(float(result(cell(nb, "const pi =")))), "executed notebook holds the pi estimate"


# --- 01 serial vs parallel ------------------------------------------------------------------------


def noted(summary):
    """paralab's own note that a run was disturbed: other programs held the cores, or the workers
    waited for one. Timing claims of notebooks 01-03 hold on a quiet machine or carry this note."""
    return "disturbed" in summary or "waited for a core" in summary


def busy_workers(summary):
    found = re.search(r"(\d\.\d) of 2 workers busy on average", summary)
    assert found, summary
    return float(found.group(1))


CHECK_MIME = "application/vnd.paralab.check.v1+json"


def summary_of_check(c):
    """The words of a check cell's verdict (not of a run chart the cell shows, e.g. of a --no-block run it awaits)."""
    return "".join(o.data.get("text/plain", "") for o in c.outputs if o.output_type == "display_data" and CHECK_MIME in o.data)


def test_01_serial_vs_parallel():
    nb = executed("01-serial-vs-parallel.ipynb")
    c = cell(nb, "%%time")
    assert "Wall time" in text(c) and "CPU times" in text(c)
    assert close_to_pi(float(result(c)))

    c = cell(nb, "%%parallel --workers 2\nconst inside")
    values = result(c)
    assert values.endswith("undefined ]") and close_to_pi(numbers(values)[0])
    record = bundle(c, RUN_MIME)
    assert record["workers"] == 2 and len(record["tasks"]) == 2
    assert record["busyWorkers"] > 0 and "speedup" not in record and "efficiency" not in record
    summary = summary_text(c)
    assert "speedup" not in summary, summary
    # the notebook says: close to 2 of 2 on an idle machine, lower with a note when disturbed
    assert busy_workers(summary) >= 1.5 or noted(summary), summary

    c = cell(nb, "%%parallel --workers 2\ncountInside(N / 2, 7)")
    same = numbers(result(c))
    assert len(same) == 2 and same[0] == same[1], "the same seed throws the same darts"
    summary = summary_text(c)
    assert busy_workers(summary) >= 1.5 or noted(summary), "busy, yet nothing new: " + summary

    c = cell(nb, "%%parallel --map [0, 1, 2, 3, 4, 5, 6, 7] --compare")
    record = bundle(c, RUN_MIME)
    assert record["compare"]["serialMs"] > 0 and len(record["tasks"]) > 0
    assert record["compare"]["serialWhere"] == "on one worker thread (w0)"
    assert re.search(
        r"serial pass on one worker thread \(w0\) .*: speedup [\d.]+x( \([\d.]+–[\d.]+x over \d rounds\))?, efficiency \d+%",
        summary_text(c),
    ), summary_text(c)
    line = text(cell(nb, "const piParallel"))
    assert close_to_pi(numbers(line.split("≈")[1])[0])

    # the exercises' starters run, and their checks say "not yet" (same darts; no speedup computed)
    for n, words in (("1.1", "the workers counted the same hits"), ("1.2", "speedup is 0, but the two runs measured")):
        starter = [c for c in nb.cells if c.metadata.get("paralab", {}).get("exercise") == n]
        assert len(starter) == 1 and "TODO" in starter[0].source
        verdict = [c for c in nb.cells if c.metadata.get("paralab", {}).get("check") == n]
        assert len(verdict) == 1 and f"Exercise {n} not yet: {words}" in summary_of_check(verdict[0]), summary_of_check(verdict[0])


# --- 02 pool map ----------------------------------------------------------------------------------


def test_02_pool_map():
    nb = executed("02-pool-map.ipynb")
    c = cell(nb, "%%parallel --map [60, 50, 40, 30, 20, 10] --chunksize 1\n")
    tasks = re.findall(r"task (\d+) \((\d+) units\)", result(c))
    assert tasks == [(str(i), str(60 - 10 * i)) for i in range(6)], "results in input order"
    assert len(bundle(c, RUN_MIME)["tasks"]) == 6

    assert "same elements as the input: 10, 20, 30, 40, 50, 60" in text(cell(nb, 'console.log("completion order:"'))

    one = bundle(cell(nb, "%%parallel --map many --chunksize 1 "), RUN_MIME)
    thousand = bundle(cell(nb, "%%parallel --map many --chunksize 1000 "), RUN_MIME)
    assert len(one["tasks"]) == 4000 and len(thousand["tasks"]) == 4
    assert result(cell(nb, "roots1.every")) == "true"

    static = bundle(cell(nb, "%%parallel --map costs --schedule static"), RUN_MIME)
    dynamic = bundle(cell(nb, "%%parallel --map costs --chunksize 1 "), RUN_MIME)
    assert {t["rank"] for t in static["tasks"]} == {0, 1}
    assert len(dynamic["tasks"]) == 16
    out = text(cell(nb, "function unitsPerWorker"))
    assert "static : [ 104, 648 ]" in out, "static blocks: tasks 0-7 on w0, 8-15 on w1"
    assert sum(numbers(out.split("dynamic:")[1])) == 752
    # the notebook's claim: static takes 1.3-1.6x as long as dynamic on a quiet machine (1.6x by the units),
    # unless a run was disturbed, or (the trap the notebook names) the two busy cores slowed each other:
    # the dynamic run then needed far more in-task CPU for the same units (quiet runs: 0.9-1.0x static's)
    static_summary = summary_text(cell(nb, "%%parallel --map costs --schedule static"))
    dynamic_summary = summary_text(cell(nb, "%%parallel --map costs --chunksize 1 "))
    ratio = static["wallMs"] / dynamic["wallMs"]
    cores_slowed = dynamic["cpuMs"] >= 1.25 * static["cpuMs"]
    assert ratio >= 1.2 or noted(static_summary) or noted(dynamic_summary) or cores_slowed, (
        ratio, static_summary, dynamic_summary)

    # the exercise's starter runs, and its check says "not yet" (the long task still comes last)
    starter = [c for c in nb.cells if c.metadata.get("paralab", {}).get("exercise") == "2.1"]
    assert len(starter) == 1 and "TODO" in starter[0].source
    verdict = [c for c in nb.cells if c.metadata.get("paralab", {}).get("check") == "2.1"]
    assert len(verdict) == 1 and "Exercise 2.1 not yet: longestFirst(jobs) returned" in summary_of_check(verdict[0])


# --- 03 shared memory -----------------------------------------------------------------------------


def test_03_shared_memory_race_and_fixes():
    nb = executed("03-shared-memory.ipynb")
    total = 96_000_000

    def checked(variant):
        line = [l for l in text(cell(nb, f'tally("{variant}"')).splitlines() if l.startswith(variant)]
        assert len(line) == 1, text(cell(nb, f'tally("{variant}"'))
        got, of, lost, ms = numbers(line[0].split(":", 1)[1])[:4]
        assert of == total and lost == total - got and ms >= 0, line
        return got

    # the same body on one worker, then on two: the baseline is right, the race loses updates
    alone = cell(nb, "%%parallel --workers 1 --share counter --out alone")
    race = cell(nb, "%%parallel --workers 2 --share counter --out race")
    assert alone.source.split("\n", 1)[1] == race.source.split("\n", 1)[1], "the same body"
    assert checked("one worker") == total
    assert checked("two workers, no lock (race)") < total, "the race loses updates"
    # the race and the locked loop show their summaries: busy workers, never a speedup
    for c in (race, cell(nb, "%%parallel --workers 2 --out locked")):
        words = summary_text(c)
        assert re.search(r"\d\.\d of 2 workers busy on average", words) and "speedup" not in words, words
        assert bundle(c, RUN_MIME)["workers"] == 2
    for variant in ("two workers, a lock per increment", "two workers, count locally, lock once",
                    "two workers, Atomics.add"):
        assert checked(variant) == total, variant
    # every version counted to the same TOTAL, so the table compares like with like
    table = text(cell(nb, "const baseline = costs"))
    rows = table.splitlines()
    assert len(rows) == 5 and rows[0].startswith("one worker") and "1.00 × one worker  correct" in rows[0], table
    assert "wrong:" in rows[1] and all(r.endswith("correct") for r in rows[2:]), table
    # the baseline and the local count are long enough to judge (not "too short to judge")
    for source in ("%%parallel --workers 1 --share counter --out alone", "%%parallel --workers 2 --out localMs"):
        words = summary_text(cell(nb, source))
        assert "too short" not in words, words

    # false sharing: every count right; adjacent slots slower than padded ones unless the run was disturbed
    c = cell(nb, "%%parallel --workers 2 --out layouts")
    summary = summary_text(c)
    out = text(cell(nb, "{\n  const median"))
    adjacent, padded = (float(re.search(rf"{k} slots .*?: +(\d+) ms", out).group(1)) for k in ("adjacent", "padded"))
    alone = float(re.search(r"alone \(one worker, no neighbour\): +(\d+) ms", out).group(1))
    # quiet runs measured 1.4-4x (median 3); a disturbed run takes turns on the cores and shows ~1x; and
    # (the trap the notebook names) the VM's two cores sometimes slow each other with nothing shared:
    # the padded pair then takes far longer than one worker alone
    assert adjacent >= 1.3 * padded or noted(summary) or padded >= 1.4 * alone, (out, summary)

    # the exercises' starters run, and their checks say "not yet"
    for n, words in (("3.1", "increments were lost"), ("3.2", "bytes apart, so they can share a 64-byte cache line")):
        starter = [c for c in nb.cells if c.metadata.get("paralab", {}).get("exercise") == n]
        assert len(starter) == 1 and "TODO" in starter[0].source
        verdict = [c for c in nb.cells if c.metadata.get("paralab", {}).get("check") == n]
        assert len(verdict) == 1 and f"Exercise {n} not yet" in summary_of_check(verdict[0]), summary_of_check(verdict[0])
        assert words in summary_of_check(verdict[0]), summary_of_check(verdict[0])


# --- 04 message passing ---------------------------------------------------------------------------


def test_04_message_passing():
    nb = executed("04-message-passing.ipynb")
    c = cell(nb, "%%parallel --workers 2\nconst start = performance.now();\nlet pieces")
    out = result(c)
    assert "total: 50000005000000" in out and "partials: [ 12500002500000, 37500002500000 ]" in out
    # the words: w1 waits for its piece longer than it sums it; w0 does the building (CPU, not wall: holds under load)
    waited, summed = (int(x) for x in re.search(r"'waited for its piece (\d+) ms, summed 5000000 numbers (\d+) ms'", out).groups())
    assert waited > summed, out
    cpu = {t["rank"]: t["cpuMs"] for t in bundle(c, RUN_MIME)["tasks"]}
    assert cpu[1] < 0.5 * cpu[0], f"w1 mostly idle while w0 builds: {cpu}"
    assert result(cell(nb, "LENGTH * (LENGTH + 1) / 2")) == "50000005000000"
    c = cell(nb, "%%parallel --workers 2\nconst start = performance.now();\nconst step")
    assert re.fullmatch(r"\[\n  'w0 built and summed 5000000 numbers in \d+ ms; total 50000005000000',\n"
                        r"  'w1 built and summed 5000000 numbers in \d+ ms; total 50000005000000'\n\]", result(c)), result(c)
    cpu = {t["rank"]: t["cpuMs"] for t in bundle(c, RUN_MIME)["tasks"]}
    assert 0.5 < cpu[1] / cpu[0] < 2, f"both ranks build and sum: {cpu}"

    assert result(cell(nb, "%%parallel --workers 2\nconst mineCount")) == \
        '[\n  "w0 knows every rank\'s count: [10,20]",\n  "w1 knows every rank\'s count: [10,20]"\n]'
    shuffle = text(cell(nb, "%%parallel --workers 2 --out buckets"))
    assert "[w0] w0 holds 11 48 85 22 59 96 33 70; sends w0: [11 48 22 33], w1: [85 59 96 70]" in shuffle, shuffle
    c = cell(nb, "const all = buckets.flat();")
    assert result(c) == "'16 numbers, sorted: true'"
    assert text(c) == "w0's bucket: 7 11 18 22 29 33 44 48\nw1's bucket: 55 59 66 70 81 85 92 96\n", text(c)

    out = result(cell(nb, "%%parallel --workers 2\nif (rank === 0) {\n  for (let i = 1; i <= 10"))
    assert "consumer: 10 items, sum 385" in out
    bundle(cell(nb, "%%parallel --workers 2 --out events"), RUN_MIME)
    timeline = text(cell(nb, "const start = Math.min(...events"))
    popped = [int(x) for x in re.findall(r"w1 popped (\d+)", timeline)]
    assert popped == list(range(1, 11)), "first in, first out, every item once"
    assert re.search(r"w0 pushed \d+ after waiting \d+ ms \(queue was full\)", timeline), "the producer blocks"
    assert timeline.rstrip().endswith("w1 got the sentinel and stops")

    c = cell(nb, "%%parallel --workers 2\nconst answer = await comm.recv(1 - rank);")
    assert c.metadata.tags == ["raises-exception"]
    (err,) = [o for o in c.outputs if o.output_type == "error"]
    assert err.ename == "DeadlockError"
    assert "w0 waits in recv(from w1)" in err.evalue and "w1 waits in recv(from w0)" in err.evalue

    out = result(cell(nb, "%%parallel --workers 2\nconst other"))
    assert out == "[ 'w0 received: hello from w1', 'w1 received: hello from w0' ]"
    assert [c.metadata.paralab["exercise"] for c in nb.cells if "exercise" in c.metadata.get("tags", [])] == ["4.1", "4.2"]


# --- 05 copy vs share -----------------------------------------------------------------------------


def test_05_copy_vs_share():
    nb = executed("05-copy-vs-share.ipynb")
    assert result(cell(nb, "const LENGTH")) == "'128 MB'"
    c_in = cell(nb, "%%parallel --workers 2 --in big")
    c_share = cell(nb, "%%parallel --workers 2 --share sbig")
    copied, shared = bundle(c_in, RUN_MIME), bundle(c_share, RUN_MIME)
    assert copied["bytesIn"] > 100e6, copied["bytesIn"]
    assert shared["bytesIn"] < 1024, shared["bytesIn"]
    assert result(c_in) == result(c_share) == "[ 3996000000, 3996000000 ]"
    summary = "".join(o.data["text/plain"] for o in c_in.outputs if o.output_type == "display_data")
    assert re.search(r"\d+ MB copied in", summary), summary

    assert result(cell(nb, "%%parallel --workers 2\nconst rows")) == \
        "[ 'w0 holds 8000000 values', 'w1 holds 8000000 values' ]"
    c = cell(nb, "%%parallel --workers 2\nlet s = 0;\nfor (let i = 0; i < myData.length")
    assert result(c) == "[ 0.4995, 0.4995 ]"
    assert bundle(c, RUN_MIME)["bytesIn"] < 1024, "worker state is reused, not sent again"
    assert result(cell(nb, "%%parallel --workers 2\nlet m = -Infinity")) == "[ 0.999, 0.999 ]"

    # send once, then only the changes: same sums, kilobytes instead of megabytes
    once = bundle(cell(nb, "%%parallel --workers 2\nconst myRows"), RUN_MIME)
    assert once["bytesIn"] > 60e6, "the table travels once"
    everything = bundle(cell(nb, "%%parallel --workers 2 --out copiedSums"), RUN_MIME)
    changes = bundle(cell(nb, "%%parallel --workers 2 --out updatedSums"), RUN_MIME)
    assert everything["bytesIn"] > 60e6 and changes["bytesIn"] < 100e3, (everything["bytesIn"], changes["bytesIn"])
    assert re.search(r"64 MB copied in", summary_text(cell(nb, "%%parallel --workers 2 --out copiedSums")))
    assert re.search(r"\d+ kB copied in", summary_text(cell(nb, "%%parallel --workers 2 --out updatedSums")))
    assert text(cell(nb, "console.log(`copy everything")).endswith("same sums: true\n")

    # threads vs processes: start-up reported, own heaps, process ids, no shared memory
    c = cell(nb, "%%parallel --workers 2 --processes\n")
    assert re.search(r"Started 2 worker processes in \d+ ms", text(c)), text(c)
    assert re.search(r"Started 2 worker threads in \d+ ms", text(cell(nb, "%%parallel --workers 2 --in big")))
    assert bundle(c, RUN_MIME)["workerKind"] == "process"
    process_pids = numbers(result(c))
    thread_pids = numbers(result(cell(nb, "%%parallel --workers 2\n(globalThis as any).visited = `thread")))
    out = text(cell(nb, "console.log(`the kernel runs as process"))
    kernel_pid = numbers(out)[0]
    assert thread_pids == [kernel_pid, kernel_pid], "threads live in the kernel's process"
    assert kernel_pid not in process_pids and process_pids[0] != process_pids[1], "each process its own"
    assert "globalThis.visited in the kernel: undefined" in out
    c = cell(nb, "%%parallel --workers 2 --processes --share sbig")
    assert c.metadata.tags == ["raises-exception"]
    (err,) = [o for o in c.outputs if o.output_type == "error"]
    assert "--share cannot work with --processes" in err.evalue, err.evalue

    # exercise 5.1: the starter copies big in, and the check says so in bytes
    assert [c.metadata.paralab["exercise"] for c in nb.cells if "exercise" in c.metadata.get("tags", [])] == ["5.1", "5.2"]
    checks = {c.metadata.paralab["check"]: summary_of_check(c) for c in nb.cells if "check" in c.metadata.get("paralab", {})}
    assert checks["5.1"].startswith("✘ Exercise 5.1 not yet: the sums are right, but 256 MB were copied in"), checks
    # exercise 5.2: the starter's workers still hold round 1's prices
    assert checks["5.2"].startswith("✘ Exercise 5.2 not yet: the workers' sums [295999339,296001188] are not the new table's [296000339,296002188]"), checks


# --- 06 amdahl ------------------------------------------------------------------------------------


def in_task_cpu_ms(summary):
    """The in-task CPU a run summary reports ("12.3 ms", "888 µs", "1.08 s in-task CPU"), in ms."""
    value, unit = re.search(r"([\d.]+) (µs|ms|s) in-task CPU", summary).groups()
    return float(value) * {"µs": 1e-3, "ms": 1, "s": 1e3}[unit]


def wall_ms(summary):
    """The wall time a run summary reports ("in 174 ms wall", "in 1.42 s wall"), in ms."""
    value, unit = re.search(r"in ([\d.]+) (µs|ms|s) wall", summary).groups()
    return float(value) * {"µs": 1e-3, "ms": 1, "s": 1e3}[unit]


def check_cell(nb, exercise):
    """The check cell of exercise N.K."""
    (c,) = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("paralab", {}).get("check") == exercise]
    return c


def test_06_oversubscription_and_amdahl():
    nb = executed("06-amdahl.ipynb")
    cores = int(re.search(r"on (\d+) cores", text(cell(nb, "%workers"))).group(1))
    two = cell(nb, "%%parallel --map tasks --chunksize 1 --workers 2")
    four = cell(nb, "%%parallel --map tasks --chunksize 1 --workers 4")
    assert "oversubscribed" not in text(two, "stderr")
    if cores < 4:  # the notebook is written for 2 cores; on 4 or more, 4 workers fit
        assert f"Warning: 4 workers on {cores} cores (oversubscribed)" in text(four, "stderr")
    assert bundle(two, RUN_MIME)["workers"] == 2 and bundle(four, RUN_MIME)["workers"] == 4
    # quiet: 4 workers on 2 cores are no faster than 2; busy (the summary says so): they may be.
    # Runs this short (~100 ms) are under the 200 ms paralab needs to read other programs' share, so
    # the 2-worker run's own reading says whether the cores were free: no note, and its workers busy
    # (quiet: 1.6 of 2, start-up included; a CI run beside another read 1.3 of 2 with no note, and 4
    # workers then won a bigger share of the machine).
    quiet = (
        "disturbed" not in summary_text(two) + summary_text(four)
        and not noted(summary_text(two))
        and busy_workers(summary_text(two)) >= 1.45
    )
    if cores == 2 and quiet:
        assert wall_ms(summary_text(four)) >= 0.8 * wall_ms(summary_text(two)), summary_text(two) + summary_text(four)

    # the same comparison repeated: 5 interleaved rounds, medians and spreads (whiskers)
    c = cell(nb, "%%parallel --map tasks --chunksize 1 --scaling 1,2,4 --repeat 5")
    repeated = bundle(c, SCALING_MIME)
    words = summary_text(c)
    assert "medians of 5 rounds after a warm-up (--repeat 5" in words, words
    points = {p["workers"]: p for p in repeated["points"]}
    assert sorted(points) == [1, 2, 4] and all(len(p["rounds"]) == 5 for p in points.values()), repeated["points"]
    assert all(p["speedupMin"] <= p["speedup"] <= p["speedupMax"] for p in points.values() if p["workers"] > 1)
    # the cores were full at 2 workers: 4 gain nothing beyond noise, which is the 2-worker whisker, or a few
    # percent when that is narrow (a quiet run read 1.79x on 4 against 1.72x on 2, whose whisker reached 1.78x)
    if cores == 2 and "disturbed" not in words:
        assert points[4]["speedup"] <= max(points[2]["speedupMax"], 1.1 * points[2]["speedup"]), words

    # hidden oversubscription: each worker starts a helper thread; 4 threads report their times
    flat = cell(nb, "%%parallel --workers 2 --out flatMs")
    nested = cell(nb, "%%parallel --workers 2 --out nestedMs")
    for c in (flat, nested):
        assert bundle(c, RUN_MIME)["workers"] == 2
        assert re.search(r"\d\.\d of 2 workers busy on average", summary_text(c)), summary_text(c)
        assert "oversubscribed" not in text(c, "stderr"), "paralab cannot see the helpers: no warning"
    out = text(cell(nb, "const ms = (xs: number[])"))
    assert re.search(r"2 threads, 400 units each: +\d+ ms, \d+ ms\n", out), out
    assert re.search(r"4 threads, 200 units each: +\d+ ms, \d+ ms, \d+ ms, \d+ ms\n", out), out
    # quiet: each of the 4 threads needs about as long for half the work as each of the 2 for all of
    # it (the helpers' loop sits in a function; at a script's top level it ran 3-4x slower); the
    # first run reads about 2 workers busy, the second about 1 (its helpers are invisible to it)
    two_ms = numbers(out.splitlines()[0].split(":", 1)[1])
    four_ms = numbers(out.splitlines()[1].split(":", 1)[1])
    # This VM's two cores sometimes slow each other with both busy and nothing else running: then the
    # 2 threads' units cost 1.25x or more what one worker's did in the --scaling run (8 tasks of 40
    # units), and the comparison measures that instead (a quiet run read 363 ms against 155 ms).
    slowed = max(two_ms) / 400 >= 1.25 * points[1]["wallMs"] / (8 * 40)
    if cores == 2 and "disturbed" not in summary_text(flat) + summary_text(nested) and not slowed:
        # the work is done when the last helper is (the first of 4 can finish early: 127-222 ms in one quiet run)
        ratio = max(four_ms) / max(two_ms)
        assert 0.7 <= ratio <= 1.5, out
        assert busy_workers(summary_text(flat)) >= 1.5 and busy_workers(summary_text(nested)) <= 1.4, summary_text(flat) + summary_text(nested)

    c = cell(nb, "%%parallel --scaling 1,2,4")
    scaling = bundle(c, SCALING_MIME)
    assert [p["workers"] for p in scaling["points"]] == [1, 2, 4]
    words = summary_text(c)
    if scaling["fit"]["quality"] == "slowdown":  # a busy machine: no serial fraction, and words why
        assert "serialFraction" not in scaling and "overhead" in words, words
    else:
        assert 0 <= scaling["serialFraction"] <= 1
        assert re.search(r"serial fraction ≈? ?\d\.\d+", words), words
    c = cell(nb, "%%parallel --scaling 1,2\n")
    if cores == 2:
        assert "oversubscribed" not in text(c, "stderr"), "1 and 2 workers fit on 2 cores, whatever the pool's size"
    within_cores = bundle(c, SCALING_MIME)
    assert [p["workers"] for p in within_cores["points"]] == [1, 2]
    assert within_cores["fit"]["quality"] == "slowdown" or 0 <= within_cores["serialFraction"] <= 1
    if cores == 2 and within_cores["fit"]["quality"] != "slowdown":  # two points within the cores: an estimate, and no limit claimed
        assert within_cores["fit"]["quality"] == "exact" and "limit" not in within_cores["fit"]
        assert "Amdahl estimate from 2 points" in summary_text(c) and not re.search(r"speedup limit \d", summary_text(c))

    # weak scaling: the --map expression at each pool size (4 tasks per worker), Gustafson's fit
    c = cell(nb, "%%parallel --map Array.from({ length: 4 * size }")
    weak = bundle(c, SCALING_MIME)
    assert weak["weak"] is True and weak["amdahl"] == [] and "serialFraction" not in weak
    assert [(p["workers"], p["items"]) for p in weak["points"]] == [(1, 4), (2, 8)], weak["points"]
    assert "does not use size" not in text(c, "stderr")
    assert "Warm-up on 2 workers (8 items)" in text(c), text(c)
    words = summary_text(c)
    assert words.startswith("weak scaling on 1, 2 workers (work grows with the workers: 4, 8 items): scaled speedup 1.00x, "), words
    gustafson = weak["gustafson"]
    if gustafson["quality"] == "slowdown":  # a busy machine: no serial fraction, and words why
        assert "serialFraction" not in gustafson and gustafson["curve"] == [] and "overhead" in words, words
    else:
        assert 0 <= gustafson["serialFraction"] <= 1 and len(gustafson["curve"]) >= 2, gustafson
        assert gustafson["curve"][0] == {"workers": 1, "speedup": 1} or abs(gustafson["curve"][0]["speedup"] - 1) < 1e-9
        assert re.search(r"Gustafson fit s \+ \(1 − s\)·N, an estimate from 2 points: serial fraction ≈ \d\.\d{3}", words), words
    # quiet: twice the work on twice the workers in about the same time, a scaled speedup near 2x,
    # unless the two cores slowed each other (each item needed 1.25x the CPU on 2 workers as on 1)
    one, two_w = (next(p for p in weak["points"] if p["workers"] == n) for n in (1, 2))
    slowed = two_w["inTaskCpuMs"] / 8 >= 1.25 * one["inTaskCpuMs"] / 4
    if cores == 2 and "disturbed" not in words and not slowed:
        assert two_w["speedup"] >= 1.5, words

    # exercises: the starters run and their checks say "not yet" (test_exercises grades the solutions)
    for n in ("6.1", "6.2"):
        assert f"Exercise {n} not yet" in summary_of_check(check_cell(nb, n)), summary_of_check(check_cell(nb, n))


# --- 07 concurrency vs parallelism ----------------------------------------------------------------


def test_07_concurrency_vs_parallelism():
    nb = executed("07-concurrency-vs-parallelism.ipynb")
    for starts in ("%%time\nfor", "%%time\nconst waited", "%%time\nconst burned"):
        out = text(cell(nb, starts))
        assert "CPU times" in out and "Wall time" in out
    assert re.fullmatch(r"'the 50 ms timer fired after \d+ ms'", result(cell(nb, "const t0")))
    c = cell(nb, "%%parallel --map [100, 100, 100, 100, 100] --chunksize 1 --compare")
    record = bundle(c, RUN_MIME)
    assert record["compare"]["serialMs"] > 0 and len(record["tasks"]) == 5
    assert re.search(r"Round 1: serial on one worker thread \(w0\) [\d.]+ ms, parallel on 2 workers", text(c)), text(c)
    c = cell(nb, "%%parallel --map [200, 200, 200, 200, 200, 200]")
    assert result(c) == "[ 200, 200, 200, 200, 200, 200 ]"
    assert len(bundle(c, RUN_MIME)["tasks"]) == 6
    words = summary_text(c)
    assert "0.0 of 2 workers busy on average (the workers mostly waited)" in words, words

    # --no-block: a handle with done, progress, await and cancel()
    assert "job is its handle" in text(cell(nb, "%%parallel --map [100, 100, 100, 100, 100, 100, 100, 100]"))
    watch = text(cell(nb, "console.log(`right after starting"))
    assert re.fullmatch(r"right after starting: done = (true|false), progress \d of 8\n"
                        r"200 ms later: done = (true|false), progress \d of 8\n", watch), watch
    assert text(cell(nb, "const values = await job;")) == "after await: done = true, progress 8 of 8, 8 results\n"
    out = text(cell(nb, "await sleep(300);\nlong.cancel();"))
    assert "await long threw: The parallel job was cancelled (cancelled with cancel())" in out, out
    finished = int(re.search(r"done = true, (\d+) of 40 tasks finished before the cancel", out).group(1))
    assert finished < 40

    # exercise 7.1: the starter fetches one page; the check says so whatever the load
    checks = {c.metadata.paralab["check"]: summary_of_check(c) for c in nb.cells if "check" in c.metadata.get("paralab", {})}
    assert checks["7.1"].startswith("✘ Exercise 7.1 not yet: fetchAll returned [1200], not the 5 sizes"), checks
    # exercise 7.2: the starter does one slice; the check says the value is wrong, whatever the load
    assert checks["7.2"].startswith("✘ Exercise 7.2 not yet: burnPolitely(300) returned"), checks
    assert [c.metadata.paralab["exercise"] for c in nb.cells if "exercise" in c.metadata.get("tags", [])] == ["7.1", "7.2"]


# --- 08 gpu ---------------------------------------------------------------------------------------


def test_08_gpu():
    nb = executed("08-gpu.ipynb")
    c = cell(nb, "%%gpu --output 8\n")
    assert "gpu.js mode" in text(c) and "compile" in text(c)
    assert numbers(result(c).split("[", 1)[1]) == [i * i for i in range(8)]

    first, second = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("%%gpu --output 256,256 --in a,b --out c --constants")]
    assert "output 256×256" in text(first)
    assert "compile cached" in text(second)
    gpu_value, ts_value = numbers(result(cell(nb, "const [y, x]")).split("=", 1)[1])[-2:]
    assert abs(gpu_value - ts_value) < 1e-3, "single precision agrees with the float64 dot product"

    out = text(cell(nb, "%%gpu --output 256,256 --in a,b --out c2"))
    assert "TypeScript, 1 core" in out and "workers" in out and out.count("agrees") == 2
    assert "gpu.js mode cpu" in text(cell(nb, "%%gpu --output 64,64"))

    # what moving the data costs: the same data moved with 0, 8 and 64 operations per element
    out = text(cell(nb, "const WORK = [0, 8, 64];"))
    rows = [l for l in out.splitlines() if re.match(r" *\d+ +\d+\.\d MB", l)]
    assert [int(r.split()[0]) for r in rows] == [65536, 262144, 1048576], out
    assert all(len(re.findall(r"\d+\.\d ms", r)) == 3 for r in rows), out
    assert "the 0-ops kernel returned its input unchanged: true" in out

    # why 2 workers lose to 1 core: the copies the workers receive are slower to read
    c = cell(nb, "%%parallel --workers 2 --out legs")
    words = summary_text(c)
    assert re.search(r"2\.\d MB copied in", words), words  # a and b, about 1 MB per worker
    legs = text(cell(nb, "legs.forEach"))
    halves = [tuple(map(int, m)) for m in re.findall(r"w\d, its half: (\d+) ms on the copies it received, (\d+) ms on Float64Array rows \(\d+\.\dx\)", legs)]
    assert len(halves) == 2, legs
    if not noted(words):  # quiet: the boxed copies take about 1.5x as long as Float64Array rows (1.55-1.6x measured)
        # per worker the legs are timed side by side on two cores that slow each other: one worker read
        # 0.9x on a quiet CI run while the other read 1.4x (others 1.3x and 2.5x); the notebook says at
        # least one of the two shows it clearly
        assert max(c / t for c, t in halves) >= 1.25, legs + words
        table = text(cell(nb, "%%gpu --output 256,256 --in a,b --out c2"))
        serial_ms, pool_ms = (float(re.search(rf"{leg} +([\d.]+) ms", table).group(1)) for leg in ("TypeScript, 1 core", "TypeScript, 2 workers"))
        assert pool_ms >= 0.8 * serial_ms, "on a quiet machine the 2 workers are no faster than 1 core:\n" + table

    for n in ("8.1", "8.2"):
        assert f"Exercise {n} not yet" in summary_of_check(check_cell(nb, n)), summary_of_check(check_cell(nb, n))


# --- 09 task graphs -------------------------------------------------------------------------------


def graph_bundles(c):
    """Every graph chart in the cell (visualize, then compute), each with a PNG and words."""
    found = [o.data for o in c.outputs if o.output_type == "display_data" and GRAPH_MIME in o.data]
    for data in found:
        assert base64.b64decode(data["image/png"])[:8] == PNG_MAGIC
        assert data["text/plain"]
    return [json.loads(d[GRAPH_MIME]) if isinstance(d[GRAPH_MIME], str) else d[GRAPH_MIME] for d in found]


def test_09_task_graphs():
    nb = executed("09-task-graphs.ipynb")
    [before] = graph_bundles(cell(nb, 'import { delayed, compute } from "paralab";'))
    assert before["ran"] is False
    assert (before["workSpan"]["work"], before["workSpan"]["span"], before["workSpan"]["parallelism"]) == (9, 2, 4.5)

    wide = cell(nb, "const [wideTotal]")
    assert result(wide) == "28"
    assert re.match(r"Started 2 worker threads in \d+ ms \(once per kernel\)", text(wide)), "start-up is said, not timed"
    [record] = graph_bundles(wide)
    assert record["ran"] and record["counts"] == {"ok": 9} and record["workers"] == 2
    assert record["bytesOut"] == 8, "only the sum comes back to the kernel"
    # The bounds the text states: no schedule beats max(T1/P, T∞) (always, up to the clocks' jitter), and
    # paralab's greedy one stays within T1/P + T∞ (Brent) unless paralab's own note says the run was disturbed.
    ws, wall = record["workSpan"], record["wallMs"]
    assert wall >= max(ws["work"] / 2, ws["span"]) - 1, (wall, ws)
    words = summary_text(wide)
    disturbed = "disturbed" in words or "may measure the machine's load" in words
    assert wall <= ws["work"] / 2 + ws["span"] or disturbed, words

    chain = cell(nb, "const step")
    assert result(chain) == "8"
    [record] = graph_bundles(chain)
    # A chain: the span is the work, whatever the task times.
    assert abs(record["workSpan"]["parallelism"] - 1) < 1e-9
    assert len(record["workSpan"]["criticalPath"]) == 8
    assert {e["path"] for e in record["edges"]} == {"local"}, "each step ran where its input was"
    assert "parallelism T1/T∞ = 1.00" in "".join(
        o.data["text/plain"] for o in chain.outputs if o.output_type == "display_data"
    )
    # graphs are timed with the precise clock, not in whole ms
    walls = [r["wallMs"] for c in nb.cells if c.cell_type == "code" for r in graph_bundles(c) if r["ran"]]
    assert any(w != round(w) for w in walls), walls

    diamond = cell(nb, "const top")
    assert result(diamond) == "5"
    before, after = graph_bundles(diamond)
    labels = lambda r: [next(n["label"] for n in r["nodes"] if n["id"] == i) for i in r["workSpan"]["criticalPath"]]
    # the declared costs predict the critical path the text names, and the measured times agree
    assert before["workSpan"]["unit"] == "cost" and (before["workSpan"]["work"], before["workSpan"]["span"]) == (40, 35)
    assert labels(before) == ["top", "long", "bottom"] == labels(after)
    assert [n["label"] for n in before["nodes"] if n.get("critical")] == ["top", "long", "bottom"]
    assert after["counts"] == {"ok": 4}
    assert after["workSpan"]["parallelism"] <= 2, "2 workers already reach the graph's parallelism"

    failing = cell(nb, "await compute(total")
    assert failing.metadata.tags == ["raises-exception"]
    (err,) = [o for o in failing.outputs if o.output_type == "error"]
    assert err.ename == "GraphTaskError"
    assert "(validate, delayed at cell line 2) failed" in err.evalue and "RangeError: 4 is above 3" in err.evalue
    [record] = graph_bundles(failing)
    assert record["counts"] == {"ok": 3, "error": 1, "skipped": 1}

    again = cell(nb, "threshold = 10;")
    assert result(again) == "10"
    [record] = graph_bundles(again)
    assert record["counts"] == {"ok": 2, "kept": 3}, "only the failed and the skipped task ran again"

    # the exercise starters run and compute the right total the slow way
    assert result(cell(nb, "const part = delayed")) == "140"


# --- 10 cluster (a local redis-server and two paralab workers, started by the notebook) ------------


def test_10_cluster():
    nb = executed("10-cluster.ipynb")
    assert re.fullmatch(r"'cluster at redis://127\.0\.0\.1:\d+, 3 processes started here'", result(cell(nb, "import { spawn")))
    c = cell(nb, "%%parallel --map xs --out onPool")
    local = bundle(c, RUN_MIME)
    assert local["workerKind"] == "thread" and local["items"] == 24 and local["samples"]
    # the text: a run this short gets each worker's utilization (thread clocks), not each core's
    assert local["wallMs"] >= 1000 or len(local.get("workerSamples", [])) > 1, local["wallMs"]
    listing = text(cell(nb, "%cluster CLUSTER"))
    assert "2 workers on 1 host, 2 slots" in listing and re.search(r"host\s+pid\s+slots\s+busy\s+tasks done\s+CPU\s+memory\s+last heartbeat", listing)
    c = cell(nb, "%%parallel --map xs --out onCluster")
    remote = bundle(c, RUN_MIME)
    assert remote["workerKind"] == "cluster" and remote["items"] == 24 and remote["samples"] == []
    assert not remote.get("workerSamples"), "no utilization plot for a cluster run"
    assert len(remote["lanes"]) == 2 and all(re.fullmatch(r".+:\d+/w0", lane) for lane in remote["lanes"])
    assert sorted(re.findall(r"^\[.+:\d+/w0\] item (\d+) here$", text(c), re.M)) == ["0", "16", "8"]
    assert result(cell(nb, "`same results:")) == "'same results: true'"
    assert result(cell(nb, 'import { parallel } from "paralab";')) == "[ 1, 4, 9, 16 ]"

    # SPMD on the cluster: one rank in each worker process; allreduce's total and the ring's messages went through comm
    c = cell(nb, "%%parallel --cluster --workers 2 --out spmdOnCluster")
    spmd = bundle(c, RUN_MIME)
    assert spmd["workerKind"] == "cluster" and [t["status"] for t in spmd["tasks"]] == ["ok", "ok"], spmd["tasks"]
    said = re.findall(r"^\[.+:(\d+)/w0\] rank (\d) of 2: total (\d+); rank (\d) runs in .+:(\d+)$", text(c), re.M)
    rank_pids = {rank: pid for pid, rank, *_ in said}
    assert len(said) == 2 and sorted(rank_pids) == ["0", "1"] and len(set(rank_pids.values())) == 2, text(c)
    assert {lane.split(":")[-1].split("/")[0] for lane in spmd["lanes"]} == set(rank_pids.values()), spmd["lanes"]
    n = 20_000_000
    for _, rank, total, previous, previous_pid in said:
        assert total == str(n * (n - 1) // 2)
        assert previous == str(1 - int(rank)) and previous_pid == rank_pids[previous], "each rank heard the other's pid"
    m = re.fullmatch(r"\"same total: true \((\d+) = N\(N-1\)/2: true\); cluster ranks in pids (\d+) and (\d+), local ranks in the kernel's pid (\d+)\"",
                     result(cell(nb, "const spmdOnPool")))
    assert m and m[1] == str(n * (n - 1) // 2) and {m[2], m[3]} == set(rank_pids.values()) and m[4] not in rank_pids.values(), m

    c = cell(nb, 'import { delayed, compute } from "paralab";')
    assert result(c) == "'same total: true'"
    graph = bundle(c, GRAPH_MIME)
    assert graph["workerKind"] == "cluster" and graph["counts"] == {"ok": 9}
    assert graph["lanes"] and all(re.fullmatch(r".+:\d+/w0", lane) for lane in graph["lanes"])
    # inputs not made in the same batch went through Redis, and the chart counted their bytes
    through_redis = [e for e in graph["edges"] if e.get("path") == "redis"]
    assert through_redis and {e.get("path") for e in graph["edges"]} <= {"redis", "local"}
    assert graph["bytesMoved"]["redis"] == sum(e["bytes"] for e in through_redis)
    # data stays where it was made (the text says so): each 800 kB part is read by its sum on the worker that made it
    parts = [e for e in graph["edges"] if e["from"].startswith("part#")]
    assert len(parts) == 4 and all(e["path"] == "local" and e["bytes"] == 0 for e in parts), graph["edges"]
    assert "4 inputs read where they were made" in summary_text(c)
    assert "(Brent, counting task time only: on a cluster each batch of tasks also waits for Redis round trips)" in summary_text(c)

    # a worker killed (SIGKILL) while it holds a task: the task runs again on the other, every result counted once
    c = cell(nb, 'import * as fs from "node:fs";')
    m = re.fullmatch(r"'killed worker pid (\d+); all 8 results: \[0,1,4,9,16,25,36,49\]'", result(c))
    assert m, result(c)
    victim = m.group(1)
    assert victim in rank_pids.values(), "the killed worker is one of the two that ran the SPMD ranks"
    assert re.search(rf"^\[.+:\d+/w0\] task \d+ \(item \d\) runs again here: .+:{victim}/w0 stopped while it ran it",
                     text(c, "stderr"), re.M), text(c, "stderr")
    record = bundle(c, RUN_MIME)
    assert sorted(t["index"] for t in record["tasks"] if t["status"] == "ok") == list(range(8))
    lost = [t for t in record["tasks"] if t["status"] == "cancelled"]
    assert len(lost) == 1 and record["lanes"][lost[0]["rank"]].endswith(f":{victim}/w0"), record["tasks"]
    fresh = re.fullmatch(r"started worker pid (\d+)\n", text(cell(nb, "if (workerProcs.length)"))).group(1)
    (listing,) = [text(c) for c in nb.cells if c.cell_type == "code" and c.source == "%cluster"]
    assert re.search(rf"^\S+\s+{fresh}\s+1\s", listing, re.M), listing

    # exercise 10.1: the starter runs on the local pool, and its check says so
    verdict = summary_of_check(cell(nb, 'import { check } from "paralab";'))
    assert verdict.startswith("✘ Exercise 10.1 not yet: the items ran in the kernel's own process"), verdict

    assert "local pool again" in text(cell(nb, "%cluster off"))
    assert result(cell(nb, "for (const p of started)")) == "'stopped 4 processes'"


# --- 11 synchronisation and deadlock --------------------------------------------------------------


def test_11_synchronisation_and_deadlock():
    nb = executed("11-synchronisation-and-deadlock.ipynb")
    # a semaphore with 2 permits: 12 visits, never more than 2 clients inside
    c = cell(nb, "%%parallel --workers 4 --out visits")
    assert len(bundle(c, RUN_MIME)["tasks"]) == 4
    out = text(cell(nb, "// One character per 25 ms"))
    assert "12 visits; most clients inside at once: 2" in out, out
    lanes = [l.split(" ", 1)[1] for l in out.splitlines() if re.match(r"w\d ", l)]
    assert len(lanes) == 4 and all(sum(l[i] == "█" for l in lanes) <= 2 for i in range(len(lanes[0]))), out

    # one lock for the bank vs one per account: both measured, both correct
    for starts in ("%%parallel --workers 2 --out oneLockMs", "%%parallel --workers 2 --out perAccountMs"):
        assert re.search(r"\d\.\d of 2 workers busy on average", summary_text(cell(nb, starts)))
    out = text(cell(nb, "console.log(`one lock for the bank"))
    assert re.search(r"one lock for the bank: slowest worker \d+ ms", out)
    assert re.search(r"one lock per account: +slowest worker \d+ ms", out)
    assert "balances: A = 4000000, B = 4000000" in out
    one_lock, per_account = (float(re.search(rf"{what}: +slowest worker (\d+) ms", out).group(1)) for what in ("one lock for the bank", "one lock per account"))
    summaries = "".join(summary_text(cell(nb, s)) for s in ("%%parallel --workers 2 --out oneLockMs", "%%parallel --workers 2 --out perAccountMs"))
    if not noted(summaries):  # quiet: the one bank lock is several times slower (336 vs 111 ms measured)
        assert one_lock >= 1.5 * per_account, out + summaries

    # lock order: the deadlock is reported with both locks and their holders, then fixed
    c = cell(nb, "%%parallel --workers 2\n// w0 moves money from A to B")
    assert c.metadata.tags == ["raises-exception"]
    (err,) = [o for o in c.outputs if o.output_type == "error"]
    assert err.ename == "DeadlockError"
    assert "w0 waits to lock `lockB` (held by w1); w1 waits to lock `lockA` (held by w0)" in err.evalue, err.evalue
    assert bundle(cell(nb, "%%parallel --workers 2 --out transfers"), RUN_MIME)["workers"] == 2
    assert text(cell(nb, "console.log(`money in the bank")) == "money in the bank: 8000000 (before the transfers: 8000000)\n"

    # join before draining: the producer's wait on the full queue is reported, then drained first
    c = cell(nb, "%%parallel --workers 1\nfor (let i = 1; i <= 10; i++) squares.push")
    assert c.metadata.tags == ["raises-exception"]
    (err,) = [o for o in c.outputs if o.output_type == "error"]
    assert err.ename == "DeadlockError" and "w0 waits to push to `squares`, full (4 of 4)" in err.evalue, err.evalue
    assert "is its handle" in text(cell(nb, "%%parallel --workers 1 --no-block --out producer"))
    out = text(cell(nb, "const got: number[] = [];"))
    assert out == "drained: 1 4 9 16 25 36 49 64 81 100\n[ 'produced 10 squares' ]\n", out

    # a barrier between the phases: without it w1 reads w0's half before it is written
    c = cell(nb, "%%parallel --workers 2\nconst half = N / size;\nif (rank === 0) pause(300); // w0's")
    assert result(c) == "[ 1000000, 500000 ]" or noted(summary_text(c)), result(c) + summary_text(c)
    assert text(cell(nb, "cells.fill(0)")) == "" and result(cell(nb, "cells.fill(0)")) == "'0 ones left'"
    c = cell(nb, "%%parallel --workers 2\nconst half = N / size;\nif (rank === 0) pause(300);\n")
    assert result(c) == "[ 1000000, 1000000 ]", result(c)

    # waiting for a flag: spinning burns a core for the whole wait, sleeping almost nothing
    spin = cell(nb, "%%parallel --workers 2\nif (rank === 0) {\n  pause(300); // prepare")
    sleep = cell(nb, "%%parallel --workers 2\nif (rank === 0) {\n  pause(300);\n  Atomics.store(ready, 0, 1);\n  Atomics.notify")
    assert re.fullmatch(r"\[ 'raised the flag', 'saw the flag after [\d,]+ polls' \]", result(spin)), result(spin)
    assert result(sleep) == "[ 'raised the flag', 'saw the flag after 1 nap(s)' ]", result(sleep)
    assert in_task_cpu_ms(summary_text(sleep)) < 30, summary_text(sleep)
    if not noted(summary_text(spin)):  # quiet: about 300 ms, a whole core while it waited
        assert in_task_cpu_ms(summary_text(spin)) >= 200, summary_text(spin)
    assert in_task_cpu_ms(summary_text(spin)) > 3 * in_task_cpu_ms(summary_text(sleep)), summary_text(spin) + summary_text(sleep)

    for n in ("11.1", "11.2"):
        assert f"Exercise {n} not yet" in summary_of_check(check_cell(nb, n)), summary_of_check(check_cell(nb, n))


# --- 12 stencil with halo exchange ----------------------------------------------------------------


def test_12_stencil_halo_exchange():
    nb = executed("12-stencil-halo-exchange.ipynb")
    serial = result(cell(nb, "function serialHeat"))
    steps = int(re.match(r"'(\d+) steps in [\d.]+ ms; the first cells 0\.966, 0\.931", serial).group(1))
    out = text(cell(nb, "const parallelU"))
    assert f"steps: parallel {steps} and {steps}, serial {steps}\n" in out, out
    assert out.endswith("the parallel rod equals the serial one, bit for bit: true\n"), out
    # latency: 1 178 steps of messages cost more than the whole serial solve (the fastest of 5: well under 1 µs a step)
    parallel_ms, serial_ms = (float(x) for x in re.search(r"time: parallel (\d+) ms, serial ([\d.]+) ms", out).groups())
    assert parallel_ms > 5 * serial_ms or "disturbed" in summary_text(cell(nb, "%%parallel --workers 2 --out slabs")), out

    c = cell(nb, "%%parallel --workers 2 --out perStep")
    bundle(c, RUN_MIME)
    summary = summary_text(c)
    words = text(cell(nb, "const rows = perStep[0];"))
    rows = [numbers(line) for line in words.splitlines() if re.match(r"│ \d+ +│", line)]
    assert [r[1] for r in rows] == [16, 256, 4096, 65536, 1048576, 2097152], words
    speedup = {int(r[1]): r[3] / r[2] for r in rows}  # serial µs / parallel µs, from the table's columns
    per_step = {int(r[1]): r[2] for r in rows}
    # small slabs are latency-bound: far slower than serial, whatever the load
    assert speedup[16] < 0.5 and speedup[256] < 0.5, words
    # the speedup climbs with the slab (compute grows, messages do not)
    assert speedup[2097152] > 10 * speedup[256], words
    # the words match the table
    m = re.search(r"latency-bound: with 16 cells per rank a parallel step takes (\d+) µs, (\d+) times the serial step", words)
    assert abs(float(m.group(1)) - per_step[16]) <= 1, words
    assert int(m.group(2)) >= 100 or "disturbed" in summary, (words, summary)  # "a hundred times faster or more"
    # quiet-machine claims: the step time is flat for small slabs, and two ranks beat one on the largest
    # unless the notebook says why not (other programs, or cores that slowed each other on the memory)
    assert per_step[256] < 2 * per_step[16] or "disturbed" in summary, (words, summary)
    together, alone = (float(x) for x in re.search(r"a cell took ([\d.]+) ns with both ranks computing, ([\d.]+) ns with one", words).groups())
    slowed = "the two cores slowed each other" in words
    assert slowed == (together >= 1.25 * alone) or abs(together - 1.25 * alone) < 0.2, words
    assert ("break-even: two ranks first beat one at" in words and speedup[2097152] > 1) or slowed or "disturbed" in summary, (words, summary)

    assert [c.metadata.paralab["exercise"] for c in nb.cells if "exercise" in c.metadata.get("tags", [])] == ["12.1", "12.2"]


# --- 13 scaling explorer (widgets) ----------------------------------------------------------------

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"


def test_13_scaling_explorer():
    nb = executed("13-scaling-explorer.ipynb")
    shown = [o.data for o in cell(nb, "const workers = new widgets.IntSlider").outputs if o.output_type == "execute_result"]
    assert shown[0][WIDGET_VIEW_MIME]["version_major"] == 2 and shown[0]["text/plain"] == "VBox()", shown

    # the three runs the notebook clicks, each with its run chart's summary: the readings a reader compares
    lines = text(cell(nb, "for (const [w, c, s] of")).splitlines()
    heads, summaries = lines[0::2], [l.strip() for l in lines[1::2]]
    assert [h.split(":")[0] for h in heads] == [
        "1 worker(s), chunk size 1, dynamic",
        "2 worker(s), chunk size 1, dynamic",
        "2 worker(s), automatic chunks, static",
    ], lines
    one, dynamic, static = (float(re.search(r": (\d+) ms", h).group(1)) for h in heads)
    cpu = [float(re.search(r"([\d.e+]+) ms in-task CPU", s).group(1)) for s in summaries]
    busy = [float(re.search(r"(\d\.\d) of \d workers? busy on average", s).group(1)) for s in summaries]
    disturbed = [noted(h + s) for h, s in zip(heads, summaries)]
    # quiet 2-core machine: two workers ~1.9x faster than one, unless paralab notes a disturbance or
    # the two cores slowed each other (the same work took 1.25x the CPU on two: this VM does that)
    assert one / dynamic >= 1.3 or disturbed[0] or disturbed[1] or cpu[1] >= 1.25 * cpu[0], lines
    # static's contiguous blocks on costs rising with the square: ~1.7x slower than dynamic, ~1.2 of 2 busy.
    # Compared by the runs' own walls: the explorer's times add drawing the chart, the same for both, which
    # narrows the ratio (618 / 481 ms = 1.28x in a CI run whose run walls read 583 ms against less).
    run_wall = [float(re.search(r"in ([\d.]+) (m?s) wall", s_).group(1)) * (1 if " ms wall" in s_ else 1000) for s_ in summaries]
    assert run_wall[2] >= 1.3 * run_wall[1] or disturbed[1] or disturbed[2], lines
    assert busy[2] <= 1.5 or disturbed[2], lines
    assert busy[1] >= 1.5 or disturbed[1], lines

    # the widget state is saved with the notebook (nbclient collects it from the comm messages):
    # the explorer's Output holds the last run's chart, the sliders their last values
    state = nb.metadata["widgets"][WIDGET_STATE_MIME]["state"]
    outputs = [s["state"] for s in state.values() if s["model_name"] == "OutputModel"]
    assert any(any(RUN_MIME in o.get("data", {}) for o in s.get("outputs", [])) for s in outputs), outputs
    sliders = [s["state"] for s in state.values() if s["model_name"] == "IntSliderModel"]
    assert {"description": "workers", "value": 2} in [{k: s.get(k) for k in ("description", "value")} for s in sliders]

    # interact: its output widget holds fn's line for the settings it ran with
    printed = text(cell(nb, "explorer.controls.chunksize.value = 1;"))
    assert re.match(r"\d worker\(s\), chunk size 1: \d+ ms", printed), printed

    # exercise 13.1: the starter records no runs; the check says so whatever the load
    assert [c.metadata.paralab["exercise"] for c in nb.cells if "exercise" in c.metadata.get("tags", [])] == ["13.1"]
    verdict = summary_of_check(cell(nb, 'import { check } from "paralab";'))
    assert verdict.startswith("✘ Exercise 13.1 not yet: the sweep recorded no runs"), verdict
