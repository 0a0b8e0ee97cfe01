"""Clusters end to end (README, Clusters): Debian's redis-server on a free port, real `paralab worker`
processes and a real kernel driven through jupyter_client. Each test starts its own Redis; faults
are real (SIGKILL of a worker or of Redis, wrong keys). No check depends on timing."""
import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest
from jupyter_client.manager import start_new_kernel

from cluster_env import CLI, KEY, RedisServer, Worker, run_cli, wait_for
from conftest import TIMEOUT, error, ok, results_of, run, shell_reply, stdout_of, value

RUN_MIME = "application/vnd.paralab.run.v1+json"


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=TIMEOUT,
                              env={**os.environ, "PARALAB_CLUSTER_KEY": KEY})
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path, redis):
    """Starts workers on demand: workers(n) → list; all are stopped after the test."""
    started = []

    def start(n=1, **kw):
        new = [Worker(tmp_path, redis.url, **kw) for _ in range(n)]
        started.extend(new)
        return new

    yield start
    for w in started:
        w.stop()


def run_record(outputs):
    found = [m["content"]["data"][RUN_MIME] for m in outputs
             if m["msg_type"] in ("display_data", "update_display_data") and RUN_MIME in m["content"]["data"]]
    assert found, [m["msg_type"] for m in outputs]
    record = found[-1]
    return json.loads(record) if isinstance(record, str) else record


def read_until(kc, msg_id, predicate):
    """The iopub messages of a running request, up to the first output whose text satisfies predicate."""
    seen = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        seen.append(msg)
        if msg["msg_type"] == "stream" and predicate(msg["content"]["text"]):
            return seen


def collect(kc, msg_id):
    """The iopub messages of a request sent with kc.execute, and its reply, once it is idle."""
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return shell_reply(kc, msg_id)["content"], outputs
        outputs.append(msg)


# --- paralab worker on the command line -------------------------------------------------------------


def test_worker_refuses_to_start_without_key_url_or_redis(redis):
    no_key = run_cli("worker", "--redis", redis.url, env={"PARALAB_CLUSTER_KEY": ""})
    assert no_key.returncode == 1
    assert "no cluster key: PARALAB_CLUSTER_KEY is not set" in no_key.stderr and "--key-file" in no_key.stderr
    bad_url = run_cli("worker", "--redis", "localhost:6379", env={"PARALAB_CLUSTER_KEY": KEY})
    assert bad_url.returncode == 1 and "has no redis:// scheme" in bad_url.stderr
    assert "redis://HOST:PORT[/QUEUE]" in bad_url.stderr
    redis.kill()
    gone = run_cli("worker", "--redis", redis.url, env={"PARALAB_CLUSTER_KEY": KEY})
    assert gone.returncode == 1
    assert f"cannot reach Redis at {redis.url}/paralab: nothing listens on 127.0.0.1:{redis.port}" in gone.stderr
    bad_n = run_cli("worker", "--redis", redis.url, "--concurrency", "0", env={"PARALAB_CLUSTER_KEY": KEY})
    assert bad_n.returncode == 1 and "--concurrency must be a positive integer" in bad_n.stderr
    bad_mb = run_cli("worker", "--redis", redis.url, "--memory", "lots", env={"PARALAB_CLUSTER_KEY": KEY})
    assert bad_mb.returncode == 1
    assert '--memory must be a positive whole number of MB, got "lots". Try: --memory 2048' in bad_mb.stderr


# --- %cluster --------------------------------------------------------------------------------------


def test_cluster_magic_sets_lists_and_leaves_the_cluster(kc, redis, workers):
    a, b = workers(2, concurrency=2)
    text = stdout_of(ok(kc, f"%cluster {redis.url}"))
    assert f"now run on the cluster {redis.url}/paralab" in text
    assert "2 workers on 1 host, 4 slots (0 busy)" in text
    assert re.search(r"host\s+pid\s+slots\s+busy\s+tasks done\s+CPU\s+memory\s+last heartbeat", text)
    for w in (a, b):
        assert re.search(rf"\b{w.pid}\s+2\s+0\s+0\s+\S+ s\s+\S+ \S+\s+\d+\.\d s ago\s+\d+\s+\S+\s+yes$", text, re.M), text
    (other,) = workers(1, key="another-key-than-the-kernel-s")
    listing = stdout_of(ok(kc, "%cluster"))
    assert "3 workers on 1 host, 5 slots" in listing
    assert re.search(rf"\b{other.pid}\s.*\sno \(another key\)$", listing, re.M), listing
    other.stop()
    ok(kc, "%%parallel --map [1, 2, 3, 4, 5, 6] --chunksize 1 --quiet\nitem")
    time.sleep(1.5)  # the registry shows what the last heartbeat (every second) said
    shown = stdout_of(ok(kc, "%workers"))
    assert f"compute run on the cluster {redis.url}/paralab, not on this pool" in shown
    assert re.search(r"host\s+pid\s+slots\s+busy\s+tasks done\s+CPU\s+memory\s+last heartbeat", shown), shown
    done = [int(m.group(1)) for w in (a, b) for m in [re.search(rf"\b{w.pid}\s+2\s+\d+\s+(\d+)\s+\d+\.\d\d s\s+\d+(\.\d)? [kMG]?B", shown)] if m]
    assert len(done) == 2 and sum(done) >= 6, shown  # heartbeats come every second
    out = ok(kc, "%%parallel --map [1, 2, 3, 4]\nitem * 2")
    assert results_of(out)[0]["text/plain"] == "[ 2, 4, 6, 8 ]"
    assert run_record(out)["workerKind"] == "cluster"
    assert "Cells run on the local pool again" in stdout_of(ok(kc, "%cluster off"))
    assert "No cluster: cells run on the local pool" in stdout_of(ok(kc, "%cluster"))
    out = ok(kc, "%%parallel --map [1, 2] --workers 2\nitem")
    assert run_record(out)["workerKind"] == "thread"


def test_bad_cluster_urls_are_option_errors(kc):
    reply = error(kc, "%cluster http://localhost:6379")
    assert reply["ename"] == "MagicOptionError" and "the scheme is http" in reply["evalue"]
    reply = error(kc, "%%parallel --cluster localhost:6379 --map [1]\nitem")
    assert reply["ename"] == "MagicOptionError"
    assert "--cluster: \"localhost:6379\" is not a cluster URL: it has no redis:// scheme" in reply["evalue"]
    reply = error(kc, "%%parallel --cluster --map [1]\nitem")
    assert "--cluster without a URL runs on the session's cluster, and none is set" in reply["evalue"]
    reply = error(kc, "%cluster redis://:hunter2@127.0.0.1:70000")
    assert "hunter2" not in reply["evalue"] and ":***@" in reply["evalue"]


# --- SPMD: ranks reserved together, comm through the kernel's broker over Redis ------------------------


