"""Protocol behaviour beyond jupyter_kernel_test, through jupyter_client against a real kernel."""
import json
import time

import zmq
from jupyter_client.session import Session

from conftest import results_of, run, shell_reply, stdout_of


def test_execution_count_increments_and_silent_does_not(kc):
    first, _ = run(kc, "1")
    second, _ = run(kc, "2")
    assert second["execution_count"] == first["execution_count"] + 1
    shell_reply(kc, kc.execute("3", silent=True))
    third, _ = run(kc, "4")
    assert third["execution_count"] == second["execution_count"] + 1


def test_types_are_checked_across_cells(kc):
    run(kc, "const answer: number = 42;")
    reply, outputs = run(kc, 'const s: string = answer;')
    assert reply["status"] == "error"
    assert reply["ename"] == "CompileError"
    assert "not assignable to type 'string'" in reply["evalue"]
    reply, outputs = run(kc, "answer + 1")
    assert results_of(outputs) == [{"text/plain": "43"}]


def test_top_level_await(kc):
    reply, outputs = run(kc, "await new Promise((r) => setTimeout(() => r(5), 50))")
    assert reply["status"] == "ok"
    assert results_of(outputs) == [{"text/plain": "5"}]


def test_error_reply_and_kernel_survives(kc):
    reply, outputs = run(kc, 'function f() { throw new RangeError("too big"); }\nf()')
    assert reply["status"] == "error"
    assert (reply["ename"], reply["evalue"]) == ("RangeError", "too big")
    errors = [m for m in outputs if m["msg_type"] == "error"]
    assert errors and errors[0]["content"]["traceback"][0] == "RangeError: too big"
    reply, outputs = run(kc, "1 + 1")
    assert results_of(outputs) == [{"text/plain": "2"}]


def test_interrupt_breaks_synchronous_endless_loop(kc, km):
    msg_id = kc.execute("while (true) {}")
    time.sleep(1.0)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, 10)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    reply, outputs = run(kc, '"still alive"')
    assert results_of(outputs) == [{"text/plain": "'still alive'"}]


def test_interrupt_request_on_control_ends_an_awaiting_cell(kc):
    msg_id = kc.execute("await new Promise(() => {})")
    time.sleep(0.5)
    control_msg = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(control_msg)
    control_reply = kc.control_channel.get_msg(timeout=10)
    assert control_reply["msg_type"] == "interrupt_reply"
    reply = shell_reply(kc, msg_id, 10)
    assert reply["content"]["ename"] == "KeyboardInterrupt"


