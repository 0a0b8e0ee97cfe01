"""Jupyter widgets end to end: jupyter_client plays the frontend against a real paralab kernel.

It receives the comm_open of a widget (messaging spec 2.1), sends `update`, `request_state`,
`custom` and `request_states` messages as @jupyter-widgets/jupyterlab-manager does, and checks
what the kernel's cells then see (observe, value) and what the kernel sends back (echo_update,
update, binary buffers).
"""
import time
import uuid

from conftest import ok, results_of, run, stdout_of

VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def comm_opens(outputs, target="jupyter.widget"):
    return [m for m in outputs if m["msg_type"] == "comm_open" and m["content"]["target_name"] == target]


def send(kc, msg_type, content, buffers=None):
    """A shell message from the "frontend", with binary buffers when given."""
    msg = kc.session.msg(msg_type, content)
    kc.session.send(kc.shell_channel.socket, msg, buffers=buffers or [])
    return msg["header"]["msg_id"]


def comm_msgs(kc, comm_id, count=1, timeout=15):
    """The next `count` comm_msg messages on comm_id (other iopub messages are skipped)."""
    found = []
    deadline = time.time() + timeout
    while len(found) < count and time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        except Exception:
            break
        if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == comm_id:
            found.append(msg)
    return found


def drain(kc):
    while True:
        try:
            kc.get_iopub_msg(timeout=0.2)
        except Exception:
            return


def slider(kc, name="s"):
    """Makes an IntSlider in the kernel, observed into `seen_<name>`; returns its comm_open and result."""
    outputs = ok(
        kc,
        f'import {{ widgets, comms, parallel }} from "paralab";\n'
        f"const {name} = new widgets.IntSlider({{ value: 3, min: 1, max: 8, description: \"workers\" }});\n"
        f"const seen_{name}: number[] = [];\n"
        f'{name}.observe("value", (c) => {{ seen_{name}.push(c.new); }});\n'
        f"{name}",
    )
    opens = comm_opens(outputs)
    return opens, results_of(outputs)[0]


def test_a_widget_opens_its_comm_with_the_specification_state_and_shows_as_a_view(kc):
    opens, result = slider(kc)
    models = [o["content"]["data"]["state"]["_model_name"] for o in opens]
    assert models == ["LayoutModel", "SliderStyleModel", "IntSliderModel"]
    main = opens[-1]
    assert main["metadata"] == {"version": "2.1.0"}
    state = main["content"]["data"]["state"]
    assert state["value"] == 3 and state["max"] == 8 and state["_view_name"] == "IntSliderView"
    assert state["_model_module"] == "@jupyter-widgets/controls" and state["_model_module_version"] == "2.0.0"
    assert state["layout"] == "IPY_MODEL_" + opens[0]["content"]["comm_id"]
    assert result[VIEW_MIME] == {"version_major": 2, "version_minor": 0, "model_id": main["content"]["comm_id"]}
    assert "IntSlider" in result["text/plain"]


def test_an_update_from_the_frontend_changes_value_fires_observe_and_is_echoed(kc):
    opens, _ = slider(kc, "u")
    comm_id = opens[-1]["content"]["comm_id"]
    drain(kc)
    send(kc, "comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": {"value": 6}, "buffer_paths": []}})
    echo = comm_msgs(kc, comm_id)
    assert echo and echo[0]["content"]["data"] == {"method": "echo_update", "state": {"value": 6}, "buffer_paths": []}
    out = stdout_of(ok(kc, "console.log(u.value, JSON.stringify(seen_u))"))
    assert out.strip() == "6 [6]"


def test_a_kernel_side_change_sends_an_update(kc):
    opens, _ = slider(kc, "k")
    comm_id = opens[-1]["content"]["comm_id"]
    outputs = ok(kc, "k.value = 7; k.max = 16;")
    updates = [m["content"]["data"] for m in outputs if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id]
    assert {"method": "update", "state": {"value": 7}, "buffer_paths": []} in updates
    assert {"method": "update", "state": {"max": 16}, "buffer_paths": []} in updates