def test_spmd_on_the_cluster_runs_each_rank_once_with_comm_over_redis(kc, redis, workers):
    a, b = workers(2, concurrency=2)
    ok(kc, "const base = 100;")
    out = ok(kc, f"%%parallel --cluster {redis.url} --workers 3 --out spmd\n"
                 "console.log('rank', rank, 'of', size);\n"
                 "const total = await comm.allreduce(rank + base, 'sum');\n"
                 "const all = await comm.allgather(rank * 10);\n"
                 "const root = await comm.bcast(rank === 0 ? 'from rank 0' : undefined, 0);\n"
                 "if (rank === 0) comm.send(1, 'ping');\n"
                 "if (rank === 1) { const m = await comm.recv(0); comm.send(0, m + ' pong'); }\n"
                 "const reply = rank === 0 ? await comm.recv(1) : undefined;\n"
                 "await comm.barrier();\n"
                 "({ rank, size, total, all, root, reply })")
    assert value(kc, "JSON.stringify(spmd.map((r) => [r.rank, r.size, r.total]))") == "'[[0,3,303],[1,3,303],[2,3,303]]'"
    assert value(kc, "JSON.stringify([spmd[2].all, spmd[1].root, spmd[0].reply])") == \
        """'[[0,10,20],"from rank 0","ping pong"]'"""
    names = {f"{os.uname().nodename}:{w.pid}/w{i}" for w in (a, b) for i in (0, 1)}
    printed = re.findall(r"^\[([^\]]+)\] rank (\d) of 3$", stdout_of(out), re.M)
    assert sorted(r for _, r in printed) == ["0", "1", "2"] and {n for n, _ in printed} <= names, stdout_of(out)
    record = run_record(out)
    assert record["workerKind"] == "cluster" and record["workers"] == 3 and len(record["tasks"]) == 3
    assert sorted(t["index"] for t in record["tasks"]) == [0, 1, 2] and set(record["lanes"]) <= names


def test_spmd_on_the_cluster_reports_a_deadlock_across_machines_and_a_failing_rank(kc, redis, workers):
    workers(2)
    reply = error(kc, f"%%parallel --cluster {redis.url} --workers 2\nawait comm.recv(1 - rank)")
    assert reply["ename"] == "DeadlockError", reply
    assert "w0" in reply["evalue"] or "rank 0" in reply["evalue"], reply["evalue"]
    reply = error(kc, f"%%parallel --cluster {redis.url} --workers 2\nif (rank === 1) throw new RangeError('rank one fails');\nrank")
    assert reply["ename"] == "TaskFailedError" and "RangeError: rank one fails" in reply["evalue"], reply
    out = ok(kc, f"%%parallel --cluster {redis.url} --workers 2\nawait comm.allreduce(rank, 'max')")
    assert results_of(out)[0]["text/plain"] == "[ 1, 1 ]"


def test_spmd_ranks_start_together_or_not_at_all(kc, redis, workers):
    workers(1, concurrency=2)
    reply = error(kc, f"%%parallel --cluster {redis.url} --workers 3\nrank")
    assert reply["ename"] == "ClusterNoWorkersError"
    assert "needs its 3 ranks running at once" in reply["evalue"] and "2 runtimes in all" in reply["evalue"]
    # The runtimes exist but a run in the background holds them: the ranks wait together, then give up together.
    ok(kc, f"%%parallel --map [1, 2] --cluster {redis.url} --chunksize 1 --no-block --out busy --quiet\n"
           "await new Promise((r) => setTimeout(r, 30_000)); item")
    started = time.monotonic()
    reply = error(kc, f"%%parallel --cluster {redis.url} --workers 2\nrank")
    assert reply["ename"] == "ClusterNoWorkersError", reply
    assert "only 0 found a free runtime" in reply["evalue"] and "so none started" in reply["evalue"], reply["evalue"]
    assert 9 < time.monotonic() - started < 30
    ok(kc, "busy.cancel();")
    out = ok(kc, f"%%parallel --cluster {redis.url} --workers 2\nrank * 2")
    assert results_of(out)[0]["text/plain"] == "[ 0, 2 ]"
    reply = error(kc, f"%%parallel --cluster {redis.url} --share a --map [1]\nitem")
    assert "--share cannot work on a cluster" in reply["evalue"]


# --- maps: the same results, output, errors and charts as the local pool -------------------------------


def test_map_matches_the_local_pool_with_named_lanes_and_prefixes(kc, redis, workers):
    a, b = workers(2)
    ok(kc, "const xs = Array.from({ length: 200 }, (_, i) => i);\nconst scale = 3;\n"
           "function f(x: number) { return { x, y: x * scale, s: new Set([x]) }; }")
    ok(kc, "%%parallel --map xs --out local --quiet\nf(item)")
    out = ok(kc, f"%%parallel --map xs --cluster {redis.url} --out remote\n"
                 "if (index % 50 === 0) console.log('at', index);\nf(item)")
    assert value(kc, "JSON.stringify(remote.map((r) => [r.x, r.y, [...r.s]])) === "
                     "JSON.stringify(local.map((r) => [r.x, r.y, [...r.s]]))") == "true"
    text = stdout_of(out)
    names = {f"{os.uname().nodename}:{w.pid}/w0" for w in (a, b)}
    printed = set(re.findall(r"^\[([^\]]+)\] at (\d+)$", text, re.M))
    assert {i for _, i in printed} == {"0", "50", "100", "150"}
    assert {n for n, _ in printed} <= names
    record = run_record(out)
    assert record["workerKind"] == "cluster" and record["items"] == 200
    assert set(record["lanes"]) <= names and record["lanes"]
    assert record["samples"] == []
    assert all(t["status"] == "ok" for t in record["tasks"])
    assert sum(t["count"] for t in record["tasks"]) == 200
    summary = [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] in ("display_data", "update_display_data")][-1]
    assert "200 items in" in summary and "(cluster)" in summary


def test_the_same_map_gives_the_same_record_on_the_pool_and_the_cluster(kc, redis, workers):
    # One tally counts both (issue 24): values, errors kept by --continue-on-error, bytes in and out per task.
    workers(2)
    ok(kc, "const mixed = Array.from({ length: 60 }, (_, i) => (i % 3 ? i : `item ${i}`));")
    body = "if (index === 7) throw new RangeError('seven');\n[item, String(item).length]"
    runs = {}
    for where, flag in (("pool", ""), ("cluster", f" --cluster {redis.url}")):
        out = ok(kc, f"%%parallel --map mixed --chunksize 10 --continue-on-error --out {where}{flag}\n{body}")
        runs[where] = run_record(out)
    assert value(kc, "JSON.stringify(pool) === JSON.stringify(cluster)") == "true"
    def tasks(record):
        return sorted((t["index"], t["count"], t["status"], t["bytesIn"], t["bytesOut"]) for t in record["tasks"])
    assert tasks(runs["pool"]) == tasks(runs["cluster"])
    assert runs["pool"]["bytesIn"] == runs["cluster"]["bytesIn"] and runs["pool"]["bytesOut"] == runs["cluster"]["bytesOut"]
    assert all("waitMs" in t for t in runs["cluster"]["tasks"]), "each worker's wait for a core, as on the pool"
    failed = [(t["index"], t["status"]) for t in runs["cluster"]["tasks"] if t["status"] != "ok"]
    assert failed == [(0, "error")]


def test_a_cluster_map_draws_live(kc, redis, workers):
    # Issue 25: a run on the cluster grows its chart while the workers take its tasks through Redis.
    workers(2)
    reply, outputs = run(kc, f"%%parallel --map Array.from({{length: 24}}, (_, i) => i) --cluster {redis.url} "
                             "--chunksize 1\nawait new Promise((r) => setTimeout(r, 120)); item")
    assert reply["status"] == "ok", reply
    charts = [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data")
              and RUN_MIME in m["content"]["data"]]
    # The final record comes twice: at once, then with its PNG after the reply (before idle).
    assert charts[-2]["content"]["data"][RUN_MIME] == charts[-1]["content"]["data"][RUN_MIME]
    live = [m["content"]["data"] for m in charts[:-2]]
    assert len(live) >= 3, f"{len(live)} live updates"
    for d in live:
        record = d[RUN_MIME]
        assert "image/png" not in d and record["live"]["state"] == "running"
        assert record["workerKind"] == "cluster" and record["samples"] == []  # this machine's cores say nothing of a cluster's
    assert any(0 < d[RUN_MIME]["live"]["done"] < 24 and d[RUN_MIME]["tasks"] for d in live)
    final = charts[-1]["content"]["data"]
    assert "image/png" in final and "live" not in final[RUN_MIME] and len(final[RUN_MIME]["tasks"]) == 24
    assert {m["content"]["transient"]["display_id"] for m in charts} == {charts[0]["content"]["transient"]["display_id"]}


