"""The scale benchmark still runs: every part, on a tiny SQLite data set (no timing is
checked; benchmarks print figures, tests do not judge them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^bench:(?: [a-z0-9_]+=\S+)+$")
KEYS = (
    "worst_p95_ms", "heavy_stock_ratio", "max_stall_ms", "rss_mb", "start_s",
    "proxy_first_rows_ms", "proxy_connect_rt", "proxy_open_rt", "start_ratio", "growth",
    "sort_p95_ms", "search_p95_ms",
)


def test_the_benchmark_runs_and_ends_with_its_summary_line(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "scale.py"),
            "--scale", "0.002",
            "--growth-scale", "0.001",
            "--backends", "sqlite",
            "--runs", "2",
            "--start-runs", "1",
            "--dir", str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # a subprocess limit, not a timing check: two data sets on a busy machine
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert SUMMARY.match(last), last
    found = dict(pair.split("=", 1) for pair in last.split()[1:])
    assert set(KEYS) <= set(found), last
    assert found["growth"] != "na" and found["start_ratio"] != "na", last
    assert "proxy_first_rows_ms=na" in last  # no PostgreSQL asked for
    report = (tmp_path / "results-quick.md").read_text()
    assert "full ÷ quick p95" in report
    for step in (
        "cold start", "select heavy user", "select heavy post", "Ctrl+End", "filter",
        "search a common word",
    ):
        assert step in report
    assert report.rstrip().splitlines()[-1] == last
