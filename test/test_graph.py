"""Task graphs through the real kernel (README, Magics: task graphs): delayed/compute, the graph chart, errors that
name the task, skipped dependents, re-running only what failed, interrupt, timeout, processes."""
import json
import re
import time

import pytest

from conftest import error, ok, results_of, run, shell_reply, stdout_of

GRAPH_MIME = "application/vnd.paralab.graph.v1+json"

DEFINITIONS = """
function makeData(part: number): Float64Array { const a = new Float64Array(1000); for (let i = 0; i < a.length; i++) a[i] = part; return a; }
interface Stats { n: number; sum: number }
function summarise(xs: Float64Array): Stats { let sum = 0; for (const x of xs) sum += x; return { n: xs.length, sum }; }
function combine(s: Stats[]): Stats { return { n: s.reduce((a, b) => a + b.n, 0), sum: s.reduce((a, b) => a + b.sum, 0) }; }
"""

EXAMPLE = """import { delayed, compute } from "paralab";
const load = delayed((part: number): Float64Array => makeData(part));
const stats = delayed((xs: Float64Array) => summarise(xs));
const merge = delayed((...s: Stats[]) => combine(s));
const result = merge(...[0, 1, 2, 3].map((p) => stats(load(p))));
"""


def graphs_of(outputs):
    return [m["content"]["data"] for m in outputs if m["msg_type"] == "display_data" and GRAPH_MIME in m["content"]["data"]]


def test_the_spec_example_draws_the_graph_then_runs_it(kc):
    ok(kc, DEFINITIONS)
    out = ok(kc, EXAMPLE + "result.visualize();")
    [before] = graphs_of(out)
    assert set(before) == {GRAPH_MIME, "image/png", "text/plain"}
    record = before[GRAPH_MIME]
    assert record["ran"] is False
    assert [n["label"] for n in record["nodes"]].count("load") == 4
    assert {n["status"] for n in record["nodes"]} == {"pending"}
    assert record["workSpan"] == {
        "unit": "tasks",
        "work": 9,
        "span": 3,
        "parallelism": 3,
        "criticalPath": record["workSpan"]["criticalPath"],
    }
    assert [n["cellLine"] for n in record["nodes"] if n["label"] == "merge"] == [4]
    assert before["text/plain"].startswith("task graph of 9 tasks, not run yet")

    out = ok(kc, "const [r] = await compute(result, { workers: 2 });\nr")
    assert results_of(out)[0]["text/plain"] == "{ n: 4000, sum: 6000 }"
    [after] = graphs_of(out)
    record = after[GRAPH_MIME]
    assert record["ran"] is True and record["workers"] == 2 and record["workerKind"] == "thread"
    assert record["counts"] == {"ok": 9}
    assert {n["rank"] for n in record["nodes"]} <= {0, 1}
    # Only the merged result comes back to the kernel; the arrays stay on the workers.
    assert record["bytesOut"] < 100
    assert all(e["path"] in ("local", "port") for e in record["edges"])
    # Microseconds of work: the measurement rules say so instead of printing a ratio.
    assert "too short to judge work ÷ wall" in after["text/plain"]


def test_a_failing_task_names_itself_skips_its_dependents_and_a_second_compute_runs_only_those(kc):
    ok(kc, "let broken = true;")
    ok(
        kc,
        """import { delayed, compute } from "paralab";
const part = delayed((x: number) => { if (broken && x === 2) throw new RangeError(`bad part ${x}`); return x * 10; });
const parts = [1, 2, 3].map((x) => part(x));
const total = delayed((...xs: number[]) => xs.reduce((a, b) => a + b, 0));
const sum = total(...parts);""",
    )
    reply = error(kc, "await compute(sum, { workers: 2 });")
    assert reply["ename"] == "GraphTaskError"
    evalue = reply["evalue"]
    assert "task part#" in evalue and "(part, delayed at cell line 2) failed" in evalue
    assert "RangeError: bad part 2" in evalue
    assert "1 task that depends on it was skipped (total#" in evalue
    assert "2 tasks finished and their results are kept" in evalue
    assert "call compute again: it runs only the failed and skipped tasks" in evalue

    ok(kc, "broken = false;")
    out = ok(kc, "const [s] = await compute(sum, { workers: 2 });\ns")
    assert results_of(out)[0]["text/plain"] == "60"
    [chart] = graphs_of(out)
    assert chart[GRAPH_MIME]["counts"] == {"ok": 2, "kept": 2}


