"""Workers never outlive the kernel: shutdown, restart, and a kernel killed with SIGKILL."""
import json
import os
import re
import signal
import subprocess
import time

from jupyter_client.manager import start_new_kernel

from conftest import JUPYTER, results_of, run


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


def console_with_process_workers(tmp_path):
    """A jupyter console whose kernel runs two process workers: (console, kernel pid, worker pids)."""
    log = tmp_path / "console.txt"
    out = open(log, "w")
    console = subprocess.Popen(
        [JUPYTER, "console", "--kernel", "paralab", "--simple-prompt"],
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # One line per cell: a console reading a pipe sends each line as it comes.
    console.stdin.write(
        'process.pid\nimport { parallel } from "paralab";\n'
        "await parallel.spmd(() => process.pid, { processes: true, workers: 2 })\n"
    )
    console.stdin.flush()
    deadline = time.time() + 90
    while time.time() < deadline and "Out[3]" not in log.read_text() and console.poll() is None:
        time.sleep(0.2)
    text = log.read_text()
    try:
        kernel = int(re.search(r"Out\[1\]: (\d+)", text)[1])
        workers = [int(p) for p in re.search(r"Out\[3\]: \[ (\d+), (\d+) \]", text).groups()]
    except (TypeError, AttributeError):
        console.kill()
        console.wait()
        raise AssertionError(f"the console did not show the kernel's and workers' pids:\n{text}")
    return console, kernel, workers


def test_killing_console_and_kernel_ends_the_process_workers(tmp_path):
    console, kernel, workers = console_with_process_workers(tmp_path)
    assert alive(kernel) and all(alive(p) for p in workers)
    os.kill(console.pid, signal.SIGKILL)
    os.kill(kernel, signal.SIGKILL)
    console.wait()
    assert wait_gone(workers) == [], "process workers outlived their SIGKILLed kernel"


def test_killing_the_console_ends_its_kernel_and_workers(tmp_path):
    console, kernel, workers = console_with_process_workers(tmp_path)
    os.kill(console.pid, signal.SIGKILL)
    console.wait()
    assert wait_gone([kernel] + workers) == [], "the kernel or its workers outlived the console that started them"


def test_a_killed_console_not_yet_reaped_still_ends_its_kernel_and_workers(tmp_path):
    # Until its launcher waits for it, the killed console is a zombie: kill(pid, 0) still succeeds.
    console, kernel, workers = console_with_process_workers(tmp_path)
    os.kill(console.pid, signal.SIGKILL)
    try:
        assert wait_gone([kernel] + workers) == [], "the kernel or its workers outlived an unreaped console"
        with open(f"/proc/{console.pid}/stat") as f:
            assert f.read().split(") ", 1)[1][0] == "Z", "the console was meant to stay unreaped during the test"
    finally:
        console.wait()
