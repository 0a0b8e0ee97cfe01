"""%%parallel, %workers and parallel.map end to end: a real kernel driven through jupyter_client."""
import base64
import json
import re
import time

import pytest

from conftest import error, ok, results_of, run, shell_reply, stdout_of

RUN_MIME = "application/vnd.paralab.run.v1+json"
SCALING_MIME = "application/vnd.paralab.scaling.v1+json"


def displays(outputs):
    return [m["content"]["data"] for m in outputs if m["msg_type"] in ("display_data", "update_display_data")]


def test_spmd_gathers_last_expression_in_rank_order(kc):
    out = ok(kc, "%%parallel --workers 2\n`rank ${rank} of ${size}`")
    assert results_of(out)[0]["text/plain"] == "[ 'rank 0 of 2', 'rank 1 of 2' ]"


def test_spmd_return_value(kc):
    out = ok(kc, "%%parallel --workers 2 --quiet\nif (rank === 0) return 'zero';\nreturn rank * 10;")
    assert results_of(out)[0]["text/plain"] == "[ 'zero', 10 ]"


def test_run_ends_with_summary_and_chart_bundle(kc):
    out = ok(kc, "%%parallel --workers 2\nrank")
    bundle = displays(out)[-1]
    assert set(bundle) == {RUN_MIME, "image/png", "text/plain"}
    record = bundle[RUN_MIME]
    assert record["kind"] == "run" and record["workers"] == 2 and len(record["tasks"]) == 2
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "2 tasks on 2 workers (thread)" in bundle["text/plain"]


def test_quiet_shows_no_summary(kc):
    out = ok(kc, "%%parallel --quiet\nrank")
    assert displays(out) == []


def test_map_uses_kernel_variables_and_functions_and_out(kc):
    ok(kc, "const xs = [1, 2, 3, 4, 5];\nconst offset = 100;\nfunction f(x: number) { return x * x + offset; }")
    ok(kc, "%%parallel --map xs --out ys --quiet\nf(item)")
    out = ok(kc, "ys")
    assert results_of(out)[0]["text/plain"] == "[ 101, 104, 109, 116, 125 ]"


def test_map_as_index_and_rank(kc):
    out = ok(kc, "%%parallel --map ['a', 'b', 'c'] --as letter --quiet\n`${index}:${letter}:${typeof rank}`")
    assert results_of(out)[0]["text/plain"] == "[ '0:a:number', '1:b:number', '2:c:number' ]"


def test_unordered_returns_every_result(kc):
    ok(kc, "%%parallel --map [30, 1, 20, 2] --unordered --chunksize 1 --out u --quiet\n"
           "await new Promise((r) => setTimeout(r, item)); item")
    out = ok(kc, "[...u].sort((a, b) => a - b)")
    assert results_of(out)[0]["text/plain"] == "[ 1, 2, 20, 30 ]"


def test_static_schedule_gives_contiguous_blocks(kc):
    out = ok(kc, "%%parallel --map Array.from({length: 8}, (_, i) => i) --schedule static --workers 2 --quiet\nrank")
    assert results_of(out)[0]["text/plain"] == "[\n  0, 0, 0, 0,\n  1, 1, 1, 1\n]"


def test_worker_state_persists_between_cells(kc):
    ok(kc, "%%parallel --workers 2 --quiet\nconst secret = rank * 7;")
    out = ok(kc, "%%parallel --workers 2 --quiet\nsecret + 1")
    assert results_of(out)[0]["text/plain"] == "[ 1, 8 ]"


def test_worker_output_streams_with_prefix(kc):
    out = ok(kc, "%%parallel --workers 2 --quiet\nconsole.log('hi from', rank)")
    text = stdout_of(out)
    assert "[w0] hi from 0\n" in text and "[w1] hi from 1\n" in text


def test_group_outputs(kc):
    out = ok(kc, "%%parallel --workers 2 --group-outputs --quiet\nconsole.log('a' + rank); console.log('b' + rank)")
    text = stdout_of(out)
    assert "── w0 stdout ──\na0\nb0\n" in text and "── w1 stdout ──\na1\nb1\n" in text