UNCAUGHT = ("Promise.reject(new Error('nobody awaits me'));\n"
            "setTimeout(() => { throw new RangeError('late'); }, 10);\n"
            "await new Promise((r) => setTimeout(r, 300)); item * 2")


@pytest.mark.parametrize("where", ["pool", "cluster"])
def test_an_unawaited_rejection_or_a_throw_in_a_callback_is_a_warning_naming_the_worker(kc, redis, workers, where):
    (w,) = workers(1)
    ok(kc, "import { parallel } from 'paralab';")
    on, who = ("--workers 1", "w0") if where == "pool" else (f"--cluster {redis.url}", f"{os.uname().nodename}:{w.pid}/w0")
    out = ok(kc, f"%%parallel --map [1, 2] --chunksize 2 {on} --out doubled\n{UNCAUGHT}")
    assert value(kc, "doubled") == "[ 2, 4 ]"
    warnings = stdout_of(out, "stderr")
    assert (f"Warning: worker {who}: a promise was rejected and nothing awaited it (Error: nobody awaits me). "
            "The worker caught it and kept its state; await the promise, or add .catch(...) where it is made.") in warnings
    assert (f"Warning: worker {who}: an error was thrown outside the running code, in a callback such as setTimeout "
            "(RangeError: late). The worker caught it and kept its state; catch errors inside the callback.") in warnings
    assert "TaskFailedError" not in warnings
    assert value(kc, f"await parallel.map((x: number) => x + 1, [1, 2], {{ cluster: '{redis.url}' }})"
                 if where == "cluster" else "await parallel.map((x: number) => x + 1, [1, 2])") == "[ 2, 3 ]"


def test_a_cluster_task_past_the_worker_s_heap_limit_fails_naming_the_option_and_the_worker_serves_on(kc, redis, workers):
    (w,) = workers(1, args=("--memory", "64"))
    assert "(w0) of 64 MB heap each" in w.text()
    name = f"{os.uname().nodename}:{w.pid}/w0"
    reply = error(kc, f"%%parallel --map [1] --cluster {redis.url}\n"
                      "const hog: number[][] = []; while (true) hog.push(new Array(1e5).fill(item)); 0")
    assert reply["ename"] == "WorkerExitError", reply
    assert re.search(rf"\[{re.escape(name)}\] worker exited \(exit code \d+\) while running task\(s\) 0\. "
                     r"Probable cause: it ran out of memory \(its heap limit of 64 MB\); use less memory per worker, "
                     r"or raise the limit: paralab worker --memory 128\.", reply["evalue"]), reply["evalue"]
    out = ok(kc, f"%%parallel --map [1, 2] --cluster {redis.url}\nitem + 1")
    assert results_of(out)[0]["text/plain"] == "[ 2, 3 ]"
    assert w.proc.poll() is None


def test_parallel_map_api_typed_arrays_ordering_and_chunking(kc, redis, workers):
    workers(2)
    ok(kc, "import { parallel } from 'paralab';")
    assert value(kc, f"await parallel.map((x: number, i: number) => x * 10 + i, new Float64Array([1, 2, 3]), "
                     f"{{ cluster: '{redis.url}' }})") == "[ 10, 21, 32 ]"
    out = ok(kc, f"%%parallel --map Array.from({{ length: 8 }}, (_, i) => i) --cluster {redis.url} --chunksize 3\nitem")
    assert results_of(out)[0]["text/plain"] == "[\n  0, 1, 2, 3,\n  4, 5, 6, 7\n]"
    assert [t["count"] for t in sorted(run_record(out)["tasks"], key=lambda t: t["index"])] == [3, 3, 2]
    out = ok(kc, f"%%parallel --map Array.from({{ length: 8 }}, (_, i) => i) --cluster {redis.url} --schedule static --workers 2\nindex")
    assert sorted((t["index"], t["count"]) for t in run_record(out)["tasks"]) == [(0, 4), (4, 4)]
    ok(kc, f"%%parallel --map [30, 1, 20, 2] --cluster {redis.url} --unordered --chunksize 1 --out u --quiet\n"
           "await new Promise((r) => setTimeout(r, item)); item")
    assert value(kc, "[...u].sort((a, b) => a - b)") == "[ 1, 2, 20, 30 ]"


def test_task_error_names_worker_item_and_cell_line(kc, redis, workers):
    (w,) = workers(1)
    reply = error(kc, f"%%parallel --map [1, 2, 3, 4] --cluster {redis.url} --chunksize 1\n"
                      "const y = item * 2;\nif (item === 3) throw new RangeError('three is bad');\ny")
    assert reply["ename"] == "TaskFailedError"
    name = f"{os.uname().nodename}:{w.pid}/w0"
    assert f"[{name}] task 2 failed: RangeError: three is bad (item index 2) at cell line 3" in reply["evalue"]
    out = ok(kc, f"%%parallel --map [1, 2, 3, 4] --cluster {redis.url} --chunksize 1 --continue-on-error --out r\n"
                 "if (item === 3) throw new RangeError('three is bad');\nitem")
    assert f"[{name}] task 2 failed: RangeError: three is bad (item index 2) at cell line 2" in stdout_of(out, "stderr")
    assert value(kc, "r") == "[ 1, 2, undefined, 4 ]"


def test_no_block_handle_and_progress(kc, redis, workers):
    workers(2)
    out = ok(kc, f"%%parallel --map Array.from({{ length: 20 }}, (_, i) => i) --cluster {redis.url} --no-block --out h\n"
                 "await new Promise((r) => setTimeout(r, 20)); item + 1")
    assert "Started in the background: h is its handle" in stdout_of(out)
    assert value(kc, "(await h).length") == "20"
    assert value(kc, "[h.done, h.progress.done, h.progress.total, h.timings!.length > 0]") == "[ true, 20, 20, true ]"


# --- task graphs ---------------------------------------------------------------------------------------

GRAPH_MIME = "application/vnd.paralab.graph.v1+json"

GRAPH = """import { delayed, compute } from "paralab";
function makeData(part: number): Float64Array { const a = new Float64Array(1000); for (let i = 0; i < a.length; i++) a[i] = part + i; return a; }
const load = delayed((part: number): Float64Array => makeData(part));
const stats = delayed((xs: Float64Array) => { if (xs[0] === BAD) throw new RangeError(`bad part ${xs[0]}`); let s = 0; for (const x of xs) s += x; return s; });
const merge = delayed((...s: number[]) => s.reduce((a, b) => a + b, 0));
const build = () => merge(...[0, 1, 2, 3].map((p) => stats(load(p))));
const result = build();"""


def graph_record(outputs):
    """The graph's final record: a long compute draws its chart live and ends it by update_display_data."""
    found = [m["content"]["data"][GRAPH_MIME] for m in outputs
             if m["msg_type"] in ("display_data", "update_display_data") and GRAPH_MIME in m["content"]["data"]]
    assert found, [m["msg_type"] for m in outputs]
    return found[-1]


