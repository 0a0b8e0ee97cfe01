#!/usr/bin/env python3
"""Soak: many mixed cells through one kernel, watching for leaks.

    .venv/bin/python test/soak.py [--cells 500] [--every 50]

Runs plain cells, %%parallel maps and SPMD cells (with comm), --processes cells, %%gpu cells,
interrupts (of a plain loop and of a parallel loop), failing tasks, results that cannot be sent
back, rejections nobody awaits and runs with charts, in a fixed rotation, through one kernel
started by jupyter_client. Every `--every` cells it samples the kernel's RSS, its threads and its
child processes, and prints a table. It exits 1 when something leaked: threads or child processes
above the first sample (the pools are full by then), or RSS grown by more than a quarter (and
100 MB) from the sample after warm-up to the last, or RSS after a full GC in the kernel grown by
more than GC_RSS_GROWTH_MB from cell 100 to the end (the least of the last three samples: a
worker's heap, which that GC does not reach, comes and goes)."""
import argparse
import os
import sys
import time
from queue import Empty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jupyter_client.manager import start_new_kernel  # noqa: E402

from conftest import run, shell_reply  # noqa: E402

THREADS = 2
PROCESSES = 2
# RSS after a full GC, cell 100 → 500: measured 301 → 325 MB before the heap and malloc bounds
# (server/heap-bound.ts, the kernel spec's MALLOC_MMAP_THRESHOLD_), mostly warm-up that levels off.
GC_RSS_GROWTH_MB = 50
# A full GC in the kernel's main isolate (the kernel runs without --expose-gc), as a cell.
FULL_GC = ('const v8$ = require("v8"); v8$.setFlagsFromString("--expose-gc"); '
           'const gc$ = require("vm").runInNewContext("gc"); v8$.setFlagsFromString("--no-expose-gc"); gc$(); gc$();')
# (twice, and a moment for V8's background unmapper: after one GC the pages it freed are still mapped)

CELLS = [
    ("plain", "let s = 0; for (let i = 0; i < 2e5; i++) s += i; s", "ok"),
    ("map", "%%parallel --map Array.from({ length: 400 }, (_, i) => i) --quiet\nMath.sqrt(item) * 2", "ok"),
    ("spmd", "%%parallel --quiet\nconst mine = new Float64Array(1e4).fill(rank);\nawait comm.allreduce(rank, 'sum')", "ok"),
    ("processes", "%%parallel --processes --map [1, 2, 3, 4] --quiet\nitem * process.pid", "ok"),
    ("gpu", "%%gpu --output 64 --mode cpu\nreturn this.thread.x * 2;", "ok"),
    ("fail", "%%parallel --map [1, 2, 3] --quiet\nif (item === 2) throw new Error('soak'); item", "error"),
    ("chart", "%%parallel --map Array.from({ length: 64 }, (_, i) => i)\nlet t = 0; for (let i = 0; i < 1e4; i++) t += i; t", "ok"),
    ("interrupt-parallel", "%%parallel --quiet\nwhile (true) {}", "interrupt"),
    ("unsendable", "%%parallel --quiet\n() => rank", "error"),
    ("rejection", "%%parallel --quiet\nPromise.reject(new Error('soak')); rank", "ok"),
    ("processes-spmd", "%%parallel --processes --quiet\nawait comm.bcast(rank, 0)", "ok"),
    ("interrupt-plain", "while (true) {}", "interrupt"),
    ("continue", "%%parallel --map [1, 2, 3, 4] --continue-on-error --quiet\nif (item % 2) throw new Error('odd'); item", "ok"),
]


def sample(pid):
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.split(":", 1) for line in f)
    children = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            children += 1
    return {
        "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
        "threads": int(status["Threads"]),
        "children": children,
    }


def run_cell(km, kc, code, expect):
    if expect != "interrupt":
        reply, _ = run(kc, code, timeout=120)
        if reply["status"] != expect:
            raise SystemExit(f"soak: expected {expect}, got {reply['status']} for:\n{code}\n{reply}")
        return
    msg_id = kc.execute(code)
    while True:  # the cell has started when its execute_input is out
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    time.sleep(0.3)
    km.interrupt_kernel()
    try:
        reply = shell_reply(kc, msg_id, 10)["content"]
    except Empty:
        raise SystemExit(f"soak: one interrupt did not end the cell within 10 s:\n{code}")
    if reply.get("ename") != "KeyboardInterrupt":
        raise SystemExit(f"soak: an interrupt did not end the cell with KeyboardInterrupt:\n{code}\n{reply}")
    while True:  # drain the cell's messages up to its idle
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break


def soak(cells=500, every=50, out=sys.stdout):
    km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=60)
    try:
        pid = km.provisioner.process.pid
        run_cell(km, kc, f"%workers {THREADS}", "ok")
        run_cell(km, kc, f"%%parallel --processes --workers {PROCESSES} --quiet\nrank", "ok")
        samples = []
        t0 = time.time()
        print(f"{'cells':>6} {'RSS MB':>8} {'after GC':>11} {'threads':>8} {'children':>9} {'seconds':>8}", file=out)
        for i in range(1, cells + 1):
            kind, code, expect = CELLS[(i - 1) % len(CELLS)]
            run_cell(km, kc, code, expect)
            if i % every == 0 or i == cells:
                s = sample(pid)
                s["cells"] = i
                run_cell(km, kc, FULL_GC, "ok")
                time.sleep(0.5)
                s["rss_gc_mb"] = sample(pid)["rss_mb"]
                samples.append(s)
                print(f"{i:>6} {s['rss_mb']:>8.0f} {s['rss_gc_mb']:>11.0f} {s['threads']:>8} {s['children']:>9} {time.time() - t0:>8.0f}", file=out, flush=True)
        return samples
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def leaks(samples, rss=True):
    """What grew that should not have, in words ([] when nothing did). RSS is judged only on long
    runs (rss=True): over the first hundred cells it grows while caches, charts and GPU modes warm up."""
    first, last = samples[0], samples[-1]
    problems = []
    if last["threads"] > first["threads"]:
        problems.append(f"threads grew from {first['threads']} to {last['threads']}")
    if last["children"] > PROCESSES or last["children"] > first["children"]:
        problems.append(f"child processes: {last['children']} at the end ({first['children']} at first, {PROCESSES} workers)")
    base = samples[1] if len(samples) > 2 else first
    if rss and last["rss_mb"] > base["rss_mb"] * 1.25 and last["rss_mb"] - base["rss_mb"] > 100:
        problems.append(f"RSS grew from {base['rss_mb']:.0f} MB (after {base['cells']} cells) to {last['rss_mb']:.0f} MB")
    after = [s for s in samples if s["cells"] >= 100]
    if rss and len(after) >= 4:
        end = min(s["rss_gc_mb"] for s in after[-3:])
        if end - after[0]["rss_gc_mb"] > GC_RSS_GROWTH_MB:
            problems.append(f"RSS after a full GC grew from {after[0]['rss_gc_mb']:.0f} MB (after {after[0]['cells']} cells) "
                            f"to {end:.0f} MB (more than {GC_RSS_GROWTH_MB} MB)")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=500)
    parser.add_argument("--every", type=int, default=50)
    o = parser.parse_args()
    samples = soak(o.cells, o.every)
    problems = leaks(samples)
    print("no leak" if not problems else "LEAK: " + "; ".join(problems))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