def test_comm_collectives(kc):
    code = "\n".join([
        "%%parallel --workers 2 --quiet",
        "const all = await comm.allreduce(rank + 1, 'sum');",
        "const b = await comm.bcast(rank === 0 ? 'root' : undefined, 0);",
        "const part = await comm.scatter(rank === 0 ? [10, 20] : undefined, 0);",
        "const g = await comm.gather(part * 2, 0);",
        "if (rank === 0) comm.send(1, 'ping'); else comm.send(0, 'pong');",
        "const got = await comm.recv();",
        "await comm.barrier();",
        "[all, b, part, g, got]",
    ])
    out = ok(kc, code)
    values = results_of(out)[0]["text/plain"]
    assert "[ 3, 'root', 10, [ 20, 40 ], 'pong' ]" in values
    assert "[ 3, 'root', 20, undefined, 'ping' ]" in values


def test_comm_allgather_and_alltoall(kc):
    code = "\n".join([
        "%%parallel --workers 2 --quiet",
        "const everyone = await comm.allgather(`r${rank}`);",
        "const mine = await comm.alltoall([`${rank}->0`, `${rank}->1`]);",
        "[everyone, mine]",
    ])
    values = results_of(ok(kc, code))[0]["text/plain"]
    assert "[ [ 'r0', 'r1' ], [ '0->0', '1->0' ] ]" in values
    assert "[ [ 'r0', 'r1' ], [ '0->1', '1->1' ] ]" in values
    reply = error(kc, "%%parallel --workers 2 --quiet\nawait comm.alltoall([1, 2, 3])")
    assert "must be an array with one element per rank (length 2, the size), got length 3" in reply["evalue"]
    ok(kc, "%%parallel --quiet\nrank")


def test_deadlock_is_reported(kc):
    reply = error(kc, "%%parallel --workers 2 --quiet\nawait comm.recv(1 - rank)")
    assert reply["ename"] == "DeadlockError"
    assert "w0 waits in recv(from w1)" in reply["evalue"] and "w1 waits in recv(from w0)" in reply["evalue"]
    ok(kc, "%%parallel --quiet\nrank")


def test_shared_memory_race_and_mutex(kc):
    ok(kc, 'import { shared, Mutex } from "paralab";\nconst counter = shared.int32(1);\nconst lock = new Mutex();')
    ok(kc, "%%parallel --workers 2 --quiet\nfor (let i = 0; i < 20000; i++) { lock.lock(); counter[0]++; lock.unlock(); }")
    out = ok(kc, "counter[0]")
    assert results_of(out)[0]["text/plain"] == "40000"


def test_task_error_names_worker_index_and_line(kc):
    reply = error(kc, "%%parallel --map [1, 2, 3] --chunksize 1\nconst y = item * 2;\nif (item === 2) throw new Error('bad item');\ny")
    assert reply["ename"] == "TaskFailedError"
    assert "task 1" in reply["evalue"] and "bad item" in reply["evalue"] and "at cell line 3" in reply["evalue"]
    assert "[w" in reply["evalue"]


def test_continue_on_error_keeps_other_results(kc):
    reply, out = run(kc, "%%parallel --map [1, 2, 3] --continue-on-error --quiet\nif (item === 2) throw new Error('two'); item")
    assert reply["status"] == "ok"
    assert results_of(out)[0]["text/plain"] == "[ 1, undefined, 3 ]"
    assert "two" in stdout_of(out, "stderr")


def test_type_errors_use_cell_lines_and_nothing_runs(kc):
    reply = error(kc, "%%parallel --quiet\nconsole.log('ran');\nconst n: number = 'text';")
    assert reply["ename"] == "CompileError"
    assert "cell line 3" in reply["evalue"] and "not assignable to type 'number'" in reply["evalue"]


def test_comm_is_typed_in_spmd_bodies(kc):
    reply = error(kc, "%%parallel --workers 2 --quiet\nconst x: string = await comm.allreduce(rank, 'sum');\ncomm.sendd(0, 1);")
    assert reply["ename"] == "CompileError"
    assert "Property 'sendd' does not exist on type 'Comm'" in reply["evalue"]
    assert "cell line 3" in reply["evalue"]
    reply, out = run(kc, "%%parallel --workers 2 --quiet\nconst n: number = await comm.allreduce(rank + 1, 'sum'); n")
    assert reply["status"] == "ok" and results_of(out)[0]["text/plain"] == "[ 3, 3 ]"