def test_a_task_graph_runs_on_the_cluster_with_the_local_pool_s_values(kc, redis, workers):
    a, b = workers(2)
    ok(kc, "let BAD = -1;\n" + GRAPH)
    ok(kc, "const [local] = await compute(build(), { quiet: true, cluster: false });")
    ok(kc, f"%cluster {redis.url}")
    ok(kc, "const hello = delayed((x: number) => { console.log('hello from', x); return x; });")
    out = ok(kc, "const [remote, greeted] = await compute(result, hello(7));")
    assert value(kc, "[remote === local, remote, greeted]") == "[ true, 2004000, 7 ]"
    names = {f"{os.uname().nodename}:{w.pid}/w0" for w in (a, b)}
    printed = re.findall(r"^\[([^\]]+)\] hello from 7$", stdout_of(out), re.M)
    assert len(printed) == 1 and printed[0] in names, stdout_of(out)
    record = graph_record(out)
    assert record["workerKind"] == "cluster" and record["workers"] == 2
    assert record["counts"] == {"ok": 10}
    assert set(record["lanes"]) <= names and record["lanes"]
    assert all(record["lanes"][n["rank"]] in names for n in record["nodes"])
    # every load → stats edge that left its batch carried the 8 kB array through Redis
    through_redis = [e for e in record["edges"] if e.get("path") == "redis"]
    assert through_redis and all(e["bytes"] > 8000 for e in through_redis if e["from"].startswith("load"))
    assert record["bytesMoved"]["redis"] == sum(e["bytes"] for e in through_redis)
    # nothing a task wrote for later tasks is left in Redis
    assert redis.cli("--scan", "--pattern", "paralab.cluster:paralab:results:*") == ""


def test_the_same_graph_gives_the_same_record_on_the_pool_and_the_cluster(kc, redis, workers):
    # One graph tally counts both (issue 24): statuses, bytes in (arguments) and out (outputs), precise clocks.
    workers(2)
    ok(kc, "import { delayed, compute } from 'paralab';\n"
           "const sq = delayed((x: number) => { if (x === 3) throw new RangeError('three'); return x * x; });\n"
           "const add = delayed((...s: number[]) => s.reduce((a, b) => a + b, 0));\n"
           "const parts = [1, 2, 3, 4].map((x) => sq(x));")
    records = {}
    for where in ("false", f"'{redis.url}'"):
        out = run(kc, f"await compute(add(...parts), sq(2), {{ cluster: {where} }})")[1]
        records[where] = graph_record(out)
    pool, cluster = records.values()
    assert pool["counts"] == cluster["counts"] == {"ok": 4, "error": 1, "skipped": 1}, (pool["counts"], cluster["counts"])
    assert pool["bytesIn"] == cluster["bytesIn"] and pool["bytesOut"] == cluster["bytesOut"]
    assert any(n["durationMs"] != round(n["durationMs"]) for n in cluster["nodes"] if n.get("durationMs"))
    assert pool["wallMs"] != round(pool["wallMs"]) and cluster["wallMs"] != round(cluster["wallMs"])


def test_a_failing_graph_task_names_its_worker_and_compute_again_reuses_what_redis_kept(kc, redis, workers):
    (w,) = workers(1)
    ok(kc, "let BAD = 2;\n" + GRAPH)
    reply = error(kc, f"await compute(result, {{ cluster: '{redis.url}', quiet: true }});")
    assert reply["ename"] == "GraphTaskError"
    name = f"{os.uname().nodename}:{w.pid}/w0"
    assert f"failed on {name}: RangeError: bad part 2" in reply["evalue"]
    assert "1 task that depends on it was skipped (merge#" in reply["evalue"]
    # stats of parts 0, 1 and 3 wait in Redis for merge, load of part 2 for stats
    assert len(redis.cli("--scan", "--pattern", "paralab.cluster:paralab:results:*").split()) == 4
    ok(kc, "BAD = -1;")
    out = ok(kc, f"const [again] = await compute(result, {{ cluster: '{redis.url}' }});")
    assert value(kc, "again") == "2004000"
    assert graph_record(out)["counts"] == {"ok": 2, "kept": 4}
    assert redis.cli("--scan", "--pattern", "paralab.cluster:paralab:results:*") == ""
    # what a failed compute kept goes when the kernel leaves the cluster
    ok(kc, "BAD = 2;")
    error(kc, f"await compute(build(), {{ cluster: '{redis.url}', quiet: true }});")
    assert len(redis.cli("--scan", "--pattern", "paralab.cluster:paralab:results:*").split()) == 4
    ok(kc, f"%cluster {redis.url}")
    ok(kc, "%cluster off")
    assert redis.cli("--scan", "--pattern", "paralab.cluster:paralab:results:*") == ""


def test_a_graph_task_of_a_killed_worker_runs_again_elsewhere(kc, redis, workers):
    a, b = workers(2)
    ok(kc, "import { delayed, compute } from 'paralab';\n"
           "const slow = delayed(async (x: number) => { console.log('start', x, 'in', process.pid); "
           "await new Promise((r) => setTimeout(r, 1500)); return x * 2; });\n"
           "const add = delayed((...xs: number[]) => xs.reduce((s, x) => s + x, 0));")
    msg_id = kc.execute(f"const [killedSum] = await compute(add(slow(1), slow(2), slow(3)), {{ cluster: '{redis.url}' }});")
    before = read_until(kc, msg_id, lambda text: f" in {a.pid}\n" in text)
    a.kill()
    reply, after = collect(kc, msg_id)
    out = before + after
    assert reply["status"] == "ok", reply
    assert value(kc, "killedSum") == "12"
    dead = f"{os.uname().nodename}:{a.pid}/w0"
    assert re.search(rf"^\[.+:{b.pid}/w0\] task \d+ \(slow#\d+\) runs again here: {re.escape(dead)} stopped while it ran it",
                     stdout_of(out, "stderr"), re.M), stdout_of(out, "stderr")
    record = graph_record(out)
    assert record["counts"] == {"ok": 4}  # each task counted once, where it finished
    assert all(record["lanes"][n["rank"]] != dead for n in record["nodes"] if n["label"] == "slow")


BIG_CHAIN = (
    "import { delayed, compute } from 'paralab';\n"
    "const make = delayed((n: number) => { console.log('make in', process.pid); return Float64Array.from({ length: n }, (_, i) => i); });\n"
    "const scale = delayed(async (xs: Float64Array, k: number, ms: number) => { console.log('scale', k, 'in', process.pid); "
    "await new Promise((r) => setTimeout(r, ms)); return xs.map((x) => x * k); });\n"
    "const total = delayed((xs: Float64Array) => xs.reduce((s, x) => s + x, 0));"
)
# 800 kB arrays, past the 64 kB from which a worker holds a result: sum(0..99999) * 2 * 3
BIG_TOTAL = "29999700000"


def test_a_chain_of_big_results_stays_on_the_worker_that_made_them(kc, redis, workers):
    workers(2)
    ok(kc, BIG_CHAIN)
    out = ok(kc, f"const [chained] = await compute(total(scale(scale(make(100000), 2, 50), 3, 50)), {{ cluster: '{redis.url}' }});")
    assert value(kc, "chained") == BIG_TOTAL
    # each link went to the process that held its input (the tasks are too slow to travel as one batch)
    assert len(set(re.findall(r" in (\d+)$", stdout_of(out), re.M))) == 1, stdout_of(out)
    record = graph_record(out)
    assert record["counts"] == {"ok": 4}
    assert record["bytesMoved"]["redis"] == 0 and {e.get("path") for e in record["edges"]} == {"local"}, record["edges"]
    assert redis.cli("--scan", "--pattern", "paralab.cluster:paralab:results:*") == ""


