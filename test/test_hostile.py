"""What hostile cells find (issue #16): each mistake gets an answer that names it and the way out,
and the kernel and its workers live on with their state. A real kernel through jupyter_client."""
import random
import re
import time

import pytest

from conftest import error, ok, results_of, run, stdout_of


def value(outputs):
    return results_of(outputs)[0]["text/plain"]


def workers_table(kc):
    """%workers: {kind: number of rows} for each pool listed."""
    text = stdout_of(ok(kc, "%workers"))
    return {m[1]: int(m[0]) for m in re.findall(r"^(\d+) (thread|process) workers on", text, re.M)}


@pytest.fixture(autouse=True)
def two_thread_workers(kc):
    ok(kc, "%workers 2")
    yield


# A pool that will not fit


def test_a_pool_that_will_not_fit_is_refused_before_it_starts(kc):
    reply, outputs = run(kc, "%%parallel --workers 100000 --quiet\nrank")
    assert reply["status"] == "error" and reply["ename"] == "PoolMemoryError", reply
    text = reply["evalue"]
    assert text.startswith("%%parallel: 100000 thread workers will not fit in memory")
    assert re.search(r"each to start, measured on this pool's first workers, plus 64 MB each to work in\), and [\d.]+ [GM]B is available", text)
    assert text.endswith("if you mean it: %%parallel --workers 100000 --no-memory-check")
    assert "per core" in stdout_of(outputs, "stderr")
    assert workers_table(kc)["thread"] == 2
    reply = error(kc, "%workers 100000")
    assert reply["ename"] == "PoolMemoryError" and reply["evalue"].endswith("%workers 100000 --no-memory-check")
    assert workers_table(kc)["thread"] == 2
    assert value(ok(kc, "%%parallel --quiet\nrank")) == "[ 0, 1 ]"


def test_the_api_is_refused_in_its_own_words(kc):
    reply = error(kc, 'import { parallel } from "paralab";\nawait parallel.map((x: number) => x, [1], { workers: 100000 })')
    assert reply["ename"] == "PoolMemoryError"
    assert reply["evalue"].startswith("parallel.map: 100000 thread workers will not fit in memory")
    assert reply["evalue"].endswith("parallel.map(..., { workers: 100000, noMemoryCheck: true })")


def test_workers_shows_the_size_a_cell_grew_the_pool_to(kc):
    out = ok(kc, "%%parallel --workers 3 --quiet\nrank")
    assert "the pool now has 3 (it was 2; %workers 2 shrinks it)" in stdout_of(out)
    assert workers_table(kc)["thread"] == 3
    assert value(ok(kc, "%%parallel --quiet\nrank")) == "[ 0, 1, 2 ]"


@pytest.mark.parametrize("kind", ["", "--processes "])
def test_interrupt_while_workers_start_leaves_the_pool_as_it_was(kc, km, kind):
    ok(kc, f"%%parallel {kind}--workers 2 --quiet\nrank")
    msg_id = kc.execute(f"%%parallel {kind}--workers 40 --no-memory-check --quiet\nrank")
    while True:  # interrupt as soon as the cell runs, while its 38 new workers start
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    km.interrupt_kernel()
    reply, outputs = run_until_idle(kc, msg_id)
    assert reply["ename"] == "KeyboardInterrupt", reply
    assert "the pool is back to 2 workers. Nothing ran." in reply["evalue"]
    assert workers_table(kc)["process" if kind else "thread"] == 2
    reply, outputs = run(kc, f"%%parallel {kind}--timeout 1 --quiet\nwhile (true) {{}}")
    assert reply["ename"] == "TimeoutError" and "Started" not in stdout_of(outputs)
    reply = error(kc, f"%%parallel {kind}--quiet\nawait comm.recv()")
    assert reply["ename"] == "DeadlockError"
    assert "w0 waits in recv" in reply["evalue"] and "w1 waits in recv" in reply["evalue"] and "w2" not in reply["evalue"]


def run_until_idle(kc, msg_id):
    from conftest import shell_reply

    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append(msg)
    return shell_reply(kc, msg_id)["content"], outputs


# Errors no task awaited: the worker survives what the kernel survives