def test_the_failed_run_shows_skipped_tasks_in_its_chart(kc):
    reply, outputs = run(
        kc,
        """import { delayed, compute } from "paralab";
const boom = delayed((): number => { throw new Error("no"); });
const after1 = delayed((x: number) => x + 1);
const seven = delayed(() => 7);
await compute(after1(boom()), seven(), { workers: 2 });""",
    )
    assert reply["status"] == "error"
    [chart] = graphs_of(outputs)
    statuses = {n["label"]: n["status"] for n in chart[GRAPH_MIME]["nodes"]}
    assert statuses == {"boom": "error", "after1": "skipped", "seven": "ok"}
    assert "1 failed, 1 skipped" in chart["text/plain"]


def test_type_errors_point_at_the_cell_line_where_the_node_is_made(kc):
    reply = error(
        kc,
        """import { delayed } from "paralab";
const twice = delayed((x: number) => x * 2);
const bad = twice("three");""",
    )
    assert reply["ename"] == "CompileError"
    assert reply["evalue"].startswith("3:")


def test_a_function_that_closes_over_a_local_is_refused_at_its_delayed_line(kc):
    reply = error(
        kc,
        """import { delayed } from "paralab";
function make() {
  const secret = 42;
  return delayed((x: number) => x + secret);
}
const f = make();""",
    )
    assert reply["ename"] == "GraphError"
    assert "closure over `secret`" in reply["evalue"]


def test_compute_rejects_what_is_not_a_node(kc):
    reply = error(kc, 'import { compute } from "paralab";\nconst untyped: any = compute;\nawait untyped(42, [1]);')
    assert reply["ename"] == "GraphError"
    assert "argument 1 is a number (42), not a delayed value" in reply["evalue"]


def test_interrupt_cancels_the_graph_and_the_kernel_stays_usable(kc, km):
    ok(kc, 'import { delayed, compute } from "paralab";\nconst spin = delayed((): number => { for (;;) {} });')
    msg_id = kc.execute("await compute(spin(), { workers: 2, quiet: true });")
    time.sleep(1.5)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, 30)
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    out = ok(kc, "const [one] = await compute(delayed(() => 1)(), { quiet: true });\none")
    assert results_of(out)[0]["text/plain"] == "1"


def test_timeout_cancels_the_graph(kc):
    reply = error(kc, 'import { delayed, compute } from "paralab";\nawait compute(delayed((): number => { for (;;) {} })(), { timeout: 0.5, quiet: true });')
    assert reply["ename"] == "TimeoutError"
    assert "options.timeout 0.5 s" in reply["evalue"]
    out = ok(kc, "const [two] = await compute(delayed(() => 2)(), { quiet: true });\ntwo")
    assert results_of(out)[0]["text/plain"] == "2"


def test_processes_relay_data_through_the_kernel_process_and_say_so(kc):
    ok(kc, DEFINITIONS)
    out = ok(
        kc,
        EXAMPLE.replace("const ", "const p_").replace("p_load = ", "p_load = ").replace("(...[0, 1, 2, 3].map((p) => stats(load(p))))", "(...[0, 1, 2, 3].map((p) => p_stats(p_load(p))))").replace("p_result = merge(", "p_result = p_merge(")
        + "const [pr] = await compute(p_result, { workers: 2, processes: true });\npr",
    )
    assert results_of(out)[0]["text/plain"] == "{ n: 4000, sum: 6000 }"
    [chart] = graphs_of(out)
    record = chart[GRAPH_MIME]
    assert record["workerKind"] == "process"
    assert {e["path"] for e in record["edges"]} <= {"local", "relay"}
    assert "port" not in {e["path"] for e in record["edges"]}
    if record["bytesMoved"]["relay"]:
        assert "relayed through the kernel process" in chart["text/plain"]


def test_task_output_is_prefixed_by_worker(kc):
    out = ok(kc, 'import { delayed, compute } from "paralab";\nawait compute(delayed(() => console.log("hello from a task"))(), { workers: 1, quiet: true });')
    assert "[w0] hello from a task" in stdout_of(out)


def test_a_function_may_use_a_name_the_same_cell_declares_further_down(kc):
    out = ok(
        kc,
        """import { delayed, compute } from "paralab";
const plusOne = delayed((x: number) => tenfold(x) + 1);
const tenfold = (x: number) => x * 10;
const [v21] = await compute(plusOne(2), { quiet: true });
v21""",
    )
    assert results_of(out)[0]["text/plain"] == "21"