def test_a_killed_worker_s_held_results_are_made_again_and_the_chain_ends_right(kc, redis, workers):
    a, b = workers(2)
    ok(kc, BIG_CHAIN)
    msg_id = kc.execute(
        f"const [afterKill] = await compute(total(scale(scale(make(100000), 2, 50), 3, 3000)), {{ cluster: '{redis.url}' }});")
    before = read_until(kc, msg_id, lambda text: "scale 3 in" in text)
    holder = int(re.search(r"scale 3 in (\d+)", stdout_of(before)).group(1))
    victim, other = (a, b) if holder == a.pid else (b, a)
    victim.kill()  # SIGKILL, with make's and scale 2's results in its runtime and scale 3 running
    reply, after = collect(kc, msg_id)
    out = before + after
    assert reply["status"] == "ok", reply
    assert value(kc, "afterKill") == BIG_TOTAL
    text = stdout_of(out)
    # the lost inputs were made again from their lineage on the survivor, then the interrupted link ran there
    for line in (f"make in {other.pid}", f"scale 2 in {other.pid}", f"scale 3 in {other.pid}"):
        assert re.search(rf"{line}$", text, re.M), text
    assert re.search(rf"^\[cluster\] task \d+ \(scale#\d+\) is sent again: .+:{victim.pid} stopped",
                     stdout_of(out, "stderr"), re.M), stdout_of(out, "stderr")
    assert graph_record(out)["counts"] == {"ok": 4}  # the tasks made again are not counted twice


def test_a_task_reading_big_results_held_by_two_workers_gets_one_of_them_through_redis(kc, redis, workers):
    workers(2)
    ok(kc, "import { delayed, compute } from 'paralab';\n"
           "const slowMake = delayed(async (n: number, k: number) => { console.log('make', k, 'in', process.pid); "
           "await new Promise((r) => setTimeout(r, 1000)); return Float64Array.from({ length: n }, (_, i) => i * k); });\n"
           "const dot = delayed((xs: Float64Array, ys: Float64Array) => xs.reduce((s, x, i) => s + x * ys[i], 0));")
    out = ok(kc, f"const [dotted] = await compute(dot(slowMake(100000, 1), slowMake(100000, 2)), {{ cluster: '{redis.url}' }});")
    assert value(kc, "dotted") == "666656666700000"  # 2 * sum of i² for i < 100000
    # the two makes ran at once, one on each worker (each serves one task at a time)
    assert len(set(re.findall(r"make \d in (\d+)$", stdout_of(out), re.M))) == 2, stdout_of(out)
    record = graph_record(out)
    assert record["counts"] == {"ok": 3}
    paths = sorted((e.get("path"), e["bytes"] >= 800_000) for e in record["edges"])
    assert paths == [("local", False), ("redis", True)], record["edges"]
    assert redis.cli("--scan", "--pattern", "paralab.cluster:paralab:results:*") == ""


