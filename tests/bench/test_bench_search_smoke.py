"""The search benchmark still runs, on a tiny SQLite data set (its figures are not judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop.store.connection import open_database
from desktop.store.seeding import GeneratePlan, generate

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
    for step in ("migrations 006 to 008 on it", "migrations 009 to the last on it", "index",
                 "common word", "rare word", "two words", "bulk load with the index"):
        assert step in result.stdout
    assert "('zanzibarine', 1 posts)" in result.stdout


def test_the_search_floor_prints_each_search_of_each_target(tmp_path: Path):
    database = tmp_path / "floor.sqlite3"
    with open_database(str(database)) as backend:
        generate(backend, GeneratePlan(20, 2, 1))
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "search_floor.py"),
            "--runs", "2",
            "--rounds", "1",
            f"here={ROOT}={database}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.startswith("here\n")
    for search in ("common word", "rare word", "two words"):
        assert f"page {search}" in result.stdout and f"count {search}" in result.stdout