def test_uncloneable_variable_is_named(kc):
    ok(kc, 'import net from "node:net";\nconst sock = new net.Socket();')
    reply = error(kc, "%%parallel --quiet\nsock")
    assert reply["ename"] == "VariableError"
    assert "`sock` is a Socket and cannot be cloned to a worker" in reply["evalue"]


def test_closure_is_named(kc):
    ok(kc, "function makeAdder(n: number) { return (x: number) => x + n; }\nconst add5 = makeAdder(5);")
    reply = error(kc, "%%parallel --map [1] --quiet\nadd5(item)")
    assert "`add5` is a closure over `n`" in reply["evalue"]


@pytest.mark.parametrize("cell,message", [
    ("%%parallel --worker 2\n1", "unknown option --worker. Did you mean --workers?"),
    ("%%parallel --workers 0\n1", '--workers must be a positive integer, got "0"'),
    ("%%parallel --as x\n1", "--as only applies in map mode"),
    ("%%parallel --map 42\n1", "--map 42 must be iterable"),
    ("%%parallel --no-block\n1", "--no-block needs --out NAME"),
    ("%%parallel --processes --share a\n1", "--share cannot work with --processes"),
    ("%%parallel --schedule fast --map [1]\n1", "--schedule must be one of dynamic, static"),
])
def test_bad_options_are_clear_errors_and_nothing_runs(kc, cell, message):
    reply = error(kc, cell)
    assert reply["ename"] == "MagicOptionError"
    assert message in reply["evalue"]


def test_processes_run_in_other_processes(kc):
    out = ok(kc, "%%parallel --processes --workers 2 --quiet\nprocess.pid")
    pids = json.loads(results_of(out)[0]["text/plain"].replace(" ", ""))
    kernel_pid = json.loads(results_of(ok(kc, "process.pid"))[0]["text/plain"])
    assert len(set(pids)) == 2 and kernel_pid not in pids


def test_interrupt_stops_endless_loop_within_a_second(kc, km):
    msg_id = kc.execute("%%parallel --workers 2 --quiet\nwhile (true) {}")
    time.sleep(1.5)
    t0 = time.time()
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, 10)
    elapsed = time.time() - t0
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert elapsed < 1.0, f"interrupt took {elapsed:.2f} s"
    out = ok(kc, "%%parallel --workers 2 --quiet\nrank")
    assert results_of(out)[0]["text/plain"] == "[ 0, 1 ]"


def test_timeout_cancels(kc):
    reply = error(kc, "%%parallel --timeout 0.5 --quiet\nwhile (true) {}")
    assert reply["ename"] == "TimeoutError" and "--timeout 0.5 s" in reply["evalue"]
    ok(kc, "%%parallel --quiet\nrank")


def test_crashing_worker_is_replaced(kc):
    reply = error(kc, "%%parallel --workers 2 --quiet\nif (rank === 1) process.exit(3); rank")
    assert reply["ename"] == "WorkerExitError" and "[w1]" in reply["evalue"]
    ok(kc, "%%parallel --workers 2 --quiet\nrank")


def test_no_block_handle(kc):
    out = ok(kc, "%%parallel --map [1, 2, 3] --no-block --out job --quiet\nawait new Promise((r) => setTimeout(r, 300)); item * 2")
    assert "job is its handle" in stdout_of(out)
    out = ok(kc, "job.done")
    assert results_of(out)[0]["text/plain"] == "false"
    out = ok(kc, "await job")
    assert results_of(out)[0]["text/plain"] == "[ 2, 4, 6 ]"
    out = ok(kc, "[job.done, job.timings!.length > 0]")
    assert results_of(out)[0]["text/plain"] == "[ true, true ]"


def test_compare_and_scaling_charts(kc):
    out = ok(kc, "%%parallel --map Array.from({length: 4}, (_, i) => i) --compare\nlet s = 0; for (let i = 0; i < 2e6; i++) s += i; s")
    record = displays(out)[-1][RUN_MIME]
    assert record["compare"]["serialMs"] > 0 and record["compare"]["speedup"] > 0
    out = ok(kc, "%%parallel --map Array.from({length: 4}, (_, i) => i) --scaling 1,2\nlet s = 0; for (let i = 0; i < 2e6; i++) s += i; s")
    scaling = displays(out)[-1][SCALING_MIME]
    assert [p["workers"] for p in scaling["points"]] == [1, 2]
    # a busy machine can make this a slowdown, which gets no serial fraction (README, Magics: how runs are measured)
    assert scaling["fit"]["quality"] == "slowdown" or 0 <= scaling["serialFraction"] <= 1


