"""Start and shut down the kernel many times, through jupyter_client and through jupyter console,
after plain, %%parallel and --processes cells: every shutdown is clean (no "terminate called after
throwing an instance of 'Napi::Error'", no abort, no core) and leaves no process behind.

50 rounds of each by default (about 6 minutes on 2 busy cores); PARALAB_SHUTDOWN_ROUNDS=N changes it."""
import os
import re
import subprocess

from jupyter_client.manager import start_new_kernel

from conftest import console_session, value
from test_worker_lifetime import wait_gone

ROUNDS = int(os.environ.get("PARALAB_SHUTDOWN_ROUNDS", "50"))
CRASH = re.compile(r"terminate called|Napi::Error|Aborted|core dumped|Segmentation fault|FATAL ERROR")


def pids(text):
    return [int(p) for p in re.findall(r"\d+", text)]


def test_shutdown_through_jupyter_client(tmp_path):
    for i in range(ROUNDS):
        log = tmp_path / f"kernel-{i}.txt"
        with open(log, "w") as out:
            km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=60, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
            try:
                kernel = km.provisioner.process
                assert value(kc, "1 + 1") == "2"
                assert value(kc, "%%parallel --quiet\nrank").startswith("[ 0, 1")
                workers = pids(value(kc, "%%parallel --processes --workers 2 --quiet\nprocess.pid"))
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=False)
        text = log.read_text()
        assert not CRASH.search(text), f"round {i}:\n{text}"
        assert kernel.returncode == 0, f"round {i}: the kernel ended with {kernel.returncode} (not by itself):\n{text}"
        assert wait_gone([kernel.pid] + workers) == [], f"round {i}: processes left behind"
    assert not list(tmp_path.glob("core*"))


def test_shutdown_through_jupyter_console(tmp_path):
    # A console reading a pipe runs each line as a cell, so the parallel cells use the API forms.
    cells = [
        "1 + 1",
        "process.pid",
        'import { parallel } from "paralab";',
        "await parallel.spmd(({ rank }) => rank * 10)",
        "await parallel.spmd(() => process.pid, { processes: true, workers: 2 })",
    ]
    for i in range(ROUNDS):
        text = console_session(cells, tmp_path / f"console-{i}.txt", cwd=tmp_path)
        assert not CRASH.search(text), f"session {i}:\n{text}"
        assert "Out[1]: 2" in text and "Out[4]: [ 0, 10" in text, f"session {i}:\n{text}"
        kernel = int(re.search(r"Out\[2\]: (\d+)", text)[1])
        workers = pids(re.search(r"Out\[5\]: (\[.*\])", text)[1])
        assert len(workers) == 2 and kernel not in workers
        assert wait_gone([kernel] + workers) == [], f"session {i}: processes left behind"
    assert not list(tmp_path.glob("core*"))
