"""Resident memory after scrolling the heavy user's posts: a baseline's code beside this
checkout's, in one run (issue 17's memory target: at most 150 MB).

    .venv/bin/python benchmarks/scroll_memory.py                  # baseline: main
    .venv/bin/python benchmarks/scroll_memory.py --baseline HEAD~3 --steps scroll
    .venv/bin/python benchmarks/scroll_memory.py --dir /path/to/var/bench

Runs benchmarks/app_steps.py, one fresh process per code and backend, as `make bench`
does (`--steps all`: every step, then the scroll to the end, whose RSS is the bench's
rss_mb) or `--steps scroll` (open, scroll to the end, then back to the top and 20 pages
down: what rows left behind cost when seen again). The baseline's code is taken from git
(`git archive`) into a temporary folder, beside a copy of this checkout's benchmark scripts.
Reads the data set that benchmarks/dataset.py built in `--dir` (default var/bench) and
changes nothing there.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib
import dataset
import facts as facts_module
from benchlib import Sample

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CODE = ("desktop", "db", "resources")  # what the app needs from a checkout
STEP_GROUPS = {"all": [], "scroll": ["--only", "scroll", "--only", "back"]}  # app_steps.py's
SHOWN = ("scroll to end (per page)", "back to top", "scroll back 20 pages (per page)")


def baseline_code(ref: str, into: Path) -> Path:
    """The app's code as of git `ref` under `into`, with this checkout's benchmark scripts
    (they put their own checkout first on sys.path)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, *CODE], cwd=ROOT, check=True, capture_output=True
    ).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    shutil.copytree(HERE, into / "benchmarks", ignore=shutil.ignore_patterns("__pycache__"))
    return into


def run_steps(code: Path, facts: Path, out: Path, args: argparse.Namespace, home: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home))
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    command = [sys.executable, str(code / "benchmarks" / "app_steps.py"), str(facts), str(out),
               "--runs", str(args.runs), *STEP_GROUPS[args.steps]]
    result = subprocess.run(command, env=env, cwd=code, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"app_steps.py failed for {code}:\n{result.stderr[-4000:]}")


def describe(sample: Sample | None) -> str:
    if sample is None or not sample.values:
        return "—"
    if len(sample.values) == 1:
        return f"{sample.values[0]:.1f}"
    return f"{sample.median:.1f} / {sample.p95:.1f}"


def row(label: str, backend: str, measured: tuple[dict[str, Sample], dict[str, Any]]) -> str:
    samples, extra = measured
    cells = [
        label,
        backend,
        f"{extra['rss_at_start_mb']:.1f}",
        f"{extra['rss_after_scroll_mb']:.1f}",
        f"{extra['loaded_rows_after_scroll']:,}",
        *(describe(samples.get(name)) for name in SHOWN),
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="main", help="git ref of the code to compare")
    parser.add_argument("--steps", choices=("all", "scroll"), default="all")
    parser.add_argument("--runs", type=int, default=10, help="repeats of each step (all)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--dir", type=Path, default=dataset.BENCH_DIR)
    parser.add_argument("--scale", type=float, default=1.0, help="which data set (0.01: quick)")
    args = parser.parse_args(argv)
    manifest = args.dir / f"{dataset.set_name(args.scale)}.json"
    if not manifest.exists():
        raise SystemExit(f"No {manifest}: build it with benchmarks/dataset.py.")
    data = dataset.DataSet.from_json(manifest.read_text())
    with tempfile.TemporaryDirectory(prefix="postdesk-memory-") as folder:
        print("\n".join(measure(data, args, Path(folder))))
    return 0


def measure(data: dataset.DataSet, args: argparse.Namespace, folder: Path) -> list[str]:
    """The table's lines: each backend, the baseline's code then this checkout's."""
    codes = {
        f"baseline ({args.baseline})": baseline_code(args.baseline, folder / "baseline"),
        "this checkout": ROOT,
    }
    where = {"sqlite": data.sqlite_path, "postgresql": data.pg_url}
    lines = [
        "| code | backend | RSS at start MB | RSS after scroll MB | rows loaded after scroll "
        "| ms per page scrolling down (median / p95) | back to top ms "
        "| ms per page after it (median / p95) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend in args.backends.split(","):
        url = where[backend]
        assert url is not None, f"the data set has no {backend} database"
        facts = facts_module.gather(url, data.heavy_user, data.heavy_post)
        facts_path = folder / f"facts-{backend}.json"
        facts_path.write_text(json.dumps(facts))
        for label, code in codes.items():
            out = folder / f"{backend}-{len(lines)}.json"
            print(f"{backend}, {label}…", file=sys.stderr, flush=True)
            run_steps(code, facts_path, out, args, folder / "home")
            lines.append(row(label, backend, benchlib.load_results(out)))
    return lines


if __name__ == "__main__":
    sys.exit(main())
