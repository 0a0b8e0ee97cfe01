"""Live run and graph charts (SPEC §5, issue #25): a long run's chart appears within about half a
second, grows through update_display_data of one output (at most ~4 updates a second, each without
a PNG and bounded in size), and the final update is the whole record with its PNG. Interrupted runs
keep their partial chart; saved notebooks hold only the final bundle."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ok, run

RUN_MIME = "application/vnd.paralab.run.v1+json"
GRAPH_MIME = "application/vnd.paralab.graph.v1+json"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# About 3 s on 2 workers, 60 tasks of ~100 ms: sleeps, so the length holds on a busy machine too.
MAP_3S = "%%parallel --map Array.from({length: 60}, (_, i) => i) --workers 2 --chunksize 1\n" \
         "await new Promise((r) => setTimeout(r, 100)); item * 2"


def chart_messages(outputs, mime=RUN_MIME):
    return [m for m in outputs
            if m["msg_type"] in ("display_data", "update_display_data") and mime in m["content"]["data"]]


def live_and_final(charts, mime=RUN_MIME):
    """A finished run's chart comes in two updates of its output: the record and summary as soon as
    the run ends, then the same with its PNG, drawn after the cell's reply and before its idle."""
    record_only, final = charts[-2], charts[-1]
    assert final["msg_type"] == "update_display_data"
    assert record_only["content"]["transient"]["display_id"] == final["content"]["transient"]["display_id"]
    assert "image/png" not in record_only["content"]["data"] and "image/png" in final["content"]["data"]
    assert record_only["content"]["data"][mime] == final["content"]["data"][mime]
    return charts[:-2], final


def test_a_3_second_map_draws_live_then_final(kc):
    started = time.time()
    reply, outputs = run(kc, MAP_3S)
    assert reply["status"] == "ok"
    charts = chart_messages(outputs)
    first, updates = charts[0], charts[1:]
    # One output: shown once, then updated in place under its display_id.
    assert first["msg_type"] == "display_data" and all(m["msg_type"] == "update_display_data" for m in updates)
    ids = {m["content"]["transient"]["display_id"] for m in charts}
    assert len(ids) == 1
    live, final = live_and_final(charts)
    assert len(live) >= 4, f"only {len(live)} live updates in a ~3 s map"
    for m in live:
        data = m["content"]["data"]
        assert "image/png" not in data
        record = data[RUN_MIME]
        assert record["live"]["state"] == "running" and record["live"]["unit"] == "item"
        assert data["text/plain"].startswith("running: ")
        assert " of 60 items, " in data["text/plain"]
    # At most ~4 updates a second (the first after 400 ms, then every 250 ms).
    seconds = (live[-1]["header"]["date"] - live[0]["header"]["date"]).total_seconds()
    assert len(live) - 1 <= seconds * 4 + 1, (len(live), seconds)
    # The first appears within about half a second of the start.
    records = [m["content"]["data"][RUN_MIME] for m in live]
    assert records[0]["wallMs"] < 700, records[0]["wallMs"]
    # The chart grows: tasks and the wall time only go up.
    dones = [r["live"]["done"] for r in records]
    assert dones == sorted(dones) and dones[-1] > dones[0]
    assert [r["wallMs"] for r in records] == sorted(r["wallMs"] for r in records)
    # The final update is today's full bundle.
    data = final["content"]["data"]
    assert "image/png" in data and "live" not in data[RUN_MIME]
    assert data[RUN_MIME]["items"] == 60 and len(data[RUN_MIME]["tasks"]) == 60
    assert "running" not in data["text/plain"]
    assert time.time() - started < 30


def test_the_final_record_is_the_one_a_short_run_gives(kc):
    """A live run's final record has the same fields as a run too short to draw live."""
    _, outputs = run(kc, MAP_3S)
    live_final = chart_messages(outputs)[-1]["content"]["data"][RUN_MIME]
    _, outputs = run(kc, "%%parallel --map [1, 2, 3, 4] --workers 2 --chunksize 1\nitem * 2")
    charts = chart_messages(outputs)
    live, final = live_and_final(charts)
    assert not live and charts[0]["msg_type"] == "display_data"  # too short for a live chart
    short = final["content"]["data"][RUN_MIME]
    assert sorted(live_final) == sorted(short)
    assert sorted(live_final["tasks"][0]) == sorted(short["tasks"][0])


