"""Section 1: kernel start-up (spawn → ready: kernel_info_reply and iopub connected) and trivial-cell latency, side by side.

Start-ups alternate between the kernels; latency runs alternate request by request between two
live kernels, so that machine noise hits both alike.
Two cells: `1+1` every time (the same source: the type checker has nothing new to check) and
`1+<i>` with a new number each run (a new source, as when a user types).
Options (JSON argv[1]): kernels (spec names), startups, runs, warmup.
"""
from jupyter_kernels import TimedKernel, args, drain_iopub, emit, log, summary_ms


def main():
    o = args()
    names = o.get("kernels", ["paralab", "tslab"])
    startups, runs, warmup = o.get("startups", 3), o.get("runs", 50), o.get("warmup", 5)
    cells = {"1+1": "1+1", "1+i (new source each run)": "1+{i}"}
    startup = {n: [] for n in names}
    for i in range(startups - 1):
        for n in names:
            k = TimedKernel(n)
            startup[n].append(k.startup_s)
            log(f"startup {n} #{i}: {k.startup_s * 1000:.0f} ms")
            k.close()
    kernels = {}
    for n in names:
        kernels[n] = TimedKernel(n)
        startup[n].append(kernels[n].startup_s)
        log(f"startup {n} (kept): {kernels[n].startup_s * 1000:.0f} ms")
    try:
        checks = {n: k.stdout_of("1+1")[1].strip() for n, k in kernels.items()}
        latency = {n: {label: [] for label in cells} for n in names}
        for label, template in cells.items():  # one block per cell: `1+1` repeats its own source
            for i in range(warmup + runs):
                code = template.format(i=i + 1000)
                for n, k in kernels.items():
                    s, reply = k.execute(code)
                    if reply["status"] != "ok":
                        raise RuntimeError(f"{n}: {code!r} failed: {reply}")
                    if i >= warmup:
                        latency[n][label].append(s)
                if i % 10 == 0:
                    for k in kernels.values():
                        drain_iopub(k.kc)
    finally:
        for k in kernels.values():
            k.close()
    emit(
        {
            "kernels": {
                n: {
                    "startup": summary_ms(startup[n]),
                    "latency": {label: summary_ms(s) for label, s in latency[n].items()},
                    "output": checks[n],
                }
                for n in names
            },
        }
    )


if __name__ == "__main__":
    main()
