"""Workers never outlive the kernel: shutdown, restart, and a kernel killed with SIGKILL."""
import json
import os
import signal
import time

from jupyter_client.manager import start_new_kernel

from conftest import results_of, run


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its parent is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pids, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def worker_pids(kc):
    reply, outputs = run(kc, "%%parallel --processes --workers 2 --quiet\nprocess.pid")
    assert reply["status"] == "ok", reply
    return json.loads(results_of(outputs)[0]["text/plain"].replace(" ", ""))


def test_process_workers_end_with_a_killed_kernel():
    km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=60)
    try:
        pids = worker_pids(kc)
        assert all(alive(p) for p in pids)
        os.kill(km.provisioner.process.pid, signal.SIGKILL)
        assert wait_gone(pids) == [], "process workers outlived a SIGKILLed kernel"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_process_workers_end_with_shutdown_and_restart():
    km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=60)
    try:
        pids = worker_pids(kc)
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=60)
        assert wait_gone(pids) == [], "process workers outlived a kernel restart"
        pids = worker_pids(kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    assert wait_gone(pids) == [], "process workers outlived a kernel shutdown"
