"""Start a kernel by spec name and time requests on it through jupyter_client (blocking API).

The kernel specs come from JUPYTER_PATH, which the TypeScript side points at a temporary
directory holding the specs it compares (paralab and tslab), so nothing is installed for the user.
"""
import json
import os
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

TIMEOUT_S = 120


def log(*parts):
    print("[bench.py]", *parts, file=sys.stderr, flush=True)


def emit(result):
    """The one JSON document on stdout that the TypeScript side reads."""
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()


def keep_stdout_for_the_result():
    """The kernels inherit fd 1, so anything they (or their children) print could land inside the
    one JSON line read from our stdout: point their fd 1 at stderr, and emit on a copy of it."""
    sys.stdout.flush()
    sys.stdout = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)


def summary_ms(samples_s):
    ms = sorted(s * 1000 for s in samples_s)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return {"n": len(ms), "medianMs": statistics.median(ms), "p90Ms": p90, "minMs": ms[0], "maxMs": ms[-1]}


def wait_reply(kc, msg_id, timeout=TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.001, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def drain_iopub(kc):
    while True:
        try:
            kc.get_iopub_msg(timeout=0.01)
        except Exception:
            return


class TimedKernel:
    """A kernel started from its spec; startup_s is spawn → ready (kernel_info_reply, iopub connected)."""

    def __init__(self, name):
        self.name = name
        self.km = KernelManager(kernel_name=name)
        t0 = self.spawned = time.perf_counter()
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        # Ready = a kernel_info_reply and iopub connected (jupyter_client's own check). A bare reply
        # is not enough: a SUB socket still connecting misses the first cell's idle status, and
        # stdout_of would then wait for it forever.
        self.kc.wait_for_ready(timeout=TIMEOUT_S)
        self.startup_s = time.perf_counter() - t0
        drain_iopub(self.kc)

    def execute(self, code, timeout=TIMEOUT_S):
        """Seconds from execute_request to execute_reply, and the reply content."""
        t0 = time.perf_counter()
        msg_id = self.kc.execute(code, store_history=False)
        reply = wait_reply(self.kc, msg_id, timeout)
        return time.perf_counter() - t0, reply["content"]

    def execute_to_idle(self, code, timeout=TIMEOUT_S):
        """Seconds from execute_request to execute_reply and to the request's `idle` (outputs a
        kernel sends after its reply, such as paralab's chart PNG, come before that), and the reply."""
        t0 = time.perf_counter()
        msg_id = self.kc.execute(code, store_history=False)
        reply = wait_reply(self.kc, msg_id, timeout)
        reply_s = time.perf_counter() - t0
        deadline = time.monotonic() + timeout
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.001, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                    and msg["content"]["execution_state"] == "idle":
                return reply_s, time.perf_counter() - t0, reply["content"]

    def stdout_of(self, code, timeout=TIMEOUT_S):
        """Runs code and returns its reply and text outputs (for checks, not timing)."""
        msg_id = self.kc.execute(code, store_history=False)
        texts = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            t = msg["msg_type"]
            if t == "status" and msg["content"]["execution_state"] == "idle":
                break
            if t == "stream":
                texts.append(msg["content"]["text"])
            elif t in ("execute_result", "display_data"):
                texts.append(msg["content"]["data"].get("text/plain", ""))
            elif t == "error":
                texts.append(msg["content"]["ename"] + ": " + msg["content"]["evalue"])
        return wait_reply(self.kc, msg_id, timeout)["content"], "".join(texts)

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def args():
    """The JSON options object given as the first argument."""
    return json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
