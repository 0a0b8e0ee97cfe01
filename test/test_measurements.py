"""SPEC §3.1.1 through the real protocol: the numbers paralab shows mean what they say.

Invariants only, never timings: a shared machine gives any time, but it cannot make a serial
pass on one worker slower than the same work split over two by more than noise, and a word such
as "speedup" must never appear without a measured serial time.
"""
import re

from conftest import ok
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
    assert re.search(r"serial pass on one worker thread \(w0\) .+: speedup \d\.\d\dx, efficiency \d+%", words), words


def test_a_short_run_has_its_whole_utilization(kc):
    ok(kc, BURN)
    out = ok(kc, "%%parallel --workers 2 --map [150, 150]\nburn(item)")
    record = displays(out)[-1][RUN_MIME]
    samples = record["workerSamples"]
    assert len(samples) >= 20, f"{len(samples)} utilization points for a {record['wallMs']:.0f} ms run"
    assert samples[0]["tMs"] - record["startMs"] < 0.1 * record["wallMs"], "from the start of the run"
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
        assert scaling["fit"]["quality"] == "exact" and "limit" not in scaling["fit"]
        assert "Amdahl estimate from 2 points" in words and not re.search(r"speedup limit \d", words), words
