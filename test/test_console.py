"""`jupyter console` as a user would drive it: lines on standard input, answers on the screen."""
import os
import subprocess
import sys


def console(lines, timeout=90):
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    proc = subprocess.run(
        [jupyter, "console", "--kernel", "paralab", "--simple-prompt", "--ZMQTerminalInteractiveShell.kernel_timeout=60"],
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