def test_scaling_slowdown_gets_no_serial_fraction(kc):
    # each rank does size × the work: 2 workers take twice as long as 1, a certain slowdown
    out = ok(kc, "%%parallel --scaling 1,2\nlet s = 0; for (let i = 0; i < 3e7 * size; i++) s += i; s")
    scaling = displays(out)[-1][SCALING_MIME]
    assert [p["workers"] for p in scaling["points"]] == [1, 2]
    assert scaling["points"][1]["speedup"] < 1, scaling["points"]
    assert scaling["fit"]["quality"] == "slowdown" and "serialFraction" not in scaling, scaling
    assert scaling["amdahl"] == []
    words = displays(out)[-1]["text/plain"]
    assert "no Amdahl fit: a slowdown" in words and "give each task more work" in words, words
    assert "serial fraction" not in words, words


def test_parallel_map_runs_on_the_items_as_they_were_when_called(kc):
    """The caller's array is not the run's: changing it after the call changes no result, whether the
    items travel packed as numbers (100 of them) or as they are (a few, or not numbers)."""
    out = ok(kc, 'import { parallel } from "paralab";\n'
                 'const nums = Array.from({ length: 100 }, (_, i) => i);\n'
                 'const few = [1, 2, 3];\n'
                 'const words = ["a", "b"];\n'
                 'const runs = [parallel.map((x: number) => x * 10, nums), parallel.map((x: number) => x * 10, few),\n'
                 '  parallel.map((w: string) => w + "!", words)];\n'
                 'nums.fill(-1); few.fill(-1); words.fill("z");\n'
                 'const [a, b, c] = await Promise.all(runs);\n'
                 '[a[99], a.length, b.join(), c.join()].join(" ")')
    assert results_of(out)[0]["text/plain"] == "'990 100 10,20,30 a!,b!'"


def test_parallel_map_api(kc):
    out = ok(kc, 'import { parallel } from "paralab";\nawait parallel.map((x: number) => x * 3, [1, 2, 3])')
    assert results_of(out)[0]["text/plain"] == "[ 3, 6, 9 ]"
    out = ok(kc, 'import { parallel } from "paralab";\nawait parallel.spmd(({ rank, size }) => rank + size, { workers: 2 })')
    assert results_of(out)[0]["text/plain"] == "[ 2, 3 ]"


def test_workers_magic(kc):
    out = ok(kc, "%workers")
    assert "rank" in stdout_of(out) and "w0" in stdout_of(out)
    out = ok(kc, "%workers 3")
    assert "The pool has 3 workers" in stdout_of(out)
    out = ok(kc, "%%parallel --quiet\nrank")
    assert results_of(out)[0]["text/plain"] == "[ 0, 1, 2 ]"
    out = ok(kc, "%workers restart")
    assert "state was lost" in stdout_of(out)
    reply = error(kc, "%workers many")
    assert 'expected a positive number of workers or "restart", got "many"' in reply["evalue"]
    ok(kc, "%workers 2")


def test_a_lock_order_deadlock_names_the_locks_and_the_kernel_lives_on(kc):
    ok(kc, 'import { Mutex } from "paralab";\nconst forkA = new Mutex();\nconst forkB = new Mutex();')
    reply = error(
        kc,
        "%%parallel --workers 2\nawait comm.barrier();\nconst [first, second] = rank === 0 ? [forkA, forkB] : [forkB, forkA];\n"
        "first.lock();\nAtomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);\nsecond.lock();",
    )
    assert reply["ename"] == "DeadlockError"
    assert "w0 waits to lock `forkB` (held by w1); w1 waits to lock `forkA` (held by w0)" in reply["evalue"]
    assert "Take locks in one global order" in reply["evalue"]
    out = ok(kc, "%%parallel --workers 2 --quiet\nrank")
    assert results_of(out)[0]["text/plain"] == "[ 0, 1 ]"


