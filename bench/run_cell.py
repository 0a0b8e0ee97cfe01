"""Runs cells in a fresh kernel and returns the text output of the last one (for timings taken
inside the kernel, e.g. of parallel.map, which only runs in a paralab cell).
Options (JSON argv[1]): kernel (spec name), cells (list of code strings).
"""
from jupyter_kernels import TimedKernel, args, emit


def main():
    o = args()
    k = TimedKernel(o.get("kernel", "paralab"))
    try:
        for code in o["cells"]:
            reply, text = k.stdout_of(code)
            if reply["status"] != "ok":
                emit({"ok": False, "error": f"{reply.get('ename')}: {reply.get('evalue')}", "output": text})
                return
        emit({"ok": True, "output": text})
    finally:
        k.close()


if __name__ == "__main__":
    main()