def test_an_spmd_run_draws_live(kc):
    _, outputs = run(kc, "%%parallel --workers 2\nawait new Promise((r) => setTimeout(r, 1500 + 500 * rank)); rank")
    live, final = live_and_final(chart_messages(outputs))
    live = [m["content"]["data"] for m in live]
    assert len(live) >= 3
    assert all("image/png" not in d and d[RUN_MIME]["live"]["unit"] == "rank" for d in live)
    # Rank 0 ends first: a later update shows its bar while rank 1 still runs.
    assert any(d[RUN_MIME]["live"]["done"] == 1 and len(d[RUN_MIME]["tasks"]) == 1 for d in live)
    assert "live" not in final["content"]["data"][RUN_MIME]


def test_a_20000_task_map_sends_bounded_updates(kc):
    """Each update stays small whatever the task count: a lane's tasks fold into strips (the unit
    tests fold 100,000); here 20,000 one-item tasks, far over the 600-record budget."""
    _, outputs = run(
        kc,
        "%%parallel --map Array.from({length: 20000}, (_, i) => i) --workers 2 --chunksize 1\nitem",
        timeout=300,
    )
    live, final = live_and_final(chart_messages(outputs))
    live = [m["content"]["data"] for m in live]
    assert live, "a 20,000-task map showed no live chart"
    for d in live:
        assert len(d[RUN_MIME]["tasks"]) <= 600
        assert len(json.dumps(d)) < 200_000
    last = live[-1][RUN_MIME]
    # Folded strips still count every item of the tasks that ended.
    assert sum(t.get("count", 1) for t in last["tasks"]) == last["live"]["tasks"]
    assert any(d[RUN_MIME]["live"]["tasks"] > 600 for d in live)
    assert len(final["content"]["data"][RUN_MIME]["tasks"]) == 20000


def interrupt_after(km, seconds):
    timer = threading.Timer(seconds, km.interrupt_kernel)
    timer.start()
    return timer


def test_an_interrupted_map_keeps_its_partial_chart(kc, km):
    interrupt_after(km, 1.5)
    reply, outputs = run(kc, "%%parallel --map Array.from({length: 40}, (_, i) => i) --workers 2 --chunksize 1\n"
                             "await new Promise((r) => setTimeout(r, 200)); item")
    assert reply["status"] == "error"
    charts = chart_messages(outputs)
    assert len(charts) >= 2
    data = charts[-1]["content"]["data"]
    record = data[RUN_MIME]
    assert record["live"]["state"] == "interrupted"
    assert "image/png" in data  # it is the last state a saved notebook keeps
    statuses = {t["status"] for t in record["tasks"]}
    assert statuses == {"ok", "cancelled"}, statuses
    assert data["text/plain"].startswith("interrupted after ")
    assert "cancelled" in data["text/plain"] and "not run" in data["text/plain"]


def test_a_compute_draws_its_graph_live(kc):
    ok(kc, 'import { delayed, compute } from "paralab";\n'
           'const slow = delayed(async (x: number) => { await new Promise((r) => setTimeout(r, 150)); return x; });\n'
           'const add = delayed((...xs: number[]) => xs.reduce((a, b) => a + b, 0));')
    _, outputs = run(kc, "await compute(add(...Array.from({length: 16}, (_, i) => slow(i))), { workers: 2, quiet: false })")
    charts = chart_messages(outputs, GRAPH_MIME)
    assert len(charts) >= 4, [m["msg_type"] for m in outputs]
    live, final = live_and_final(charts, GRAPH_MIME)
    live = [m["content"]["data"] for m in live]
    assert all("image/png" not in d and d[GRAPH_MIME]["live"]["state"] == "running" for d in live)
    assert any(0 < d[GRAPH_MIME]["counts"].get("ok", 0) < 17 for d in live)
    final = final["content"]["data"]
    assert "image/png" in final and "live" not in final[GRAPH_MIME] and final[GRAPH_MIME]["counts"]["ok"] == 17


