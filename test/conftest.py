"""Shared fixtures: a real paralab kernel started by jupyter_client, one per test module."""
import os
import subprocess
import sys

import pytest
from jupyter_client.manager import start_new_kernel

TIMEOUT = 60
JUPYTER = os.path.join(os.path.dirname(sys.executable), "jupyter")


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=TIMEOUT)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


@pytest.fixture
def kc(kernel):
    return kernel[1]


@pytest.fixture
def km(kernel):
    return kernel[0]


def run(kc, code, timeout=TIMEOUT, allow_stdin=False, stdin_hook=None):
    """Executes code; returns (reply content, list of iopub messages of that request)."""
    msg_id = kc.execute(code, allow_stdin=allow_stdin)
    outputs = []
    while True:
        if stdin_hook is not None:
            try:
                req = kc.get_stdin_msg(timeout=0.05)
                stdin_hook(kc, req)
            except Exception:
                pass
        try:
            msg = kc.get_iopub_msg(timeout=0.1 if stdin_hook else timeout)
        except Exception:
            if stdin_hook is not None:
                continue
            raise
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append(msg)
    return shell_reply(kc, msg_id, timeout)["content"], outputs


def shell_reply(kc, msg_id, timeout=TIMEOUT):
    """The shell reply to msg_id, skipping replies to earlier requests."""
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def stdout_of(outputs, name="stdout"):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def results_of(outputs):
    return [m["content"]["data"] for m in outputs if m["msg_type"] == "execute_result"]


def ok(kc, code, **kw):
    """Runs code that must succeed; returns its iopub messages."""
    reply, outputs = run(kc, code, **kw)
    assert reply["status"] == "ok", reply
    return outputs


def error(kc, code):
    """Runs code that must fail; returns the error reply."""
    reply, _ = run(kc, code)
    assert reply["status"] == "error", reply
    return reply


def value(kc, code):
    """Runs code that must succeed; returns its value as text/plain."""
    return results_of(ok(kc, code))[0]["text/plain"]


def console_session(lines, log_path, timeout=120, cwd=None):
    """A `jupyter console --kernel paralab` session fed `lines` on standard input, its screen written
    to log_path (a file, as on a terminal, not a pipe the test would have to drain); returns the text."""
    with open(log_path, "w") as out:
        subprocess.run(
            [JUPYTER, "console", "--kernel", "paralab", "--simple-prompt"],
            input="\n".join(lines) + "\n",
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            cwd=cwd,
        )
    return log_path.read_text()
