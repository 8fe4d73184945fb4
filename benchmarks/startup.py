"""Start-up time: from launch to the main window showing the rows of a migrated database.

    .venv/bin/python benchmarks/startup.py [--runs 10] [--bundle dist/Postdesk/Postdesk]

`make startup` runs it. Each run is a `--screenshot` run (offscreen) on a demo database that
is already migrated and seeded: the app opens it, loads the first page of users, and saves a
PNG once the worker is idle, i.e. once the rows are in the window. "to window" is launch
until the PNG file is written (its modification time, so nothing is added to the app to time
it); "to exit" adds the app's shutdown. Three programs, run in turn so that a busy moment of
the machine hits all three alike, after one warm-up run each:

- source: `.venv/bin/python -m desktop`
- bundle: `dist/Postdesk/Postdesk` (skipped if it has not been built)
- floor:  `benchmarks/floor_window.py`, a bare PySide6 table over the same SQLite file

It prints min / median / max of each and the ratio of the medians to the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ROOT / "benchmarks" / "floor_window.py"
TARGETS = {"source": 0.40, "bundle": 0.45}
FACTS_FLOOR = 0.163  # s: the floor (psycopg not imported) when the targets were set


@dataclass
class Program:
    name: str
    command: list[str]
    to_window: list[float] = field(default_factory=list)
    to_exit: list[float] = field(default_factory=list)


def run_once(program: Program, shot: Path, env: dict[str, str]) -> tuple[float, float]:
    shot.unlink(missing_ok=True)
    started = time.time()
    result = subprocess.run(
        [*program.command, "--screenshot", str(shot)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ended = time.time()
    if result.returncode != 0 or not shot.exists():
        raise SystemExit(f"{program.name} failed ({result.returncode}): {result.stderr.strip()}")
    return shot.stat().st_mtime_ns / 1e9 - started, ended - started


def prepare_database(folder: Path, env: dict[str, str]) -> Path:
    database = folder / "startup.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "desktop", "seed", "--database", str(database)],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    return database


def summary(values: list[float]) -> str:
    return (
        f"min {min(values):.3f}  median {statistics.median(values):.3f}  "
        f"max {max(values):.3f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the app's start-up beside a floor.")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "Postdesk" / "Postdesk")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="postdesk-startup-") as scratch:
        folder = Path(scratch)
        home = folder / "home"
        home.mkdir()
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home))
        env.pop("PYTHONPROFILEIMPORTTIME", None)
        # As on a person's machine, where the first launch leaves the modules compiled:
        # with PYTHONDONTWRITEBYTECODE set (as in some shells and CI), every launch would
        # compile the app's 30 modules again (about 0.08 s) and measure that instead.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        database = prepare_database(folder, env)
        programs = [
            Program("source", [sys.executable, "-m", "desktop", "--database", str(database)]),
            Program("floor", [sys.executable, str(FLOOR), str(database)]),
        ]
        if args.bundle.exists():
            programs.insert(1, Program("bundle", [str(args.bundle), "--database", str(database)]))
        else:
            print(f"(no bundle at {args.bundle}: `make package` builds it)")
        shot = folder / "shot.png"
        for program in programs:  # warm-up: file caches, fontconfig's cache
            run_once(program, shot, env)
        for _ in range(args.runs):
            for program in programs:
                to_window, to_exit = run_once(program, shot, env)
                program.to_window.append(to_window)
                program.to_exit.append(to_exit)

    floor = next(p for p in programs if p.name == "floor")
    floor_median = statistics.median(floor.to_window)
    print(f"Start-up over {args.runs} runs each ({time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} CPUs), launch to the window showing its rows:")
    for program in programs:
        median = statistics.median(program.to_window)
        ratio = f"{median / floor_median:.2f} x floor" if program is not floor else "the floor"
        target = TARGETS.get(program.name)
        verdict = ""
        if target is not None:
            verdict = f"  target {target:.2f} s: {'met' if median <= target else 'NOT met'}"
        print(f"  {program.name:<7} to window {summary(program.to_window)}  ({ratio}){verdict}")
        print(f"  {'':<7} to exit   {summary(program.to_exit)}")
    print(
        f"Seconds depend on how busy the machine is; the ratios carry over. The targets were "
        f"set when the floor took {FACTS_FLOOR:.3f} s (../shared/facts.md); it took "
        f"{floor_median:.3f} s now."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
