"""`jupyter console` as a user would drive it: lines on standard input, answers on the screen."""
import subprocess

from conftest import JUPYTER, console_session


def console(lines, timeout=90):
    proc = subprocess.run(
        [JUPYTER, "console", "--kernel", "paralab", "--simple-prompt", "--ZMQTerminalInteractiveShell.kernel_timeout=60"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.stdout + proc.stderr


def test_console_runs_cells_and_shows_results():
    out = console(["6 * 7", "const xs: number[] = [1, 2, 3];", "xs.map((x) => x * 10)", "%lsmagic"])
    assert "Out[1]: 42" in out
    assert "Out[3]: [ 10, 20, 30 ]" in out
    assert "%%parallel" in out and "%workers" in out


def test_console_shows_errors_and_keeps_going():
    out = console(['throw new TypeError("nope")', "1 + 1"])
    assert "TypeError: nope" in out
    assert "Out[2]: 2" in out


def test_a_client_whose_iopub_connects_late_still_sees_its_first_cell():
    """The cause of the 1-in-6 `jupyter console` hang, made deterministic: the console does not
    wait for its iopub socket, so its first cell could run before the subscription reached the
    kernel, and the cell's idle status (which the console waits for) was lost. The kernel now
    serves shell requests once a frontend has subscribed to iopub."""
    import time

    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="paralab")
    km.start_kernel()
    kc = km.client()
    try:
        kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=True)
        kc.control_channel.send(kc.session.msg("kernel_info_request"))
        kc.control_channel.get_msg(timeout=60)  # the kernel is up (control never waits for iopub)
        msg_id = kc.execute("1 + 1")
        time.sleep(1.5)  # the first cell is sent; the iopub socket is still connecting
        kc.start_channels(shell=False, iopub=True, stdin=False, hb=False, control=False)
        seen = []
        while "status:idle" not in seen:
            m = kc.get_iopub_msg(timeout=30)
            if m["parent_header"].get("msg_id") == msg_id:
                state = m["content"].get("execution_state", "")
                seen.append(f"{m['msg_type']}:{state}" if state else m["msg_type"])
        assert seen == ["status:busy", "execute_input", "execute_result", "status:idle"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_thirty_sessions_in_a_row_none_hangs(tmp_path):
    """The first cell of a fresh console used to hang now and then (its iopub subscription raced the
    reply); shutting down used to abort with Napi::Error now and then. Output goes to a file, as on
    a terminal, not through a pipe the test would have to drain."""
    for i in range(30):
        text = console_session(["1 + 1", "2 + 2"], tmp_path / f"session-{i}.txt")
        assert "Out[1]: 2" in text and "Out[2]: 4" in text, f"session {i}:\n{text}"
        assert "terminate called" not in text and "Napi::Error" not in text, f"session {i}:\n{text}"