def test_interrupting_a_graph_on_the_cluster_stops_its_tasks(kc, km, redis, workers):
    workers(2)
    msg_id = kc.execute(
        "import { delayed, compute } from 'paralab';\n"
        "const spin = delayed((x: number) => { console.log('spinning', x); while (true) {} });\n"
        f"await compute(...[1, 2, 3, 4, 5].map((x) => spin(x)), {{ cluster: '{redis.url}' }});"
    )
    spinning = []
    read_until(kc, msg_id, lambda text: len(spinning.extend(re.findall(r"spinning \d", text)) or spinning) >= 2)
    km.interrupt_kernel()
    reply, out = collect(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply
    assert value(kc, f"(await compute(delayed((x: number) => x + 1)(41), {{ cluster: '{redis.url}', quiet: true }}))[0]") == "42"
    # the three tasks still queued never ran
    assert not re.search(r"spinning \d", stdout_of(out)), stdout_of(out)
    assert redis.cli("llen", "paralab:paralab:wait") == "0"


def test_compute_on_an_unreachable_cluster_names_the_url_and_runs_nothing(kc, redis):
    redis.kill()
    reply = error(kc, 'import { delayed, compute } from "paralab";\n'
                      f'await compute(delayed(() => 1)(), {{ cluster: "{redis.url}", quiet: true }});')
    assert reply["ename"] == "ClusterUnreachableError"
    assert f"cannot reach Redis at {redis.url}/paralab" in reply["evalue"] and "local pool still works" in reply["evalue"]
    ok(kc, 'import { delayed, compute } from "paralab";')
    assert value(kc, '(await compute(delayed(() => 1)(), { quiet: true }))[0]') == "1"


# --- faults --------------------------------------------------------------------------------------------


def test_killed_worker_tasks_run_again_elsewhere_and_count_once(kc, redis, workers, tmp_path):
    a, b = workers(2)
    log = tmp_path / "starts.log"
    ok(kc, f"const STARTS = {json.dumps(str(log))};")
    msg_id = kc.execute(
        f"%%parallel --map Array.from({{ length: 6 }}, (_, i) => i) --cluster {redis.url} --chunksize 1 --out got\n"
        "require('fs').appendFileSync(STARTS, `${item} ${process.pid}\\n`);\n"
        "await new Promise((r) => setTimeout(r, 1500));\nitem * 2"
    )
    wait_for(lambda: log.exists() and f" {a.pid}\n" in log.read_text(), "a task to start on worker A")
    a.kill()
    reply, out = collect(kc, msg_id)
    assert reply["status"] == "ok", reply
    assert value(kc, "got") == "[ 0, 2, 4, 6, 8, 10 ]"
    starts = [line.split() for line in log.read_text().splitlines()]
    killed = [item for item, pid in starts if pid == str(a.pid)]
    again = [item for item, pid in starts if pid == str(b.pid) and item in killed]
    assert again, starts  # what A held ran again on B ...
    dead = f"{os.uname().nodename}:{a.pid}/w0"
    assert re.search(rf"^\[.+:{b.pid}/w0\] task \d+ \(item {killed[0]}\) runs again here: {re.escape(dead)} stopped while it ran it",
                     stdout_of(out, "stderr"), re.M), stdout_of(out, "stderr")
    record = run_record(out)
    assert record["items"] == 6  # ... and was counted once
    assert sorted(t["index"] for t in record["tasks"] if t["status"] == "ok") == [0, 1, 2, 3, 4, 5]
    # the dead worker's lane shows the task it held, cancelled
    lost = [t for t in record["tasks"] if t["status"] == "cancelled"]
    assert [record["lanes"][t["rank"]] for t in lost] == [dead] and lost[0]["index"] == int(killed[0])


def test_interrupt_removes_queued_tasks_and_stops_running_ones(kc, km, redis, workers, tmp_path):
    workers(2)
    log = tmp_path / "spin.log"
    ok(kc, f"const SPIN = {json.dumps(str(log))};")
    msg_id = kc.execute(
        f"%%parallel --map Array.from({{ length: 20 }}, (_, i) => i) --cluster {redis.url} --chunksize 1\n"
        "require('fs').appendFileSync(SPIN, `${item}\\n`);\nwhile (true) {}"
    )
    wait_for(lambda: log.exists() and len(log.read_text().splitlines()) >= 2, "both workers to spin")
    km.interrupt_kernel()
    reply, _ = collect(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply
    # if queued tasks had stayed or spinning ones run on, this would never finish
    out = ok(kc, f"%%parallel --map [1, 2, 3] --cluster {redis.url} --quiet\nitem * 3")
    assert results_of(out)[0]["text/plain"] == "[ 3, 6, 9 ]"
    assert len(log.read_text().splitlines()) == 2
    assert redis.cli("llen", "paralab:paralab:wait") == "0"


def test_timeout_cancels_the_run_and_the_cluster_stays_usable(kc, redis, workers):
    workers(1)
    reply = error(kc, f"%%parallel --map [1, 2] --cluster {redis.url} --timeout 1\nwhile (true) {{}}")
    assert reply["ename"] == "TimeoutError" and "--timeout 1 s" in reply["evalue"]
    out = ok(kc, f"%%parallel --map [5] --cluster {redis.url} --quiet\nitem")
    assert results_of(out)[0]["text/plain"] == "[ 5 ]"


def test_redis_unreachable_at_start_names_the_url_and_the_local_pool_still_works(kc, redis):
    redis.kill()
    reply = error(kc, f"%cluster {redis.url}")
    assert reply["ename"] == "ClusterUnreachableError"
    assert f"cannot reach Redis at {redis.url}/paralab: nothing listens on 127.0.0.1:{redis.port}" in reply["evalue"]
    assert "No cluster" in stdout_of(ok(kc, "%cluster"))
    reply = error(kc, f"%%parallel --map [1] --cluster {redis.url}\nitem")
    assert reply["ename"] == "ClusterUnreachableError"
    assert results_of(ok(kc, "%%parallel --map [1, 2] --quiet\nitem + 1"))[0]["text/plain"] == "[ 2, 3 ]"


def test_redis_lost_mid_run_says_what_was_lost_and_the_kernel_goes_on(kc, redis, workers, tmp_path):
    workers(1)
    log = tmp_path / "lost.log"
    ok(kc, f"const LOST = {json.dumps(str(log))};")
    msg_id = kc.execute(
        f"%%parallel --map [1, 2, 3, 4] --cluster {redis.url} --chunksize 1\n"
        "require('fs').appendFileSync(LOST, `${item}\\n`);\nawait new Promise((r) => setTimeout(r, 3000));\nitem"
    )
    wait_for(lambda: log.exists() and log.read_text(), "a task to start")
    redis.kill()
    reply, _ = collect(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "ClusterConnectionLostError", reply
    assert f"lost the connection to Redis at {redis.url}/paralab during the run" in reply["evalue"]
    assert "0 of 4 items were done" in reply["evalue"] and "the local pool still works" in reply["evalue"]
    assert results_of(ok(kc, "%%parallel --map [1, 2] --quiet\nitem * 2"))[0]["text/plain"] == "[ 2, 4 ]"
    # the broken connection is not reused: the next cell says Redis cannot be reached, and where
    reply = error(kc, f"%cluster {redis.url}")
    assert reply["ename"] == "ClusterUnreachableError", reply
    assert f"cannot reach Redis at {redis.url}/paralab: nothing listens on 127.0.0.1:{redis.port}" in reply["evalue"]


def test_a_paused_redis_ends_the_cell_in_seconds_and_the_cluster_works_once_it_resumes(kc, redis, workers, tmp_path):
    # Redis stopped with SIGSTOP keeps its connections open and answers nothing: without a bound the cell waited forever.
    workers(1)
    log = tmp_path / "paused.log"
    ok(kc, f"const PAUSED = {json.dumps(str(log))};")
    msg_id = kc.execute(
        f"%%parallel --map [1, 2, 3, 4] --cluster {redis.url} --chunksize 1\n"
        "require('fs').appendFileSync(PAUSED, `${item}\\n`);\nawait new Promise((r) => setTimeout(r, 2000));\nitem"
    )
    wait_for(lambda: log.exists() and log.read_text(), "a task to start")
    redis.proc.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        reply, _ = collect(kc, msg_id)
        waited = time.monotonic() - started
        assert reply["status"] == "error" and reply["ename"] == "ClusterConnectionLostError", reply
        assert re.search(rf"Redis at {re.escape(redis.url)}/paralab did not answer for 1\d s", reply["evalue"]), reply["evalue"]
        assert "paused" in reply["evalue"] and "the local pool still works" in reply["evalue"]
        assert waited < 30, f"the cell ended {waited:.1f} s after Redis stopped"
        assert results_of(ok(kc, "%%parallel --map [1, 2] --quiet\nitem * 2"))[0]["text/plain"] == "[ 2, 4 ]"
        reply = error(kc, f"%%parallel --map [1, 2] --cluster {redis.url}\nitem")
        assert reply["ename"] in ("ClusterUnreachableError", "ClusterConnectionLostError"), reply
        assert "did not answer" in reply["evalue"], reply["evalue"]
    finally:
        redis.proc.send_signal(signal.SIGCONT)
    out = ok(kc, f"%%parallel --map [1, 2, 3] --cluster {redis.url} --quiet\nitem * 3")
    assert results_of(out)[0]["text/plain"] == "[ 3, 6, 9 ]"


def test_every_worker_dying_ends_the_cell_naming_them_and_the_kernel_goes_on(kc, redis, workers, tmp_path):
    a, b = workers(2)
    log = tmp_path / "dying.log"
    ok(kc, f"const DYING = {json.dumps(str(log))};")
    msg_id = kc.execute(
        f"%%parallel --map [1, 2, 3, 4, 5, 6] --cluster {redis.url} --chunksize 1\n"
        "require('fs').appendFileSync(DYING, `${item}\\n`);\nawait new Promise((r) => setTimeout(r, 3000));\nitem"
    )
    wait_for(lambda: log.exists() and len(log.read_text().split()) >= 2, "both workers to take a task")
    started = time.monotonic()
    a.kill()
    b.kill()
    reply, _ = collect(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "ClusterNoWorkersError", reply
    assert f"no paralab worker is left on {redis.url}/paralab" in reply["evalue"], reply["evalue"]
    assert f":{a.pid}" in reply["evalue"] and f":{b.pid}" in reply["evalue"], "it names the workers last seen"
    assert "0 of 6 items were done" in reply["evalue"] and "paralab worker --redis" in reply["evalue"]
    assert time.monotonic() - started < 20, "the registry forgets a dead worker within seconds"
    assert results_of(ok(kc, "%%parallel --map [1, 2] --quiet\nitem * 2"))[0]["text/plain"] == "[ 2, 4 ]"


def test_a_200_000_item_map_on_4_worker_processes(kc, redis, workers):
    ws = workers(4)
    out = ok(kc, f"%%parallel --map Array.from({{ length: 200_000 }}, (_, i) => i) --cluster {redis.url} --out big\n"
                 "item * 2 + 1")
    assert value(kc, "big.length === 200_000 && big.every((v, i) => v === i * 2 + 1)") == "true"
    record = run_record(out)
    assert record["items"] == 200_000 and sum(t["count"] for t in record["tasks"]) == 200_000
    assert all(t["status"] == "ok" for t in record["tasks"])
    names = {f"{os.uname().nodename}:{w.pid}/w0" for w in ws}
    assert set(record["lanes"]) <= names


def test_two_kernels_share_one_cluster_at_once_and_their_results_never_mix(kc, redis, workers):
    workers(2, concurrency=2)
    km2, kc2 = start_new_kernel(kernel_name="paralab", startup_timeout=TIMEOUT,
                                env={**os.environ, "PARALAB_CLUSTER_KEY": KEY})
    try:
        cell = (f"%%parallel --map Array.from({{ length: 300 }}, (_, i) => i) --cluster {redis.url} --chunksize 7 --out mine --quiet\n"
                "await new Promise((r) => setTimeout(r, 2)); [WHO, item]")
        ok(kc, "const WHO = 'first';")
        ok(kc2, "const WHO = 'second';")
        first = kc.execute(cell)
        second = kc2.execute(cell)
        for client, msg_id in ((kc, first), (kc2, second)):
            reply, _ = collect(client, msg_id)
            assert reply["status"] == "ok", reply
        for client, who in ((kc, "first"), (kc2, "second")):
            check = f"mine.length === 300 && mine.every(([w, i], k) => w === '{who}' && i === k)"
            assert value(client, check) == "true", who
    finally:
        kc2.stop_channels()
        km2.shutdown_kernel(now=True)


def test_no_worker_on_the_queue_says_how_to_start_one(kc, redis):
    reply = error(kc, f"%%parallel --map [1] --cluster {redis.url}/empty\nitem")
    assert reply["ename"] == "ClusterNoWorkersError"
    assert f"no paralab worker serves queue empty on {redis.url}/empty" in reply["evalue"]
    assert f"paralab worker --redis {redis.url} --queue empty" in reply["evalue"]


# --- keys ----------------------------------------------------------------------------------------------


def test_a_worker_with_the_wrong_key_refuses_and_the_others_finish(kc, redis, workers):
    (wrong,) = workers(1, key="not-the-kernel-key-at-all")
    (good,) = workers(1)
    out = ok(kc, f"%%parallel --map Array.from({{ length: 40 }}, (_, i) => i) --cluster {redis.url} --chunksize 1 --out k --quiet\n"
                 "await new Promise((r) => setTimeout(r, 10)); item")
    assert value(kc, "k.length === 40 && k.every((v, i) => v === i)") == "true"
    wait_for(lambda: "refused task" in wrong.text(), "the wrongly keyed worker to log a refusal")
    assert "a wrong signature" in wrong.text() and "goes back to the queue for the other workers" in wrong.text()
    assert "refused" not in good.text()
    assert "runs again" not in stdout_of(out, "stderr"), "a refused task is not a retry after a dead worker"


def test_an_event_not_signed_with_the_key_stops_the_run_and_nothing_of_it_is_used(kc, redis, workers):
    workers(2)
    msg_id = kc.execute(f"%%parallel --map [1, 2] --cluster {redis.url} --chunksize 1\n"
                        "console.log('waiting', item);\nawait new Promise((r) => setTimeout(r, 60_000));\nitem")
    read_until(kc, msg_id, lambda text: "waiting" in text)
    [events] = redis.cli("--scan", "--pattern", "paralab.cluster:paralab:run:*:events").split()
    redis.cli("xadd", events, "*", "e", "a result from someone without the key, forty bytes or more")
    reply, _ = collect(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "ClusterSignatureError", reply
    assert "is not signed with the cluster key" in reply["evalue"] and "uses none of it" in reply["evalue"]
    assert results_of(ok(kc, f"%%parallel --map [1, 2, 3] --cluster {redis.url} --quiet\nitem * 2"))[0]["text/plain"] == "[ 2, 4, 6 ]"


def test_a_kernel_with_the_wrong_or_no_key_says_so(kc, redis, workers):
    workers(2)
    try:
        ok(kc, "process.env.PARALAB_CLUSTER_KEY = 'a-key-no-worker-has-0000';")
        # Each run fails at once, the re-run too (it waited forever on workers paused after refusing: issue 26).
        for attempt in range(3):
            started = time.monotonic()
            reply = error(kc, f"%%parallel --map [1, 2, 3] --cluster {redis.url}\nitem")
            assert reply["ename"] == "ClusterSignatureError"
            assert f"no worker on {redis.url}/paralab has this kernel's cluster key" in reply["evalue"], reply["evalue"]
            assert "they would refuse every task" in reply["evalue"] and "set PARALAB_CLUSTER_KEY" in reply["evalue"]
            assert time.monotonic() - started < 10, f"attempt {attempt} took {time.monotonic() - started:.1f} s"
        ok(kc, "import { delayed, compute } from 'paralab';")
        reply = error(kc, f"await compute(delayed((x: number) => x + 1)(1), {{ cluster: '{redis.url}' }})")
        assert reply["ename"] == "ClusterSignatureError" and "has this kernel's cluster key" in reply["evalue"]
        ok(kc, "delete process.env.PARALAB_CLUSTER_KEY;")
        reply = error(kc, f"%cluster {redis.url}")
        assert reply["ename"] == "ClusterKeyError" and "no cluster key: PARALAB_CLUSTER_KEY is not set" in reply["evalue"]
    finally:
        ok(kc, f"process.env.PARALAB_CLUSTER_KEY = {json.dumps(KEY)};")
    assert results_of(ok(kc, f"%%parallel --map [1, 2, 3] --cluster {redis.url} --quiet\nitem"))[0]["text/plain"] == "[ 1, 2, 3 ]"


# --- TLS and passwords -----------------------------------------------------------------------------------


def test_tls_with_a_password(tmp_path):
    server = RedisServer(tmp_path, tls=True, password="s3cret-pw")
    ca_env = {"NODE_EXTRA_CA_CERTS": str(server.ca)}
    worker = Worker(tmp_path, server.url, env=ca_env)
    km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=TIMEOUT,
                              env={**os.environ, "PARALAB_CLUSTER_KEY": KEY, **ca_env})
    try:
        text = stdout_of(ok(kc, f"%cluster {server.url}"))
        assert f"rediss://:***@127.0.0.1:{server.port}/paralab" in text and "s3cret-pw" not in text
        assert "1 worker on 1 host" in text
        assert results_of(ok(kc, "%%parallel --map [1, 2, 3] --quiet\nitem * item"))[0]["text/plain"] == "[ 1, 4, 9 ]"
        reply = error(kc, f"%cluster rediss://:wrong@127.0.0.1:{server.port}")
        assert "refused the user name or password" in reply["evalue"] and "wrong" not in reply["evalue"]
        reply = error(kc, f"%cluster redis://:s3cret-pw@127.0.0.1:{server.port}")
        assert reply["ename"] == "ClusterUnreachableError" and "rediss://" in reply["evalue"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        worker.stop()
        server.stop()


@pytest.fixture(autouse=True)
def back_to_the_local_pool(kc):
    """A test that set the session's cluster and failed must not move the next test's cells."""
    yield
    ok(kc, "%cluster off")


# Issue 23


def test_rediss_to_a_redis_without_tls_says_it_does_not_speak_tls_and_to_use_redis(kc, redis):
    tls_url = f"rediss://127.0.0.1:{redis.port}"
    reply = error(kc, f"%cluster {tls_url}")
    assert reply["ename"] == "ClusterUnreachableError", reply
    assert (
        f"cannot reach Redis at {tls_url}/paralab: the server at 127.0.0.1:{redis.port} does not speak TLS"
        in reply["evalue"]
    ), reply["evalue"]
    assert f"Use redis:// instead of rediss://: redis://127.0.0.1:{redis.port}/paralab." in reply["evalue"]
    assert "no answer within" not in reply["evalue"]
    assert "No cluster" in stdout_of(ok(kc, "%cluster"))
    assert results_of(ok(kc, "%%parallel --map [1, 2] --quiet\nitem + 1"))[0]["text/plain"] == "[ 2, 3 ]"


# Issue 26, item 3: workers a kernel's cell starts end with the kernel


def process_ended(pid):
    """Gone, or a zombie nobody reaped yet (its parent, the kernel, is dead)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except FileNotFoundError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"


# PARALAB_KERNEL_PID is read once a second, and the worker then closes (a few Redis calls, 3 s at most).
ORPHAN_EXIT_S = 10


def test_workers_a_cell_started_exit_once_their_kernel_is_killed_unless_told_to_outlive_it(redis, tmp_path):
    km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=TIMEOUT,
                              env={**os.environ, "PARALAB_CLUSTER_KEY": KEY})
    pids = []
    try:
        kernel_pid = km.provisioner.pid
        logs = [tmp_path / f"cell-worker-{i}.log" for i in range(3)]
        # As notebook 10 starts its workers: spawned from a cell, with the kernel's environment.
        pids = json.loads(value(kc, f"""
const {{ spawn }} = require("node:child_process");
const fs = require("node:fs");
JSON.stringify({json.dumps([str(p) for p in logs])}.map((log, i) => {{
  const out = fs.openSync(log, "w");
  const args = [{json.dumps(str(CLI))}, "worker", "--redis", "{redis.url}", "--concurrency", "1"];
  return spawn(process.execPath, i === 2 ? [...args, "--outlive-kernel"] : args, {{ stdio: ["ignore", out, out] }}).pid;
}}))""").strip("'"))
        for log in logs:
            wait_for(lambda: "serving queue" in log.read_text(), f"{log.name} to serve")
        wait_for(lambda: len(redis.cli("ZRANGE", "paralab.cluster:paralab:workers", "0", "-1").split()) == 3,
                 "3 workers in the registry")
        os.kill(kernel_pid, signal.SIGKILL)
        started = time.monotonic()
        wait_for(lambda: process_ended(pids[0]) and process_ended(pids[1]),
                 f"the two workers to exit within {ORPHAN_EXIT_S} s of the kernel's SIGKILL", timeout=ORPHAN_EXIT_S)
        print(f"workers exited {time.monotonic() - started:.1f} s after the kernel's SIGKILL")
        for log in logs[:2]:
            assert f"the kernel that started it (pid {kernel_pid}, PARALAB_KERNEL_PID) is gone; stopping" in log.read_text()
        # They left the registry on the way out; the one told to outlive the kernel serves on.
        assert not process_ended(pids[2]), logs[2].read_text()
        assert redis.cli("ZRANGE", "paralab.cluster:paralab:workers", "0", "-1").split() == [f"{os.uname().nodename}:{pids[2]}"]
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        kc.stop_channels()
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # already killed above
            pass


# Issue 26, item 3: the cluster in the Parallel panel (its paralab.monitor comm)


class RegistryReads:
    """Counts reads of the worker registry (registry.listWorkers: one ZRANGE of the workers' set) by watching
    every command Redis runs (redis-cli MONITOR)."""

    def __init__(self, redis, tmp_path):
        self.path = tmp_path / "monitor.log"
        self.out = open(self.path, "w")
        self.proc = subprocess.Popen(["redis-cli", "-p", str(redis.port), "MONITOR"], stdout=self.out)
        wait_for(lambda: "OK" in self.path.read_text(), "redis-cli MONITOR")

    def count(self):
        return self.path.read_text().count('"zrange" "paralab.cluster:paralab:workers"')

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.out.close()


def open_monitor(kc, period_ms):
    comm_id = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "paralab.monitor",
                                                       "data": {"periodMs": period_ms}}))
    return comm_id


def monitor_samples(kc, comm_id, until, timeout=TIMEOUT):
    """The comm's samples up to the first for which until(samples) holds."""
    samples = []
    deadline = time.monotonic() + timeout
    while not (samples and until(samples)):
        assert time.monotonic() < deadline, f"monitor samples never satisfied the test: {samples[-3:]}"
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == comm_id:
            samples.append(msg["content"]["data"])
    return samples


def test_the_monitor_lists_the_cluster_s_workers_reading_redis_at_most_once_a_heartbeat(kc, redis, workers, tmp_path):
    started = workers(1) + workers(1, concurrency=2)
    comm_id = open_monitor(kc, 100)
    before = monitor_samples(kc, comm_id, lambda s: len(s) >= 2)
    assert all(s["cluster"] is None for s in before), "no cluster before %cluster"
    ok(kc, f"%cluster {redis.url}")
    reads = RegistryReads(redis, tmp_path)
    try:
        t0 = time.monotonic()
        samples = monitor_samples(kc, comm_id, lambda s: len(s) >= 30 and s[-1]["cluster"] is not None)
        zranges, elapsed = reads.count(), time.monotonic() - t0
    finally:
        reads.stop()
    kc.shell_channel.send(kc.session.msg("comm_close", {"comm_id": comm_id, "data": {}}))
    cluster = samples[-1]["cluster"]
    assert cluster["display"] == f"{redis.url}/paralab" and cluster["queue"] == "paralab" and cluster["error"] is None
    assert sorted((w["host"], w["pid"], w["runtimes"]) for w in cluster["workers"]) == sorted(
        (os.uname().nodename, w.pid, n) for w, n in zip(started, (1, 2)))
    for w in cluster["workers"]:
        assert w["busy"] == 0 and w["tasksDone"] == 0 and w["memoryBytes"] > 0, w
        assert 0 <= w["heartbeatAgeMs"] < 5000, w
    # 30 samples at 100 ms; the registry was read once a heartbeat (1 s), not once a sample.
    assert zranges <= elapsed + 2, f"{zranges} registry reads in {elapsed:.1f} s for {len(samples)} samples"


def test_a_cluster_map_shows_in_the_monitor_as_a_cluster_run_and_in_its_workers_readings(kc, redis, workers):
    workers(2)
    ok(kc, f"%cluster {redis.url}")
    comm_id = open_monitor(kc, 100)
    msg_id = kc.execute("%%parallel --map Array.from({ length: 12 }, (_, i) => i) --chunksize 1 --quiet\n"
                        "const end = Date.now() + 500; while (Date.now() < end); item")
    samples = []
    while True:  # the samples sent while the cell runs, up to its end
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == comm_id:
            samples.append(msg["content"]["data"])
        elif msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                and msg["content"]["execution_state"] == "idle":
            break
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"
    # Heartbeats come once a second: the samples that follow the run carry its tasks.
    samples += monitor_samples(
        kc, comm_id, lambda s: sum(w["tasksDone"] for w in (s[-1]["cluster"] or {}).get("workers", [])) >= 12)
    kc.shell_channel.send(kc.session.msg("comm_close", {"comm_id": comm_id, "data": {}}))
    runs = [s["run"] for s in samples if s["run"]]
    assert runs and all(r["where"] == "cluster" and r["total"] == 12 for r in runs), runs
    assert any(0 < r["done"] <= 12 for r in runs), runs
    assert any(w["busy"] > 0 for s in samples if s["cluster"] for w in s["cluster"]["workers"]), "busy while it ran"
    # Each worker spins 3 s, over two heartbeats at least: one interval between them is all spinning
    # (at 25% or more of a core even on a machine whose other programs take some).
    assert any((w["cpuPercent"] or 0) > 25 for s in samples if s["cluster"] for w in s["cluster"]["workers"]), \
        "a worker's CPU while it spun"
    assert sum(w["tasksDone"] for w in samples[-1]["cluster"]["workers"]) == 12


def test_the_monitor_says_when_the_cluster_s_redis_is_gone_and_keeps_sampling(kc, redis, workers):
    workers(1)
    ok(kc, f"%cluster {redis.url}")
    comm_id = open_monitor(kc, 200)
    monitor_samples(kc, comm_id, lambda s: len((s[-1]["cluster"] or {}).get("workers", [])) == 1)
    redis.kill()
    samples = monitor_samples(kc, comm_id, lambda s: (s[-1]["cluster"] or {}).get("error") is not None)
    error_text = samples[-1]["cluster"]["error"]
    assert f"{redis.url}/paralab" in error_text, error_text
    # The kernel answers, and the panel follows it back to the local pool.
    ok(kc, "%cluster off")
    monitor_samples(kc, comm_id, lambda s: s[-1]["cluster"] is None)
    kc.shell_channel.send(kc.session.msg("comm_close", {"comm_id": comm_id, "data": {}}))
