"""%%gpu end to end through jupyter_client: results checked against a CPU reference."""
from conftest import ok, results_of, run, stdout_of

SETUP = "\n".join([
    "const n = 32;",
    "const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i + 2 * j) % 7));",
    "const b = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (3 * i + j) % 5));",
    "function matmulRef(x: number[][], y: number[][]) {",
    "  return x.map((row) => y[0].map((_, j) => row.reduce((s, v, k) => s + v * y[k][j], 0)));",
    "}",
])
MATMUL = "let sum = 0;\nfor (let i = 0; i < this.constants.n; i++) sum += a[this.thread.y][i] * b[i][this.thread.x];\nreturn sum;"


def test_matmul_matches_cpu_reference_in_each_working_mode(kc):
    ok(kc, SETUP)
    for mode in ("auto", "webasm", "cpu"):
        out = ok(kc, f"%%gpu --output 32,32 --in a,b --out c --constants n=32 --mode {mode}\n{MATMUL}")
        text = stdout_of(out)
        assert "gpu.js mode" in text and "compile" in text and "run" in text
        if mode != "auto":
            assert f"gpu.js mode {mode}" in text
        out = ok(kc, "const ref = matmulRef(a, b);\nref.every((row, y) => row.every((v, x) => Math.abs(c[y][x] - v) < 1e-3))")
        assert results_of(out) == [{"text/plain": "true"}], mode


def test_auto_mode_reports_what_works(kc):
    out = ok(kc, "%%gpu --output 4\nreturn this.thread.x * 2;")
    text = stdout_of(out)
    assert "(auto: fastest mode that works here)" in text
    assert "working: webasm, cpu" in text
    assert "0, 2, 4, 6" in results_of(out)[0]["text/plain"]


def test_second_run_is_cached(kc):
    ok(kc, SETUP)
    ok(kc, f"%%gpu --output 32,32 --in a,b --out c2 --constants n=32\n{MATMUL}")
    out = ok(kc, f"%%gpu --output 32,32 --in a,b --out c2 --constants n=32\n{MATMUL}")
    assert "compile cached" in stdout_of(out)


def test_compare_checks_agreement(kc):
    ok(kc, SETUP)
    out = ok(kc, f"%%gpu --output 32,32 --in a,b --out c3 --constants n=32 --compare\n{MATMUL}")
    text = stdout_of(out)
    assert "TypeScript, 1 core" in text and "workers" in text
    assert text.count("agrees") == 2


def test_unsupported_mode_lists_working_modes(kc):
    reply, _ = run(kc, "%%gpu --output 4 --mode headlessgl\nreturn 1;")
    assert reply["ename"] == "GpuUnavailableError"
    assert "Modes that work on this machine: webasm, cpu." in reply["evalue"]


def test_type_error_points_at_cell_line(kc):
    reply, _ = run(kc, "%%gpu --output 4\nconst s: string = this.thread.x;\nreturn 1;")
    assert reply["ename"] == "CompileError"
    assert "cell line 2:7" in reply["evalue"]


def test_unsupported_syntax_is_a_clear_error_and_kernel_survives(kc):
    reply, _ = run(kc, "%%gpu --output 4\nconst o: any = { k: 1 };\nreturn o.k;")
    assert reply["ename"] == "GpuKernelError"
    assert "cell line 2" in reply["evalue"]
    ok(kc, "1 + 1")


def test_missing_output_and_bad_size(kc):
    reply, _ = run(kc, "%%gpu\nreturn 1;")
    assert "--output is required" in reply["evalue"]
    reply, _ = run(kc, "%%gpu --output 1,2,3,4\nreturn 1;")
    assert "--output takes 1 to 3 dimensions" in reply["evalue"]
    reply, _ = run(kc, "%%gpu --output 4 --in nothere\nreturn 1;")
    assert "`nothere`, which is not a kernel variable" in reply["evalue"]


def test_interrupt_stops_a_long_gpu_cell(kc, km):
    import time as _time

    from conftest import shell_reply

    msg_id = kc.execute("%%gpu --output 2048,2048 --mode webasm\nlet s = 0;\nfor (let i = 0; i < 200000; i++) s += i % 7;\nreturn s;")
    _time.sleep(2.0)
    t0 = _time.time()
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, 10)
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert _time.time() - t0 < 1.0
    ok(kc, "%%gpu --output 4 --mode webasm\nreturn this.thread.x;")