@pytest.mark.parametrize("kind", ["", "--processes "])
def test_an_unawaited_rejection_or_a_throw_in_a_callback_keeps_the_worker(kc, kind):
    ok(kc, f"%%parallel {kind}--quiet\nconst kept = 40 + rank;")
    out = ok(kc, f"%%parallel {kind}--quiet\nPromise.reject(new Error('nobody awaits me')); rank")
    assert value(out) == "[ 0, 1 ]"
    warnings = stdout_of(out, "stderr")
    for w in ("w0", "w1"):
        assert (
            f"Warning: worker {w}: a promise was rejected and nothing awaited it (Error: nobody awaits me). "
            "The worker caught it and kept its state; await the promise, or add .catch(...) where it is made." in warnings
        )
    out = ok(kc, f"%%parallel {kind}--quiet\nif (rank === 1) setTimeout(() => {{ throw new RangeError('late'); }}, 50); kept")
    assert value(out) == "[ 40, 41 ]"
    # Reported on the cell that runs when it happens (here the next one, which outlasts the timer).
    out = ok(kc, "await new Promise((r) => setTimeout(r, 1000)); 'waited'")
    assert (
        "Warning: worker w1: an error was thrown outside the running code, in a callback such as setTimeout "
        "(RangeError: late). The worker caught it and kept its state" in stdout_of(out, "stderr")
    )
    assert value(ok(kc, f"%%parallel {kind}--quiet\nkept")) == "[ 40, 41 ]"


def test_the_kernel_reports_its_own_unawaited_rejection_on_the_next_cell(kc):
    ok(kc, "Promise.reject(new TypeError('kernel side')); 1")
    out = ok(kc, "await new Promise((r) => setTimeout(r, 200)); 2")
    assert "Warning: the kernel: a promise was rejected and nothing awaited it (TypeError: kernel side)" in stdout_of(
        out, "stderr"
    )


def test_a_restart_during_a_background_run_says_the_pool_was_restarted_not_exit_code_null(kc, tmp_path):
    # Each task marks that it runs, then waits; %workers restart comes once both run (no timing).
    ok(kc, f"%%parallel --map [0, 1] --chunksize 1 --no-block --out h\n"
           f"require('fs').writeFileSync('{tmp_path}/started-' + item, '');\n"
           "await new Promise((r) => setTimeout(r, 60000)); item")
    ok(kc, f"while (!['0', '1'].every((i) => require('fs').existsSync('{tmp_path}/started-' + i)))\n"
           "  await new Promise((r) => setTimeout(r, 20));")
    ok(kc, "%workers restart")
    reply = error(kc, "await h")
    assert reply["ename"] == "WorkerExitError", reply
    assert re.search(r"\[w[01]\] was stopped while running task\(s\) [01]: the pool was restarted \(%workers restart\)\. "
                     r"Its state is lost; run the cell again\.", reply["evalue"]), reply["evalue"]
    assert "exit code" not in reply["evalue"] and "null" not in reply["evalue"]
    assert value(ok(kc, "%%parallel --quiet\nrank")) == "[ 0, 1 ]"


def test_an_interrupt_keeps_idle_process_workers_and_their_state(kc, km):
    ok(kc, "%%parallel --processes --quiet\nconst pstate = rank + 100;")
    msg_id = kc.execute("while (true) {}")
    while True:
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    time.sleep(0.5)  # a person presses stop once the cell is seen running
    km.interrupt_kernel()
    reply, _ = run_until_idle(kc, msg_id)
    assert reply["ename"] == "KeyboardInterrupt"
    assert value(ok(kc, "%%parallel --processes --quiet\npstate")) == "[ 100, 101 ]"


# Results that cannot be sent back


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("%%parallel --quiet\n() => 1", r"\[w(\d)\] rank \1 returned a function, which cannot be sent back to the kernel"),
        ("%%parallel --quiet\nnew WeakMap()", r"rank \d returned a WeakMap, which cannot be sent back"),
        ("%%parallel --quiet\nSymbol('x')", r"rank \d returned a Symbol, which cannot be sent back"),
        ("%%parallel --quiet\n({ total: 3, log: console.log })", r"returned a value whose \.log is a function \(log\)"),
        ("%%parallel --map [1, 2] --quiet\n() => item", r"\[w(\d)\] item \d \(on w\1\) returned a function, which cannot be sent back"),
        ("%%parallel --processes --quiet\n() => 1", r"rank \d returned a function, which cannot be sent back"),
    ],
)
def test_a_result_that_cannot_be_sent_back_is_named_and_the_worker_kept(kc, cell, expected):
    kind = "--processes " if "--processes" in cell else ""
    ok(kc, f"%%parallel {kind}--quiet\nconst mine = rank * 10;")
    reply = error(kc, cell)
    assert reply["ename"] == "ResultCloneError", reply
    assert re.search(expected, reply["evalue"]) and reply["evalue"].endswith("The worker kept its state.")
    assert value(ok(kc, f"%%parallel {kind}--quiet\nmine")) == "[ 0, 10 ]"


def test_with_continue_on_error_only_the_bad_items_fail(kc):
    out = ok(kc, "%%parallel --map [1, 2, 3] --continue-on-error --quiet\nitem === 2 ? () => item : item * 10")
    assert value(out) == "[ 10, undefined, 30 ]"
    assert "item 1 (on w" in stdout_of(out, "stderr") and "call it: fn()" in stdout_of(out, "stderr")


