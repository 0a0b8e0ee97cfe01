"""Section "toplevel": the same loop at a cell's top level, inside a function, and in a later cell
that reads and writes a variable an earlier cell declared, in each kernel.

Each cell times itself with performance.now() around the loop and prints one JSON line, so the
type check and messaging are not part of the figure. Rounds alternate between the kernels (A, B,
A, B, ...) so that noise from other processes falls on both alike.
Options (JSON argv[1]): kernels (spec names), iterations, rounds.
"""
import json

from jupyter_kernels import TimedKernel, args, emit, log

LOOP = "for (let i = 0; i < {n}; i++) {{ {v} = ({v} + i * 7) % 1000003; }}"


def cells(n):
    """label → list of cells; the last prints {"ms": ..., "h": ...}."""
    # Wall time is what a user waits; CPU time (the loop is single-threaded) shows the same ratio
    # with less noise from other processes on a shared machine.
    report = (
        "const cpu{t} = process.cpuUsage(c{t});\n"
        "console.log(JSON.stringify({{ ms: performance.now() - {t}, cpuMs: (cpu{t}.user + cpu{t}.system) / 1000, h: {v} }}));"
    )
    return {
        "top level": [
            "const t0 = performance.now(), ct0 = process.cpuUsage();\nlet h = 0;\n"
            + LOOP.format(n=n, v="h")
            + "\n"
            + report.format(t="t0", v="h")
        ],
        "in a function": [
            "function loop() {\n  let h = 0;\n  "
            + LOOP.format(n=n, v="h")
            + "\n  return h;\n}\nconst t1 = performance.now(), ct1 = process.cpuUsage();\nconst hf = loop();\n"
            + report.format(t="t1", v="hf")
        ],
        "later cell, variable of an earlier cell": [
            "let g = 0;",
            "const t2 = performance.now(), ct2 = process.cpuUsage();\n" + LOOP.format(n=n, v="g") + "\n" + report.format(t="t2", v="g"),
        ],
    }


def main():
    o = args()
    names = o.get("kernels", ["paralab", "tslab"])
    n, rounds = o.get("iterations", 30_000_000), o.get("rounds", 3)
    plan = cells(n)
    kernels = {name: TimedKernel(name) for name in names}
    times = {name: {label: [] for label in plan} for name in names}
    cpu = {name: {label: [] for label in plan} for name in names}
    results = {name: {} for name in names}
    try:
        for r in range(rounds):
            for label, code in plan.items():
                for name, k in kernels.items():
                    for c in code:
                        reply, text = k.stdout_of(c, timeout=600)
                        if reply["status"] != "ok":
                            raise RuntimeError(f"{name}: {label} failed: {reply.get('ename')}: {reply.get('evalue')}")
                    line = json.loads(text.strip().splitlines()[-1])
                    times[name][label].append(line["ms"])
                    cpu[name][label].append(line["cpuMs"])
                    results[name][label] = line["h"]
                    log(f"round {r} {name} {label}: {line['ms']:.0f} ms (CPU {line['cpuMs']:.0f} ms)")
    finally:
        for k in kernels.values():
            k.close()
    emit({"iterations": n, "rounds": rounds, "timesMs": times, "cpuMs": cpu, "results": results, "cells": plan})


if __name__ == "__main__":
    main()