def test_saved_notebooks_hold_only_the_final_bundle(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "paralab", "display_name": "paralab", "language": "typescript"}
    nb.cells = [nbformat.v4.new_code_cell(MAP_3S)]
    NotebookClient(nb, timeout=120, kernel_name="paralab").execute()
    charts = [o for o in nb.cells[0].outputs if o.get("output_type") == "display_data" and RUN_MIME in o.get("data", {})]
    assert len(charts) == 1 and "image/png" in charts[0]["data"] and "live" not in charts[0]["data"][RUN_MIME]
    # paralab run (the in-process runner) too
    path = tmp_path / "live.ipynb"
    out = tmp_path / "out.ipynb"
    nbformat.write(nb, str(path))
    subprocess.run(["node", os.path.join(ROOT, "kernel/dist/cli/main.js"), "run", str(path), "--out", str(out)],
                   check=True, capture_output=True, timeout=120)
    saved = nbformat.read(str(out), as_version=4)
    charts = [o for o in saved.cells[0].outputs if RUN_MIME in o.get("data", {})]
    assert len(charts) == 1 and "image/png" in charts[0]["data"] and "live" not in charts[0]["data"][RUN_MIME]


def test_a_no_block_run_draws_live_in_the_cell_that_awaits_it(kc):
    """The starting cell ends at once; a cell that awaits the handle while the run goes on draws
    its chart live (every frontend keeps a running cell's output), then the final chart there."""
    reply, started = run(kc, "%%parallel --map Array.from({length: 16}, (_, i) => i) --workers 2 --chunksize 1 "
                             "--no-block --out bg\nawait new Promise((r) => setTimeout(r, 200)); item")
    assert reply["status"] == "ok" and not chart_messages(started)
    _, out = run(kc, "(await bg).length")
    charts = chart_messages(out)
    assert charts[0]["msg_type"] == "display_data" and charts[0]["content"]["data"][RUN_MIME]["live"]["state"] == "running"
    assert all(m["msg_type"] == "update_display_data" for m in charts[1:])
    assert len({m["content"]["transient"]["display_id"] for m in charts}) == 1
    live, final = live_and_final(charts)
    assert any(m["content"]["data"][RUN_MIME].get("live", {}).get("done", 0) > 0 for m in live)
    final = final["content"]["data"]
    assert "image/png" in final and "live" not in final[RUN_MIME] and final[RUN_MIME]["items"] == 16
    assert [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"] == ["16"]


def test_an_interrupted_compute_keeps_its_graph_chart(kc, km):
    ok(kc, 'import { delayed, compute } from "paralab";\n'
           'const nap = delayed(async (x: number) => { await new Promise((r) => setTimeout(r, 300)); return x; });\n'
           'const total = delayed((...xs: number[]) => xs.reduce((a, b) => a + b, 0));')
    interrupt_after(km, 1.5)
    reply, outputs = run(kc, "await compute(total(...Array.from({length: 20}, (_, i) => nap(i))), { workers: 2, quiet: false })")
    assert reply["status"] == "error", reply
    charts = chart_messages(outputs, GRAPH_MIME)
    assert len(charts) >= 3 and len({m["content"]["transient"].get("display_id") for m in charts}) == 1
    # An interrupt ends an awaiting cell at once: before its idle, the chart says what had run
    # (what nbclient keeps): the interrupted live state, or the final record when the compute had
    # wound down by then.
    last = charts[-1]["content"]["data"]
    assert last[GRAPH_MIME]["counts"].get("ok", 0) > 0
    if "live" in last[GRAPH_MIME]:
        assert last[GRAPH_MIME]["live"]["state"] == "interrupted"
        assert last["text/plain"].startswith("interrupted after ")
    # Then the final chart, with the cancelled tasks and the PNG, replaces it (JupyterLab keeps the
    # cell's output open for it).
    parent = charts[-1]["parent_header"]["msg_id"]
    final = last if "image/png" in last else None
    deadline = time.time() + 20
    while final is None and time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        if msg["parent_header"].get("msg_id") == parent and msg["msg_type"] == "update_display_data" \
                and GRAPH_MIME in msg["content"]["data"] and "image/png" in msg["content"]["data"]:
            final = msg["content"]["data"]
    assert final is not None, "no final graph chart after the interrupt"
    counts = final[GRAPH_MIME]["counts"]
    assert "live" not in final[GRAPH_MIME] and counts.get("ok", 0) > 0 and counts.get("cancelled", 0) > 0, counts
