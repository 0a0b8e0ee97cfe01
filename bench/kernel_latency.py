"""Section 1: kernel start-up (spawn → kernel_info_reply) and trivial-cell latency, side by side.

Start-ups alternate between the kernels; latency runs alternate cell by cell on two live
kernels, so that machine noise hits both alike.
Options (JSON argv[1]): kernels (spec names), startups, runs, warmup, code.
"""
from jupyter_kernels import TimedKernel, args, drain_iopub, emit, log, summary_ms


def main():
    o = args()
    names = o.get("kernels", ["paralab", "tslab"])
    startups, runs, warmup = o.get("startups", 3), o.get("runs", 50), o.get("warmup", 5)
    code = o.get("code", "1+1")
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
        checks = {n: k.stdout_of(code)[1] for n, k in kernels.items()}
        latency = {n: [] for n in names}
        for i in range(warmup + runs):
            for n, k in kernels.items():
                s, reply = k.execute(code)
                if reply["status"] != "ok":
                    raise RuntimeError(f"{n}: {code!r} failed: {reply}")
                if i >= warmup:
                    latency[n].append(s)
            if i % 10 == 0:
                for k in kernels.values():
                    drain_iopub(k.kc)
    finally:
        for k in kernels.values():
            k.close()
    emit(
        {
            "code": code,
            "kernels": {
                n: {"startup": summary_ms(startup[n]), "latency": summary_ms(latency[n]), "output": checks[n]}
                for n in names
            },
        }
    )


if __name__ == "__main__":
    main()
