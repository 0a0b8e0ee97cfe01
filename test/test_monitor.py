"""%monitor and the paralab.monitor comm, through jupyter_client against a real kernel."""
import queue
import time
import uuid

from conftest import run

MONITOR_MIME = "application/vnd.paralab.monitor.v1+json"


def test_monitor_updates_in_place_for_its_duration(kc):
    t0 = time.time()
    reply, outputs = run(kc, "%monitor --duration 2")
    assert reply["status"] == "ok"
    assert time.time() - t0 >= 1.9
    first = [m for m in outputs if m["msg_type"] == "display_data"]
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert len(first) == 1 and len(updates) >= 1
    display_id = first[0]["content"]["transient"]["display_id"]
    assert all(u["content"]["transient"]["display_id"] == display_id for u in updates)
    final = updates[-1]["content"]["data"]
    assert set(final) == {MONITOR_MIME, "image/png", "text/plain"}
    assert final[MONITOR_MIME]["done"] is True
    assert len(final[MONITOR_MIME]["samples"]) >= 2
    assert "sampling cost" in "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")


def test_monitor_follows_code_below_it(kc):
    code = "%monitor\nawait new Promise((r) => setTimeout(r, 1500));\n'finished'"
    reply, outputs = run(kc, code)
    assert reply["status"] == "ok"
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert updates and updates[-1]["content"]["data"][MONITOR_MIME]["done"] is True
    assert any(m["msg_type"] == "execute_result" for m in outputs)


def comm_messages(kc, comm_id, count, timeout=15):
    got = []
    deadline = time.time() + timeout
    while len(got) < count and time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=max(deadline - time.time(), 0.01))
        except queue.Empty:
            break
        if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == comm_id:
            got.append(msg["content"]["data"])
    return got


def test_monitor_comm_streams_samples_at_the_asked_period(kc):
    run(kc, "%%parallel --workers 2 --quiet\nrank")  # start the pool so workers are listed
    comm_id = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "paralab.monitor",
                                                       "data": {"periodMs": 200}}))
    t0 = time.time()
    samples = comm_messages(kc, comm_id, 5)
    assert len(samples) == 5
    assert time.time() - t0 < 5
    s = samples[-1]
    assert s["type"] == "sample"
    assert len(s["cores"]) >= 1 and all(0 <= c <= 100 for c in s["cores"])
    assert [w["rank"] for w in s["workers"]] == [0, 1]
    assert all(isinstance(w["core"], int) and 0 <= w["core"] < len(s["cores"]) for w in s["workers"])
    assert s["kernel"]["memoryBytes"] > 0
    # restart-workers answers
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"type": "restart-workers"}}))
    deadline = time.time() + 20
    restarted = None
    while time.time() < deadline and restarted is None:
        for d in comm_messages(kc, comm_id, 1):
            if d["type"] == "restarted":
                restarted = d
    assert restarted == {"type": "restarted", "workers": 2}
    # closing stops the stream
    kc.shell_channel.send(kc.session.msg("comm_close", {"comm_id": comm_id, "data": {}}))
    time.sleep(0.5)
    while True:
        try:
            kc.get_iopub_msg(timeout=0.2)
        except Exception:
            break
    assert comm_messages(kc, comm_id, 1, timeout=1) == []


def test_monitor_comm_reports_a_running_map(kc):
    comm_id = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "paralab.monitor",
                                                       "data": {"periodMs": 100}}))
    msg_id = kc.execute("%%parallel --map Array.from({length: 40}, (_, i) => i) --chunksize 1 --quiet\n"
                        "await new Promise((r) => setTimeout(r, 50)); item")
    runs = []
    deadline = time.time() + 20
    while time.time() < deadline:
        msg = kc.get_iopub_msg(timeout=20)
        if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == comm_id and msg["content"]["data"].get("run"):
            runs.append(msg["content"]["data"]["run"])
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                and msg["content"]["execution_state"] == "idle":
            break
    kc.shell_channel.send(kc.session.msg("comm_close", {"comm_id": comm_id, "data": {}}))
    assert runs, "no sample carried the running cell's progress"
    assert runs[-1]["total"] == 40 and 0 <= runs[-1]["done"] <= 40