def test_a_thrown_object_shows_its_json(kc):
    reply = error(kc, "%%parallel --quiet\nthrow { code: 42, why: 'no' };")
    assert '{"code":42,"why":"no"} (a thrown object, not an Error' in reply["evalue"]
    assert "[object Object]" not in reply["evalue"]


# The kernel itself


def test_process_exit_in_a_cell_is_refused_and_the_kernel_lives_on(kc):
    ok(kc, "const survivor = 'still here';")
    reply = error(kc, "process.exit(0)")
    assert reply["ename"] == "ProcessExitError"
    assert reply["evalue"].startswith("process.exit(0) would end the kernel")
    assert "Kernel → Restart or Kernel → Shut Down" in reply["evalue"]
    assert value(ok(kc, "survivor")) == "'still here'"


def test_a_megabyte_of_junk_gets_a_short_answer(kc):
    rng = random.Random(16)
    junk = "".join(rng.choice("ab xy(){};=+-*/\n'<>!?.,019") for _ in range(50_000))
    reply = error(kc, junk)
    assert reply["ename"] == "CompileError"
    assert re.search(r"… and [\d,]+ more errors \(fix the first ones", reply["evalue"])
    assert len(reply["evalue"]) < 20_000
    assert value(ok(kc, "1 + 1")) == "2"


# Worker memory


def test_a_worker_out_of_memory_names_the_way_to_raise_its_limit(kc):
    default = int(re.search(r"heap limit (\d+) MB per worker", stdout_of(ok(kc, "%workers")))[1])
    out = ok(kc, "%workers --memory 64")
    assert "Each worker now has a heap limit of 64 MB; the workers restarted (worker state was lost)." in stdout_of(out)
    assert "heap limit 64 MB per worker (%workers --memory MB changes it)" in stdout_of(ok(kc, "%workers"))
    reply = error(kc, "%%parallel --quiet\nconst hog: number[][] = []; while (true) hog.push(new Array(1e5).fill(rank));")
    assert reply["ename"] == "WorkerExitError"
    assert "it ran out of memory (its heap limit of 64 MB); use less memory per worker, or raise the limit: %workers --memory 128" in reply["evalue"]
    ok(kc, f"%workers --memory {default}")
    assert value(ok(kc, "%%parallel --quiet\nrank")) == "[ 0, 1 ]"


# Data that does not travel as one might think


def test_share_of_a_plain_array_says_it_was_copied(kc):
    ok(kc, "const plain = [0, 0];")
    out = ok(kc, "%%parallel --share plain --quiet\nplain[rank] = 1; plain[rank]")
    note = stdout_of(out, "stderr")
    assert "Note: --share plain: `plain` is a plain Array, not shared memory, so each worker got its own copy" in note
    assert "shared.float64(2)" in note


def test_class_instances_sent_by_map_are_named(kc):
    ok(kc, "class Celsius { constructor(public deg: number) {} toF() { return this.deg * 1.8 + 32; } }\nconst temps = [new Celsius(0), new Celsius(100)];")
    out = ok(kc, "%%parallel --map temps --quiet\nitem.deg")
    assert value(out) == "[ 0, 100 ]"
    assert "Note: --map items are instances of Celsius (item 0 is a Celsius); a worker gets plain copies of their data without Celsius's methods" in stdout_of(out, "stderr")


# Already built (issue #16), tested here end to end


def test_map_expressions_keep_their_meaning(kc):
    assert value(ok(kc, "%%parallel --map new Set([1, 2, 3]) --quiet\nitem * 2")) == "[ 2, 4, 6 ]"
    assert value(ok(kc, "%%parallel --map 'abc' --quiet\nitem.toUpperCase()")) == "[ 'A', 'B', 'C' ]"


def test_a_cell_magic_on_line_2_says_it_must_be_first(kc):
    reply = error(kc, "const before = 1;\n%%parallel --quiet\nrank")
    assert reply["ename"] == "MagicOptionError"
    assert "%%parallel is on line 2 of the cell, but a cell magic must be its first line" in reply["evalue"]


