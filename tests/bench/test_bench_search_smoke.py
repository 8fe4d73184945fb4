"""The search benchmark still runs, on a tiny SQLite data set (its figures are not judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_search_benchmark_prints_each_step():
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "search_index.py"),
            "--users", "20",
            "--runs", "2",
            "--no-postgres",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for step in ("migration 006 on it", "index", "common word", "rare word", "two words",
                 "bulk load with the index"):
        assert step in result.stdout
    assert "('zanzibarine', 1 posts)" in result.stdout