def test_request_state_and_request_states_give_the_whole_state(kc):
    opens, _ = slider(kc, "r")
    comm_id = opens[-1]["content"]["comm_id"]
    drain(kc)
    send(kc, "comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})
    reply = comm_msgs(kc, comm_id)[0]["content"]["data"]
    assert reply["method"] == "update" and reply["state"]["value"] == 3 and reply["state"]["_model_name"] == "IntSliderModel"
    control = uuid.uuid4().hex
    send(kc, "comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}})
    send(kc, "comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
    states = comm_msgs(kc, control)[0]["content"]["data"]
    assert states["method"] == "update_states"
    assert states["states"][comm_id]["model_name"] == "IntSliderModel"
    assert states["states"][comm_id]["state"]["value"] == 3


def test_binary_buffers_make_the_round_trip(kc):
    ok(
        kc,
        'comms.registerTarget("test.echo", (c) => {\n'
        "  c.onMessage((data, buffers) => c.send({ got: buffers.map((b) => b.length) }, buffers.map((b) => Uint8Array.from(b).reverse())));\n"
        "});",
    )
    comm_id = uuid.uuid4().hex
    send(kc, "comm_open", {"comm_id": comm_id, "target_name": "test.echo", "data": {}})
    send(kc, "comm_msg", {"comm_id": comm_id, "data": {}}, buffers=[b"\x01\x02\x03", bytes(range(256)) * 4])
    reply = comm_msgs(kc, comm_id)[0]
    assert reply["content"]["data"] == {"got": [3, 1024]}
    assert [bytes(b) for b in reply["buffers"]] == [b"\x03\x02\x01", (bytes(range(256)) * 4)[::-1]]
    # A widget's state with a binary value: the frontend's update puts the bytes at their path.
    opens = comm_opens(ok(kc, "const o = new widgets.Output(); o"))
    out_id = opens[-1]["content"]["comm_id"]
    drain(kc)
    send(kc, "comm_msg", {"comm_id": out_id, "data": {"method": "update", "state": {"msg_id": "m"}, "buffer_paths": [["blob"]]}}, buffers=[b"\xff\x00"])
    echo = comm_msgs(kc, out_id)[0]
    assert echo["content"]["data"]["buffer_paths"] == [["blob"]] and [bytes(b) for b in echo["buffers"]] == [b"\xff\x00"]
    out = stdout_of(ok(kc, "console.log(Array.from(o.get('blob') as Uint8Array).join(','))"))
    assert out.strip() == "255,0"


def test_a_click_in_the_frontend_runs_the_handler_in_the_kernel_and_its_output_follows_the_click(kc):
    opens = comm_opens(ok(kc, 'const b = new widgets.Button({ description: "Run" }); let clicks = 0; b.onClick(() => { clicks++; console.log(`click ${clicks}`); }); b'))
    comm_id = opens[-1]["content"]["comm_id"]
    drain(kc)
    clicks = [send(kc, "comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}) for _ in range(2)]
    # what the callback printed goes out with the click's message as its parent, where JupyterLab's
    # widget manager finds it (the Log Console), not under a cell that has finished
    printed = {}
    deadline = time.time() + 15
    while len(printed) < 2 and time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except Exception:
            continue
        if msg["msg_type"] == "stream":
            printed[msg["parent_header"].get("msg_id")] = msg["content"]["text"]
    assert printed == {clicks[0]: "click 1\n", clicks[1]: "click 2\n"}, printed
    assert stdout_of(ok(kc, "console.log(clicks)")).strip() == "2"


def test_an_output_widget_captures_a_parallel_run_chart(kc):
    outputs = ok(
        kc,
        'import { widgets, parallel } from "paralab";\n'
        "const chart = new widgets.Output();\n"
        "await chart.capture(async () => { console.log('hello'); await parallel.map((x: number) => x * x, [1, 2, 3, 4], { workers: 2, quiet: false }); });\n"
        "chart",
    )
    opens = comm_opens(outputs)
    chart_id = opens[-1]["content"]["comm_id"]
    updates = [m["content"]["data"] for m in outputs if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == chart_id]
    final = [u["state"]["outputs"] for u in updates if "outputs" in u.get("state", {})][-1]
    assert final[0]["output_type"] == "stream" and final[0]["text"].startswith("hello\n")
    assert any("application/vnd.paralab.run.v1+json" in o.get("data", {}) for o in final), final
    # Nothing of it went to the cell itself.
    assert "hello" not in stdout_of(outputs)


def test_a_wrong_option_is_a_type_error_at_its_line_and_a_closed_widget_says_so(kc):
    reply, _ = run(kc, "const w = new widgets.IntSlider({\n  valu: 3,\n});")
    assert reply["status"] == "error"
    text = reply["evalue"] + "\n".join(reply["traceback"])
    assert "valu" in text and "2:" in text, text
    reply, _ = run(kc, "const c = new widgets.Checkbox(); c.close(); c.value = true;")
    assert reply["status"] == "error"
    assert "is closed" in reply["evalue"] and "Checkbox" in reply["evalue"], reply["evalue"]


def test_interact_reruns_debounced_and_coalesces_changes_during_a_run(kc):
    outputs = ok(
        kc,
        'import { interact } from "paralab";\n'
        "const calls: number[] = [];\n"
        "const it = interact(async ({ n }) => { calls.push(n); await new Promise((r) => setTimeout(r, 800)); return `n is ${n}`; },\n"
        "  { n: [0, 10] }, { debounceMs: 100 });",
    )
    sliders = [o for o in comm_opens(outputs) if o["content"]["data"]["state"]["_model_name"] == "IntSliderModel"]
    slider_id = sliders[0]["content"]["comm_id"]
    update = lambda v: send(kc, "comm_msg", {"comm_id": slider_id, "data": {"method": "update", "state": {"value": v}, "buffer_paths": []}})
    # the first run belongs to the cell: it ran with the middle of the range
    assert stdout_of(ok(kc, "console.log(JSON.stringify(calls))")).strip() == "[5]"
    # a burst of changes faster than the debounce: one run, with the last value
    for v in (6, 7, 8):
        update(v)
    deadline = time.time() + 20
    while stdout_of(ok(kc, "console.log(calls.length)")).strip() != "2":
        assert time.time() < deadline, "the burst did not start a run"
        time.sleep(0.05)
    # changes while that run goes on: they wait for it, then become one more run with the latest value
    update(2)
    update(3)
    out = stdout_of(ok(kc, "await new Promise((r) => setTimeout(r, 300)); await it.idle(); console.log(JSON.stringify(calls), String(it.output.outputs[0]?.text).trim())"))
    assert out.strip() == "[5,8,3] n is 3", out
