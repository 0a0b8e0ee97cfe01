"""Section "deno": paralab, Deno's Jupyter kernel and tslab side by side on start-up, `1+1`, a new
source each time and a top-level 30 M loop.

Start-up is spawn → ready (kernel_info_reply and iopub connected), start-ups alternating between
the kernels; first cell is spawn → the reply to a `1+1` sent as soon as the kernel is ready. Latency is execute_request → execute_reply, alternating request by request between
the live kernels. The loop cell times itself with performance.now() and process.cpuUsage() and
prints one JSON line; Deno sometimes sends a cell's output after its idle status, so that line is
waited for past idle (up to LATE_S).
Options (JSON argv[1]): kernels (spec names), startups, runs, warmup, iterations, rounds,
loopRounds (per kernel name, overrides rounds: tslab's loop is ~100x slower).
"""
import json
import os
import sys
import time

from jupyter_kernels import TimedKernel, args, drain_iopub, emit, keep_stdout_for_the_result, log, summary_ms

LATE_S = 5
LOOP = (
    "const t0 = performance.now(), ct0 = process.cpuUsage();\nlet h = 0;\n"
    "for (let i = 0; i < {n}; i++) {{ h = (h + i * 7) % 1000003; }}\n"
    "const cpu0 = process.cpuUsage(ct0);\n"
    'console.log(JSON.stringify({{ ms: performance.now() - t0, cpuMs: (cpu0.user + cpu0.system) / 1000, h }}));'
)


def output_of(k, code, done, timeout=600):
    """Runs code and reads its text outputs (stream, execute_result) until idle and done(text)
    holds, waiting up to LATE_S past idle for outputs that come late; returns the text."""
    msg_id = k.kc.execute(code, store_history=False)
    text, idle_at, deadline = "", None, time.monotonic() + timeout
    while not (idle_at and done(text)):
        left = (idle_at + LATE_S if idle_at else deadline) - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"{k.name}: {code[:40]!r} gave no expected output (got {text!r})")
        try:
            msg = k.kc.get_iopub_msg(timeout=left)
        except Exception:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t = msg["msg_type"]
        if t == "stream":
            text += msg["content"]["text"]
        elif t == "execute_result":
            text += msg["content"]["data"].get("text/plain", "")
        elif t == "error":
            raise RuntimeError(f"{k.name}: {msg['content']['ename']}: {msg['content']['evalue']}")
        elif t == "status" and msg["content"]["execution_state"] == "idle":
            idle_at = time.monotonic()
    return text


def json_line(text):
    """The first line of text that parses as a JSON object, or None."""
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


def main():
    keep_stdout_for_the_result()
    o = args()
    names = o.get("kernels", ["paralab", "deno", "tslab"])
    startups, runs, warmup = o.get("startups", 4), o.get("runs", 50), o.get("warmup", 5)
    n, rounds = o.get("iterations", 30_000_000), o.get("rounds", 3)
    loop_rounds = {name: o.get("loopRounds", {}).get(name, rounds) for name in names}
    cells = {"1+1": "1+1", "1+i (new source each run)": "1+{i}"}

    startup = {name: [] for name in names}
    # Spawn → the first cell's reply, as a user who runs a cell at once sees it: a kernel that
    # answers kernel_info before it is wholly ready makes that first cell wait.
    first_cell = {name: [] for name in names}
    for i in range(startups - 1):
        for name in names:
            k = TimedKernel(name)
            startup[name].append(k.startup_s)
            _, reply = k.execute("1+1")
            if reply["status"] != "ok":
                raise RuntimeError(f"{name}: the first 1+1 failed: {reply}")
            first_cell[name].append(time.perf_counter() - k.spawned)
            log(f"startup {name} #{i}: {k.startup_s * 1000:.0f} ms, first 1+1 replied at {first_cell[name][-1] * 1000:.0f} ms")
            k.close()
    kernels = {}
    try:
        for name in names:
            kernels[name] = TimedKernel(name)
            startup[name].append(kernels[name].startup_s)
            log(f"startup {name} (kept): {kernels[name].startup_s * 1000:.0f} ms")
        checks = {name: output_of(k, "1+1", lambda text: text.strip() != "").strip() for name, k in kernels.items()}
        latency = {name: {label: [] for label in cells} for name in names}
        for label, template in cells.items():
            for i in range(warmup + runs):
                code = template.format(i=i + 1000)
                for name, k in kernels.items():
                    s, reply = k.execute(code)
                    if reply["status"] != "ok":
                        raise RuntimeError(f"{name}: {code!r} failed: {reply}")
                    if i >= warmup:
                        latency[name][label].append(s)
                if i % 10 == 0:
                    for k in kernels.values():
                        drain_iopub(k.kc)
            log(f"{label}: " + ", ".join(f"{nm} {summary_ms(v[label])['medianMs']:.2f} ms" for nm, v in latency.items()))
        loop = {name: {"ms": [], "cpuMs": [], "h": None} for name in names}
        for r in range(max(loop_rounds.values())):
            for name, k in kernels.items():
                if r >= loop_rounds[name]:
                    continue
                drain_iopub(k.kc)
                line = json_line(output_of(k, LOOP.format(n=n), lambda text: json_line(text) is not None))
                loop[name]["ms"].append(line["ms"])
                loop[name]["cpuMs"].append(line["cpuMs"])
                loop[name]["h"] = line["h"]
                log(f"loop round {r} {name}: {line['ms']:.0f} ms (CPU {line['cpuMs']:.0f} ms)")
    finally:
        for k in kernels.values():
            k.close()
    emit(
        {
            "iterations": n,
            "kernels": {
                name: {
                    "startup": summary_ms(startup[name]),
                    "firstCell": summary_ms(first_cell[name]),
                    "latency": {label: summary_ms(s) for label, s in latency[name].items()},
                    "loop": {
                        "wall": summary_ms([v / 1000 for v in loop[name]["ms"]]),
                        "cpu": summary_ms([v / 1000 for v in loop[name]["cpuMs"]]),
                        "h": loop[name]["h"],
                    },
                    "output": checks[name],
                }
                for name in names
            },
        }
    )


if __name__ == "__main__":
    main()
