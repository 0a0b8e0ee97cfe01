"""Top-level variables across cells and the value a cell shows, through the protocol
(issue #10: top-level code runs as locals behind live bindings; values are completion values)."""
import time

from conftest import error, ok, results_of, run, shell_reply


def value_of(kc, code):
    results = results_of(ok(kc, code))
    return results[0]["text/plain"] if results else None


def test_later_cells_see_and_reassign_and_functions_share_the_binding(kc):
    ok(kc, "let shared = 1;\nfunction readShared() { return shared; }")
    ok(kc, "function bumpShared() { shared += 100; }")
    assert value_of(kc, "shared = 5;\nreadShared()") == "5"
    assert value_of(kc, "bumpShared();\nshared") == "105"
    assert value_of(kc, "readShared()") == "105"


def test_a_top_level_loop_is_seen_by_later_cells(kc):
    ok(kc, "let acc = 0;\nfor (let i = 0; i < 1_000_000; i++) { acc = (acc + i * 7) % 1000003; }")
    assert value_of(kc, "acc") == str(sum(i * 7 for i in range(1_000_000)) % 1000003)


def test_rerunning_a_const_cell_redeclares_it(kc):
    for _ in range(2):
        assert value_of(kc, "const limit = 10;\nlimit") == "10"
    assert value_of(kc, "const limit = 'ten';\nlimit") == "'ten'"
    assert value_of(kc, "limit.length") == "3"


def test_imports_run_again(kc):
    for _ in range(2):
        ok(kc, 'import { cpus } from "os";\nimport path from "path";')
    assert value_of(kc, "typeof cpus + ' ' + path.basename('/a/b.txt')") == "'function b.txt'"


def test_types_and_completion_across_cells(kc):
    ok(kc, "let typedLater = 1;")
    reply = error(kc, 'typedLater = "text";')
    assert reply["ename"] == "CompileError"
    assert "not assignable to type 'number'" in reply["evalue"]
    reply = shell_reply(kc, kc.complete("typedLa", 7))["content"]
    assert "typedLater" in reply["matches"]


def test_a_cell_shows_its_completion_value(kc):
    assert value_of(kc, "for (let i = 0; i < 3; i++) { i * 2; }") == "4"
    assert value_of(kc, "const who: number = 1;\nif (who === 0) { 'zero'; } else { 'one'; }") == "'one'"
    assert value_of(kc, "try { JSON.parse('{'); } catch { 'bad json'; }") == "'bad json'"
    assert value_of(kc, "let quiet = 1;") is None
    assert value_of(kc, "1;\nif (false) { 2; }") is None


def test_parallel_spmd_value_is_the_branch_each_rank_took(kc):
    outputs = ok(kc, "%%parallel --workers 2 --quiet\nif (rank === 0) {\n  'sent';\n} else {\n  'got';\n}")
    assert results_of(outputs) == [{"text/plain": "[ 'sent', 'got' ]"}]
    outputs = ok(kc, "%%parallel --workers 2 --quiet\nif (rank === 1) return 'early';\n'late'")
    assert results_of(outputs) == [{"text/plain": "[ 'late', 'early' ]"}]


def test_parallel_out_replaces_a_const(kc):
    ok(kc, "const squares = 0;")
    ok(kc, "%%parallel --workers 2 --quiet --out squares\nrank * rank")
    assert value_of(kc, "squares.length") == "2"


def test_interrupt_stops_a_top_level_loop_and_keeps_what_it_wrote(kc, km):
    ok(kc, "let spins = 0;")
    msg_id = kc.execute("while (true) { spins++; }")
    time.sleep(1.0)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, 10)["content"]
    assert reply["ename"] == "KeyboardInterrupt"
    assert value_of(kc, "spins > 0") == "true"
