"""The memory benchmark still runs, the baseline's code beside this checkout's, on a tiny
SQLite data set (its figures are not judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # a subprocess limit, not a timing check
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_memory_benchmark_prints_both_codes_on_each_backend(tmp_path: Path) -> None:
    tiny = ["--scale", "0.002", "--dir", str(tmp_path)]
    run("dataset.py", *tiny, "--no-postgres")
    for steps in ("scroll", "all"):
        table = run(
            "scroll_memory.py", *tiny, "--backends", "sqlite", "--baseline", "HEAD",
            "--steps", steps, "--runs", "1",
        )
        rows = [line for line in table.splitlines() if line.startswith("| ")]
        assert rows[0].startswith("| code | backend | RSS at start MB")
        assert [row.split(" | ")[:2] for row in rows[1:] if "---" not in row] == [
            ["| baseline (HEAD)", "sqlite"],
            ["| this checkout", "sqlite"],
        ]
