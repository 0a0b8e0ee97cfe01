"""Whatever a cell prints, it ends: output is coalesced and bounded, and the cell's result, reply and
`status: idle` always arrive (issue #23). A real kernel, watched by a second client as JupyterLab
and a console attached to one kernel would be."""
import re

import pytest
from jupyter_client import BlockingKernelClient

from conftest import TIMEOUT, ok, results_of, run, stdout_of


@pytest.fixture
def watcher(km):
    """A second client on the same kernel, with its own session."""
    client = BlockingKernelClient(connection_file=km.connection_file)
    client.load_connection_file()
    client.start_channels()
    client.wait_for_ready(timeout=TIMEOUT)
    yield client
    client.stop_channels()


def watched(client, msg_id):
    """Every iopub message of msg_id that the watching client receives, up to its idle."""
    messages = []
    while True:
        msg = client.get_iopub_msg(timeout=TIMEOUT)  # raises Empty if the cell's end never comes
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def streams(messages, name):
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == name)


FLOOD = "%%parallel --map [1, 2, 3] --out outs --quiet\nconst line = 'x'.repeat(1023);\nfor (let i = 0; i < 10240; i++) console.log(line);\nitem * 2"


def test_a_31_mb_flood_from_workers_ends_with_its_result_and_says_what_was_dropped(kc, watcher):
    msg_id = kc.execute(FLOOD)
    seen = watched(watcher, msg_id)
    assert seen[-1]["content"]["execution_state"] == "idle"
    stdout = streams(seen, "stdout")
    # The first 4 MB arrive whole, in few messages instead of one per line.
    assert 3_900_000 < len(stdout) <= 4_000_000
    assert stdout.endswith("x" * 1023 + "\n")
    assert sum(m["msg_type"] == "stream" for m in seen) < 200
    stderr = streams(seen, "stderr")
    assert "This cell printed more than 4.0 MB: the rest of its printed output is dropped" in stderr
    dropped = re.search(r"(\d+) MB of this cell's printed output \(([\d,]+) lines\) were not shown", stderr)
    assert dropped and 26 <= int(dropped[1]) <= 28, stderr
    shown_lines = sum(line.startswith("[w") for line in stdout.splitlines())
    assert shown_lines + int(dropped[2].replace(",", "")) == 3 * 10240, "every line is either shown or counted"
    assert "PARALAB_OUTPUT_LIMIT_MB=64" in stderr
    reply = kc.get_shell_msg(timeout=TIMEOUT)["content"]
    assert reply["status"] == "ok"
    # The work itself was not cut: the kernel has every result.
    assert results_of(ok(kc, "outs"))[0]["text/plain"] == "[ 2, 4, 6 ]"


def test_a_plain_cell_printing_a_line_at_a_time_reaches_the_frontend_in_few_messages(kc):
    reply, outputs = run(kc, "for (let i = 0; i < 20000; i++) console.log(i);\n'done'")
    assert reply["status"] == "ok"
    text = stdout_of(outputs)
    assert text.split() == [str(i) for i in range(20000)]
    assert sum(m["msg_type"] == "stream" for m in outputs) < 100
    assert results_of(outputs)[0]["text/plain"] == "'done'"


def test_a_flood_of_displays_is_cut_at_ten_thousand_and_the_cell_still_ends(kc, watcher):
    msg_id = kc.execute('import { display } from "paralab";\nfor (let i = 0; i < 12000; i++) display.text(String(i));\n"end"')
    seen = watched(watcher, msg_id)
    displays = [m for m in seen if m["msg_type"] == "display_data"]
    assert len(displays) == 10000
    assert displays[-1]["content"]["data"]["text/plain"] == "9999"
    assert "2,000 displays of this cell were not shown" in streams(seen, "stderr")
    assert [m for m in seen if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"] == "'end'"
    assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"] == "ok"


def test_a_progress_display_updated_50000_times_shows_its_last_state(kc):
    code = (
        'import { display } from "paralab";\nconst id = "progress";\n'
        'display.bundle({ "text/plain": "0" }, { displayId: id });\n'
        'for (let i = 1; i <= 50000; i++) display.update(id, { "text/plain": String(i) });'
    )
    reply, outputs = run(kc, code)
    assert reply["status"] == "ok", reply
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert 1 <= len(updates) < 100
    assert updates[-1]["content"]["data"]["text/plain"] == "50000"