def test_message_with_bad_signature_is_rejected_not_executed(kernel, kc):
    km = kernel[0]
    info = km.get_connection_info()
    forged = Session(key=b"not-the-key", signature_scheme="hmac-sha256")
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    try:
        forged.send(sock, "execute_request", {"code": "globalThis.hacked = true", "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False})
        assert sock.poll(1500) == 0, "a forged message must get no reply"
    finally:
        sock.close(0)
    reply, outputs = run(kc, "(globalThis as any).hacked === undefined")
    assert results_of(outputs) == [{"text/plain": "true"}]


def test_stdin_input_request(kc):
    def answer(kc, req):
        assert req["msg_type"] == "input_request"
        assert req["content"]["prompt"] == "Your name? "
        kc.input("Ada")

    reply, outputs = run(kc, 'import { input } from "paralab";\nconst n = await input("Your name? ");\n`hi ${n}`',
                         allow_stdin=True, stdin_hook=answer)
    assert reply["status"] == "ok", reply
    assert results_of(outputs) == [{"text/plain": "'hi Ada'"}]


def test_input_without_stdin_is_a_clear_error(kc):
    reply, _ = run(kc, 'import { input } from "paralab";\nawait input("x")')
    assert reply["status"] == "error"
    assert "allow_stdin is false" in reply["evalue"]


def test_display_update_and_clear(kc):
    code = '\n'.join([
        'import { display } from "paralab";',
        'display.bundle({"text/plain": "v1"}, { displayId: "d1" });',
        'display.update("d1", {"text/plain": "v2"});',
        'display.clear(true);',
    ])
    reply, outputs = run(kc, code)
    kinds = [(m["msg_type"], m["content"].get("transient", {}).get("display_id")) for m in outputs
             if m["msg_type"] in ("display_data", "update_display_data", "clear_output")]
    assert kinds == [("display_data", "d1"), ("update_display_data", "d1"), ("clear_output", None)]


def test_comm_lifecycle_unknown_target_is_closed(kc):
    msg = kc.session.msg("comm_open", {"comm_id": "c-1", "target_name": "no.such.target", "data": {}})
    kc.shell_channel.send(msg)
    deadline = time.time() + 10
    while time.time() < deadline:
        m = kc.get_iopub_msg(timeout=10)
        if m["msg_type"] == "comm_close":
            assert m["content"]["comm_id"] == "c-1"
            assert "no comm target" in m["content"]["data"]["error"]
            break
    else:
        raise AssertionError("no comm_close for an unknown target")
    reply = shell_reply(kc, kc.comm_info(), 10)
    assert reply["msg_type"] == "comm_info_reply"
    assert "c-1" not in reply["content"]["comms"]


def test_is_complete_and_completion_ignore_magic_lines(kc):
    reply = shell_reply(kc, kc.is_complete("%%time\nfor (let i = 0; i < 3; i++) {"), 10)
    assert reply["content"]["status"] == "incomplete"
    code = "%%time\nMath.ma"
    content = shell_reply(kc, kc.complete(code, len(code)), 10)["content"]
    assert "max" in content["matches"]
    assert code[content["cursor_start"]:content["cursor_end"]] == "ma"


def test_lsmagic_and_help(kc):
    _, outputs = run(kc, "%lsmagic")
    text = stdout_of(outputs)
    assert "%time" in text and "%%timeit" in text
    _, outputs = run(kc, "%%timeit --help\n1")
    assert "Usage: %%timeit" in stdout_of(outputs)


def test_unknown_magic_and_option_are_clear_errors(kc):
    reply, _ = run(kc, "%%tiem\n1")
    assert reply["ename"] == "MagicOptionError"
    assert "unknown magic %%tiem. Did you mean %%time?" in reply["evalue"]
    reply, _ = run(kc, "%%timeit --numbr 3\n1")
    assert "unknown option --numbr. Did you mean --number?" in reply["evalue"]
    reply, _ = run(kc, "%%timeit -n 0\n1")
    assert '--number must be a positive integer, got "0"' in reply["evalue"]


def test_time_and_timeit(kc):
    reply, outputs = run(kc, "%time [1, 2, 3].length")
    assert "Wall time:" in stdout_of(outputs)
    assert results_of(outputs) == [{"text/plain": "3"}]
    reply, outputs = run(kc, "%%timeit -n 5 -r 3\nMath.sqrt(2)")
    assert "per loop (mean ± std. dev. of 3 runs, 5 loops each)" in stdout_of(outputs)


def test_history_has_outputs(kc):
    run(kc, "21 * 2")
    reply = shell_reply(kc, kc.history(hist_access_type="tail", n=1, output=True, raw=True), 10)
    assert reply["content"]["history"][-1][2] == ["21 * 2", "42"]


def test_error_thrown_later_in_a_timer_does_not_kill_the_kernel(kc):
    reply, _ = run(kc, 'setTimeout(() => { throw new Error("later"); }, 10); "scheduled"')
    assert reply["status"] == "ok"
    time.sleep(0.3)
    reply, outputs = run(kc, "40 + 2")
    assert results_of(outputs) == [{"text/plain": "42"}]
    reply, _ = run(kc, 'Promise.reject(new Error("unhandled")); 1')
    time.sleep(0.2)
    reply, outputs = run(kc, "'alive'")
    assert results_of(outputs) == [{"text/plain": "'alive'"}]


def test_user_expressions_are_evaluated_after_the_cell(kc):
    msg_id = kc.execute("const ue = 20;", user_expressions={"double": "ue * 2", "bad": "nope()"})
    reply = shell_reply(kc, msg_id)["content"]
    assert reply["status"] == "ok"
    assert reply["user_expressions"]["double"] == {"status": "ok", "data": {"text/plain": "40"}, "metadata": {}}
    assert reply["user_expressions"]["bad"]["status"] == "error"
    assert "nope" in reply["user_expressions"]["bad"]["evalue"]
