"""How runs are measured (README, Magics), through the real protocol: the numbers paralab shows mean what they say.

Invariants only, never timings: a shared machine gives any time, but it cannot make a serial
pass on one worker slower than the same work split over two by more than noise, and a word such
as "speedup" must never appear without a measured serial time.
"""
import re

from conftest import error, ok, stdout_of
from test_parallel import RUN_MIME, SCALING_MIME, displays

BURN = "function burn(units: number): number { let x = 0; for (let i = 0; i < units * 200_000; i++) x += Math.sqrt(i); return x; }"


def summary(out):
    return "".join(d["text/plain"] for d in displays(out) if "image/png" in d)


def test_an_ordinary_run_reports_busy_workers_never_a_speedup(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --workers 2 --map [40, 40, 40, 40]\nburn(item)")
    record = displays(out)[-1][RUN_MIME]
    assert "speedup" not in record and "efficiency" not in record
    assert 0 < record["busyWorkers"] <= 2.05
    words = summary(out)
    assert re.search(r"\d\.\d of 2 workers busy on average", words), words
    assert not re.search(r"speedup|efficiency", words), words


def test_compare_runs_the_same_code_on_one_worker_and_stays_within_the_workers(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --workers 2 --map Array.from({ length: 8 }, () => 60) --compare\nburn(item)")
    record = displays(out)[-1][RUN_MIME]
    compare = record["compare"]
    assert compare["serialWhere"] == "on one worker thread (w0)"
    assert compare["speedup"] == record["speedup"] and compare["speedup"] <= 2 * 1.15, compare
    words = summary(out)
    assert re.search(r"serial pass on one worker thread \(w0\) .+: speedup \d\.\d\dx( \([^)]+ rounds\))?, efficiency \d+%", words), words
    assert re.search(r"\d rounds? after a warm-up", words), words


def test_a_short_run_has_its_whole_utilization(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --workers 2 --map [150, 150]\nburn(item)")
    record = displays(out)[-1][RUN_MIME]
    samples = record["workerSamples"]
    # A point every 4 ms (the scheduler's tick), allowing the timer to run up to twice as late under load.
    assert len(samples) >= record["wallMs"] / 8, f"{len(samples)} utilization points for a {record['wallMs']:.0f} ms run"
    assert record["workerSamplesFromMs"] <= record["startMs"], "from the start of the run"
    assert samples[-1]["tMs"] >= record["endMs"] - 1, "to its end"
    assert all(len(s["workers"]) == 2 and all(0 <= w <= 100 for w in s["workers"]) for s in samples)
    assert max(max(s["workers"]) for s in samples) > 0, "the workers were seen working"


def test_runs_too_short_to_judge_say_so(kc):
    out = ok(kc, "%%parallel --workers 2\nrank")
    words = summary(out)
    assert "too short to judge parallelism" in words and "0%" not in words, words
    out = ok(kc, "%%parallel --map []\nitem")
    assert "nothing ran" in summary(out)


def test_two_points_give_an_estimate_and_no_limit(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --map Array.from({ length: 4 }, () => 30) --scaling 1,2\nburn(item)")
    scaling = displays(out)[-1][SCALING_MIME]
    words = summary(out)
    cores = scaling["cores"]
    if cores <= 2:
        fit = scaling["fit"]
        assert "limit" not in fit and not re.search(r"speedup limit \d", words), words
        # On a busy machine the 2-worker pass can be the slower one: then there is no fit at all.
        if fit["quality"] == "slowdown":
            assert "no Amdahl fit: a slowdown" in words, words
        else:
            assert fit["quality"] == "exact" and "Amdahl estimate from 2 points" in words, words


def spread_ok(median, low, high):
    return low <= median <= high


def test_compare_repeat_3_interleaves_rounds_and_shows_medians_with_spreads(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --workers 2 --map Array.from({ length: 4 }, () => 20) --compare --repeat 3\nburn(item)")
    text = stdout_of(out)
    assert "Warm-up pass on 2 workers" in text and "(not counted)" in text, text
    assert [int(n) for n in re.findall(r"Round (\d):", text)] == [1, 2, 3], text
    compare = displays(out)[-1][RUN_MIME]["compare"]
    assert len(compare["rounds"]) == 3 and compare["repeat"]["rounds"] == 3 and compare["repeat"]["rule"] == "repeat"
    assert compare["repeat"]["warmupMs"] > 0
    for field in ("serialMs", "parallelMs", "speedup"):
        assert spread_ok(compare[field], compare[field + "Min"], compare[field + "Max"]), (field, compare)
    ratios = sorted(r["serialMs"] / r["parallelMs"] for r in compare["rounds"])
    assert abs(compare["speedup"] - ratios[1]) < 1e-9, "the median of the rounds' own ratios"
    words = summary(out)
    assert re.search(r"speedup \d\.\d\dx \(\d\.\d\d–\d\.\d\dx over 3 rounds\)", words), words
    assert "medians of 3 rounds after a warm-up (--repeat 3, serial and parallel alternating)" in words, words


def test_scaling_repeat_3_records_each_point_as_a_median(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --map Array.from({ length: 4 }, () => 20) --scaling 1,2 --repeat 3\nburn(item)")
    text = stdout_of(out)
    assert "Warm-up on 2 workers" in text and len(re.findall(r"Round \d: 1 worker .+, 2 workers ", text)) == 3, text
    scaling = displays(out)[-1][SCALING_MIME]
    assert scaling["repeat"]["rounds"] == 3 and scaling["repeat"]["rule"] == "repeat"
    for p in scaling["points"]:
        assert len(p["rounds"]) == 3
        assert spread_ok(p["wallMs"], p["wallMsMin"], p["wallMsMax"]), p
        assert spread_ok(p["speedup"], p["speedupMin"], p["speedupMax"]), p
    words = summary(out)
    assert "medians of 3 rounds after a warm-up (--repeat 3, 1, 2 workers in turn)" in words, words


def test_repeat_needs_compare_or_scaling_and_a_positive_count(kc):
    for cell, message in [
        ("%%parallel --repeat 3\nrank", "--repeat repeats the timed passes of --compare or --scaling"),
        ("%%parallel --compare --repeat 0\nrank", '--repeat must be a positive integer, got "0"'),
        ("%%parallel --compare --repeat\nrank", "--repeat"),
    ]:
        reply = error(kc, cell)
        assert message in reply["evalue"], reply["evalue"]


def test_the_api_repeats_too(kc):
    ok(kc, BURN)
    out = ok(
        kc,
        'import { parallel } from "paralab";\n'
        "const r = await parallel.map((n: number) => burn(n), [20, 20, 20, 20], { compare: true, repeat: 2, quiet: false, workers: 2 });\n"
        "r.length",
    )
    compare = displays(out)[-1][RUN_MIME]["compare"]
    assert len(compare["rounds"]) == 2 and compare["repeat"]["rule"] == "repeat", compare
    reply = error(kc, 'import { parallel } from "paralab";\nawait parallel.map((n: number) => n, [1], { repeat: 2 })')
    assert "options.repeat repeats the timed passes of options.compare or options.scaling" in reply["evalue"], reply


def test_weak_scaling_grows_a_maps_work_with_the_workers(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --map Array.from({ length: 4 * size }, () => 10) --scaling 1,2 --weak --repeat 2\nburn(item)")
    text = stdout_of(out)
    assert "Warm-up on 2 workers (8 items)" in text, "the warm-up runs the largest size's work: " + text
    assert len(re.findall(r"Round \d: 1 worker \(4 items\) .+, 2 workers \(8 items\) ", text)) == 2, text
    scaling = displays(out)[-1][SCALING_MIME]
    assert scaling["weak"] is True and scaling["amdahl"] == [] and "serialFraction" not in scaling
    assert [(p["workers"], p["items"]) for p in scaling["points"]] == [(1, 4), (2, 8)], scaling["points"]
    one, two = scaling["points"]
    assert one["speedup"] == 1
    rounds = sorted(2 * a / b for a, b in zip(one["rounds"], two["rounds"]))
    assert abs(two["speedup"] - sum(rounds) / 2) < 1e-9, "scaled speedup: median of 2 × T(1) ÷ T(2) per round"
    g = scaling["gustafson"]
    assert g["quality"] in ("exact", "fitted", "slowdown"), g
    words = summary(out)
    assert words.startswith("weak scaling on 1, 2 workers (work grows with the workers: 4, 8 items): scaled speedup 1.00x, "), words
    if g["quality"] == "slowdown":  # a busy machine
        assert "no Gustafson fit" in words and "overhead" in words, words
    else:
        assert 0 <= g["serialFraction"] <= 1 and len(g["curve"]) >= 2 and "rmsError" in g
        assert re.search(r"Gustafson fit s \+ \(1 − s\)·N.*serial fraction ≈? ?\d\.\d{3}", words), words
    assert "Amdahl" not in words, words


def test_weak_scaling_in_spmd_mode_and_its_errors(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --scaling 1,2 --weak --repeat 1\nburn(20); size")
    scaling = displays(out)[-1][SCALING_MIME]
    assert scaling["weak"] is True and [p["workers"] for p in scaling["points"]] == [1, 2]
    assert "items" not in scaling["points"][0]
    assert summary(out).startswith("weak scaling on 1, 2 workers (work grows with the workers): scaled speedup 1.00x, ")
    # --weak alone, and a --map expression without size (a warning: the work would not grow)
    reply = error(kc, "%%parallel --weak\nrank")
    assert "--weak makes --scaling grow the work with the workers; add --scaling" in reply["evalue"], reply["evalue"]
    out = ok(kc, "%%parallel --map [1, 2] --scaling 1,2 --weak --repeat 1 --quiet\nitem")
    stderr = "".join(m["content"]["text"] for m in out if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    assert "--weak: the --map expression [1, 2] does not use size" in stderr, stderr


def test_the_api_scales_weakly_too(kc):
    ok(kc, BURN)
    out = ok(
        kc,
        'import { parallel } from "paralab";\n'
        "const r = await parallel.map((n: number) => burn(n), (size) => Array.from({ length: 3 * size }, () => 10),"
        " { scaling: [1, 2], weak: true, repeat: 1, quiet: false });\n"
        "r.length",
    )
    scaling = displays(out)[-1][SCALING_MIME]
    assert scaling["weak"] is True and [p["items"] for p in scaling["points"]] == [3, 6], scaling["points"]
    out = ok(
        kc,
        'import { parallel } from "paralab";\n'
        "await parallel.spmd(() => burn(10), { scaling: [1, 2], weak: true, repeat: 1, quiet: false }); 0",
    )
    assert displays(out)[-1][SCALING_MIME]["weak"] is True
    reply = error(kc, 'import { parallel } from "paralab";\nawait parallel.map((n: number) => n, [1], { weak: true })')
    assert "options.weak makes options.scaling grow the work with the workers" in reply["evalue"], reply
