"""The scale benchmark still runs: every part, on a tiny SQLite data set (no timing is
checked; benchmarks print figures, tests do not judge them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(
    r"^bench: worst_p95_ms=\S+ heavy_stock_ratio=\S+ max_stall_ms=\S+ rss_mb=\S+ "
    r"start_s=\S+ proxy_first_rows_ms=\S+ proxy_connect_rt=\S+ proxy_open_rt=\S+$"
)


def test_the_benchmark_runs_and_ends_with_its_summary_line(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "scale.py"),
            "--scale", "0.001",
            "--backends", "sqlite",
            "--runs", "2",
            "--start-runs", "1",
            "--dir", str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert SUMMARY.match(last), last
    assert "proxy_first_rows_ms=na" in last  # no PostgreSQL asked for
    report = (tmp_path / "results-quick.md").read_text()
    for step in ("cold start", "select heavy user", "select heavy post", "Ctrl+End", "filter"):
        assert step in report
    assert report.rstrip().splitlines()[-1] == last