def test_a_no_block_run_shows_its_report_in_the_cell_that_awaits_it(kc):
    ok(kc, "%%parallel --map [1, 2, 3] --no-block --out later\nawait new Promise((r) => setTimeout(r, 200)); item")
    ok(kc, "await new Promise((r) => setTimeout(r, 1500));")  # the run ends while no cell of it runs
    out = ok(kc, "await later")
    assert results_of(out)[0]["text/plain"] == "[ 1, 2, 3 ]"
    record = displays(out)[-1][RUN_MIME]
    assert record["items"] == 3, "the report arrived with the results"


def test_cancel_is_not_an_interrupt(kc):
    ok(kc, "%%parallel --map [1, 2, 3, 4] --chunksize 1 --no-block --out stopped --quiet\nawait new Promise((r) => setTimeout(r, 2000)); item")
    out = ok(kc, "stopped.cancel();\nlet why = '';\ntry { await stopped; } catch (e) { why = (e as Error).name; }\nwhy")
    assert results_of(out)[0]["text/plain"] == "'TaskAbortedError'"


# Decodes the PNG and finds where its timeline draws each lane and each ms (the same config drawn
# at the same size), then prints the tasks with no ink at their middle in their lane.
PNG_INK_CHECK = r"""
const fs = require("fs");
const path = require("path");
const dist = path.resolve(process.argv[1], "kernel/dist/charts");
const { createCanvas, Image } = require("@napi-rs/canvas");
const { chartConfigsFor, RUN_MIME, LIGHT_THEME } = require(dist + "/index.js");
const png = require(dist + "/png.js");
const record = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const buf = fs.readFileSync(process.argv[3]);
const img = new Image();
img.src = buf;
const ctx = createCanvas(img.width, img.height).getContext("2d");
ctx.drawImage(img, 0, 0);
const data = ctx.getImageData(0, 0, img.width, img.height).data;
const font = png.setUpPngRendering();
const theme = font ? { ...LIGHT_THEME, fontFamily: png.PNG_FONT_FAMILY } : LIGHT_THEME;
const [timeline] = chartConfigsFor(RUN_MIME, record, theme, { static: true, referenceWidthPx: img.width });
let g;
const probe = { id: "probe", afterDraw(chart) { g = { x: chart.scales.x, y: chart.scales.y }; } };
const height = png.chartHeightPx(timeline, img.width);
const missing = [];
png.withChartCanvas({ ...timeline, plugins: [probe] }, theme, img.width, height, () => {
  const at = (x, y) => [...data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 3)];
  const bg = at(2, 2);
  const ink = (x, y) => at(x, y).reduce((d, v, i) => d + Math.abs(v - bg[i]), 0) > 20;
  for (const t of record.tasks) {
    const x = Math.round(g.x.getPixelForValue((t.startMs + t.endMs) / 2 - record.startMs));
    const y = Math.round(g.y.getPixelForValue(t.rank));
    if (!(ink(x, y) || ink(x - 1, y) || ink(x + 1, y))) missing.push(`task ${t.index} on w${t.rank} at ${x},${y}`);
  }
});
console.log(JSON.stringify({ missing: missing.slice(0, 10), count: missing.length }));
"""


def test_4000_task_png_draws_every_task(kc, tmp_path):
    # notebook 02: 4000 one-item tasks, most far thinner than a pixel, merge into strips on their lane
    ok(kc, "const many = Array.from({ length: 4000 }, (_, i) => i);")
    out = ok(kc, "%%parallel --map many --chunksize 1 --workers 2\nMath.sqrt(item)")
    bundle = displays(out)[-1]
    record = bundle[RUN_MIME]
    assert len(record["tasks"]) == 4000 and {t["rank"] for t in record["tasks"]} == {0, 1}
    # one meaning for CPU: the tasks' CPU is named in-task CPU, and the workers' thread clocks, which
    # count the messaging that dominates here, are reported beside it (notebook 02's lesson)
    words = bundle["text/plain"]
    assert re.search(r"wall, [\d.]+ (ms|µs) in-task CPU; ", words), words
    assert re.search(r"worker CPU \(thread clock, tasks and messaging\) \d\.\d of 2: the difference went to messages", words), words
    (tmp_path / "record.json").write_text(json.dumps(record))
    (tmp_path / "run.png").write_bytes(base64.b64decode(bundle["image/png"]))
    import os
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    checked = subprocess.run(
        ["node", "-e", PNG_INK_CHECK, root, str(tmp_path / "record.json"), str(tmp_path / "run.png")],
        cwd=root, capture_output=True, text=True, timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout)
    assert result["count"] == 0, result