def test_monitor_options_are_parsed_like_every_magic(kc):
    reply, outputs = run(kc, "%monitor --help")
    assert reply["status"] == "ok"
    assert "Usage: %monitor" in stdout_of(outputs)
    assert not [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data")]
    reply = error(kc, "%monitor --bogus")
    assert reply["ename"] == "MagicOptionError" and "unknown option --bogus" in reply["evalue"]
    reply = error(kc, "%lsmagic --bogus")
    assert reply["ename"] == "MagicOptionError" and "unknown option --bogus" in reply["evalue"]
    reply, outputs = run(kc, "%monitor --duration 2")
    final = [m for m in outputs if m["msg_type"] == "update_display_data"][-1]["content"]["data"]
    record = final["application/vnd.paralab.monitor.v1+json"]
    assert record["done"] is True and record["durationMs"] == 2000


def test_unicode_variable_names_work_with_as(kc):
    assert value(ok(kc, "%%parallel --map [1, 2] --as ñ --quiet\nñ * 10")) == "[ 10, 20 ]"
    reply = error(kc, "%%parallel --map [1, 2] --as 2x --quiet\n1")
    assert reply["ename"] == "MagicOptionError" and "--as" in reply["evalue"]


@pytest.mark.parametrize("use", ["await parallel.map((x: number) => x, [1])", "compute"])
def test_paralab_api_in_a_parallel_cell_says_nesting_is_not_supported(kc, use):
    ok(kc, 'import { parallel, compute } from "paralab";')
    reply = error(kc, f"%%parallel --workers 1 --quiet\n{use}")
    assert reply["ename"] == "VariableError", reply
    assert "a worker has no pool of its own, so nested parallelism is not supported" in reply["evalue"]
    assert "Flatten the work into one parallel.map" in reply["evalue"]
    reply = error(kc, '%%parallel --workers 1 --quiet\nconst p = require("paralab");\nawait p.parallel.map((x: number) => x, [1])')
    assert "parallel.map: nested parallelism is not supported: this code runs on a paralab worker" in reply["evalue"]


# Issue 23


def test_await_on_a_parenthesized_cast_runs_at_the_top_level(kc):
    ok(kc, "async function ff(a: number, b: number) { return a + b }\nconst f = ff;")
    assert value(ok(kc, "await (ff as any)(1, 2)")) == "3"
    assert value(ok(kc, "const r = await (f as any)(1, 2); r")) == "3"
    assert value(ok(kc, "if (true) { await (ff as any)(1, 2) }")) == "3"
    assert value(ok(kc, "r + 1")) == "4"


def test_a_graph_changed_into_a_cycle_is_refused_by_compute_naming_the_cycle(kc):
    ok(kc, 'import { delayed, compute } from "paralab";\nconst bump = delayed((x: number) => x + 1);')
    ok(
        kc,
        "const ca = bump(1);\nconst cb = bump(ca);\n"
        "(ca as any).node.inputs.push((cb as any).node);\n(ca as any).node.refs.push({ path: [1], id: cb.id });",
    )
    reply = error(kc, "await compute(cb)")
    assert reply["ename"] == "GraphCycleError", reply
    m = re.match(r"compute: the graph has a cycle, so none of its tasks can start: (bump#\d+) → (bump#\d+) → \1, each reading the next", reply["evalue"])
    assert m, reply["evalue"]
    assert f"({m[1]} is bump, delayed at cell line 2; {m[2]} is bump, delayed at cell line 2)" in reply["evalue"]
    assert "Nothing ran." in reply["evalue"]
    assert "Make the nodes again with delayed calls, each given only values and nodes made before it." in reply["evalue"]
    assert value(ok(kc, "ca.status + ' ' + cb.status")) == "'pending pending'"
    assert value(ok(kc, "await compute(bump(bump(1)), { quiet: true })")) == "[ 3 ]"


def test_a_clone_error_inside_a_graph_error_reads_without_a_double_period(kc):
    ok(kc, 'import { delayed, compute } from "paralab";\nconst count = delayed((xs: unknown[]) => xs.length);\nconst held: unknown[] = [1];\nconst counted = count(held);\nheld.push(() => 1);')
    reply = error(kc, "await compute(counted, { quiet: true })")
    assert reply["ename"] == "GraphTaskError", reply
    text = reply["evalue"]
    assert "CloneError: `the arguments of count#" in text and "cannot be cloned to a worker (" in text
    assert "typed arrays, Maps, Sets). 0 tasks finished" in text, text
    assert not re.search(r"(?<!\.)\.\.(?!\.)", text), text


@pytest.mark.parametrize("thrown", ["null", "undefined"])
def test_throwing_null_or_undefined_says_null_or_undefined_was_thrown(kc, thrown):
    for cell in (f"throw {thrown}", f"%%parallel --workers 1 --quiet\nthrow {thrown}"):
        reply = error(kc, cell)
        assert f"{thrown} was thrown" in reply["evalue"], reply
        assert "not an Error; throw new Error(...) to get a message and a stack" in reply["evalue"]
        assert "a thrown object" not in reply["evalue"] and "a thrown undefined" not in reply["evalue"]
    assert value(ok(kc, "1 + 1")) == "2"
