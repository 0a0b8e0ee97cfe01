"""A short soak (test/soak.py, 65 mixed cells through one kernel): no worker, thread or child process
leaks. Memory is judged by the full run, by hand: .venv/bin/python test/soak.py (500 cells)."""
import io

from soak import leaks, soak


def test_a_short_soak_leaks_nothing():
    report = io.StringIO()
    samples = soak(cells=65, every=13, out=report)
    assert leaks(samples, rss=False) == [], report.getvalue()
    assert samples[-1]["children"] == 2, report.getvalue()