# compute's options are planned as parallel.map's (issue #24 item 4)


def test_compute_refuses_workers_that_will_not_fit_at_once_and_the_kernel_lives_on(kc):
    ok(kc, "%workers 2")
    ok(kc, 'import { delayed, compute } from "paralab";\nconst one = delayed(() => 1)();')
    start = time.monotonic()
    reply, outputs = run(kc, "await compute(one, { workers: 1e9 });")
    assert time.monotonic() - start < 20
    assert reply["status"] == "error" and reply["ename"] == "PoolMemoryError", reply
    text = reply["evalue"]
    assert text.startswith("compute: 1000000000 thread workers will not fit in memory")
    assert text.endswith("if you mean it: compute(..., { workers: 1000000000, noMemoryCheck: true })")
    warning = stdout_of(outputs, "stderr")
    assert "per core" in warning and "otherwise compute(..., { workers: " in warning
    assert re.search(r"^2 thread workers on", stdout_of(ok(kc, "%workers")), re.M)
    out = ok(kc, "const [v] = await compute(one, { workers: 2, quiet: true });\nv")
    assert results_of(out)[0]["text/plain"] == "1" and stdout_of(out, "stderr") == ""


@pytest.mark.parametrize(
    "options, message",
    [
        ("{ workers: 0 }", r"^compute: options\.workers must be a positive integer, got 0\. Try: \{ workers: 4 \}$"),
        ('{ workers: "two" }', r'^compute: options\.workers must be a positive integer, got "two"\. Try: \{ workers: 4 \}$'),
        (
            "{ worker: 2 }",
            r"^compute: unknown option worker\. Did you mean workers\? "
            r"Valid options: workers, processes, cluster, timeout, quiet, noMemoryCheck\.$",
        ),
    ],
)
def test_compute_refuses_a_malformed_option_naming_it_and_the_valid_ones(kc, options, message):
    reply = error(kc, f'import {{ delayed, compute }} from "paralab";\nconst opts: any = {options};\nawait compute(delayed(() => 1)(), opts);')
    assert reply["ename"] == "MagicOptionError"
    assert re.search(message, reply["evalue"]), reply["evalue"]


# A node being computed is computed once (issue #24 item 5)

SHARED = """import { delayed, compute } from "paralab";
const runs = new Int32Array(new SharedArrayBuffer(8));
const draw = delayed((): number => { Atomics.add(runs, 0, 1); const end = Date.now() + 300; while (Date.now() < end) {} return Math.random(); });
const breaks = delayed((): number => { Atomics.add(runs, 1, 1); const end = Date.now() + 300; while (Date.now() < end) {} throw new RangeError("shared broke"); });
const wrap = delayed((x: number) => [x]);
"""


def test_two_computes_that_share_a_node_run_it_once_and_see_one_value(kc):
    ok(kc, SHARED + "const shared = draw();")
    out = ok(
        kc,
        """const [[[viaWrap]], [direct]] = await Promise.all([
  compute(wrap(shared), { workers: 2, quiet: true }),
  compute(shared, { workers: 2, quiet: true }),
]);
const [again] = await compute(shared, { quiet: true });
console.log(JSON.stringify({ same: viaWrap === direct, kept: again === direct, runs: runs[0], status: shared.status }));""",
    )
    assert json.loads(stdout_of(out).splitlines()[-1]) == {"same": True, "kept": True, "runs": 1, "status": "ok"}


def test_a_shared_node_that_fails_fails_both_computes_naming_it(kc):
    ok(kc, SHARED + "const bad = breaks();")
    out = ok(
        kc,
        """const settled = await Promise.allSettled([
  compute(wrap(bad), { workers: 2, quiet: true }),
  compute(bad, { workers: 2, quiet: true }),
]);
console.log(JSON.stringify({ runs: runs[1], errors: settled.map((s) => s.status === "rejected" ? [s.reason.name, s.reason.message] : s.status) }));""",
    )
    result = json.loads(stdout_of(out).splitlines()[-1])
    assert result["runs"] == 1 and len(result["errors"]) == 2, result
    for name, message in result["errors"]:
        assert name == "GraphTaskError"
        assert re.match(r"compute: task breaks#\d+ \(breaks, delayed at cell line 4\) failed on w\d: RangeError: shared broke", message), message
