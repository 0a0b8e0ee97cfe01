"""Section 5: latency of a warm `%%parallel --workers 2` cell with a trivial body, through the kernel.

Variants alternate run by run on one live paralab kernel; a plain cell with a new source each run
(`1+i`, so the type checker has work to do) is the baseline. Each run is timed to its reply and to its
idle: paralab sends a run chart's PNG after the reply, before idle.
Options (JSON argv[1]): runs, warmup, variants ({label: cell header}).
Emits {"available": false, "reason": ...} when the kernel does not know %%parallel yet.
"""
from jupyter_kernels import TimedKernel, args, drain_iopub, emit, keep_stdout_for_the_result, log, summary_ms

BASELINE = "plain cell, new source (baseline)"
NEW_BODY = "type check, new body each run"
DEFAULT_VARIANTS = {
    "type check": "%%parallel --workers 2",
    "--no-typecheck": "%%parallel --workers 2 --no-typecheck",
    "type check, --quiet": "%%parallel --workers 2 --quiet",
    "--no-typecheck --quiet": "%%parallel --workers 2 --no-typecheck --quiet",
}


def main():
    keep_stdout_for_the_result()
    o = args()
    runs, warmup = o.get("runs", 30), o.get("warmup", 3)
    variants = o.get("variants", DEFAULT_VARIANTS)
    cells = {label: header + "\nrank" for label, header in variants.items()}
    # The default cell again, with a new body each run: its type check cannot be remembered.
    cells[NEW_BODY] = DEFAULT_VARIANTS["type check"] + "\nrank + {i}"
    cells[BASELINE] = "1 + {i}"
    k = TimedKernel("paralab")
    try:
        reply, text = k.stdout_of(cells[next(iter(variants))])
        if reply["status"] != "ok":
            emit({"available": False, "reason": f"{reply.get('ename')}: {reply.get('evalue')}"})
            return
        log("first %%parallel cell:", text.strip().splitlines()[:2])
        samples = {label: [] for label in cells}
        to_idle = {label: [] for label in cells}
        for i in range(warmup + runs):
            for label, code in cells.items():
                reply_s, idle_s, reply = k.execute_to_idle(code.replace("{i}", str(i)))
                if reply["status"] != "ok":
                    raise RuntimeError(f"{label}: failed: {reply.get('ename')}: {reply.get('evalue')}")
                if i >= warmup:
                    samples[label].append(reply_s)
                    to_idle[label].append(idle_s)
            drain_iopub(k.kc)
        emit({
            "available": True,
            "output": text,
            "variants": {label: summary_ms(s) for label, s in samples.items()},
            "toIdle": {label: summary_ms(s) for label, s in to_idle.items()},
        })
    finally:
        k.close()


if __name__ == "__main__":
    main()
