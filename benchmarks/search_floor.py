"""The search steps' data-layer floor, one checkout beside another in one run:

    python benchmarks/search_floor.py [--runs N] [--rounds R] [--words W,...] LABEL=CHECKOUT=URL ...

For each target, a child process imports `desktop` from CHECKOUT (a source tree: this one,
or another commit's, e.g. `git archive main | tar -x -C /tmp/base`) and times
Repository.search_posts (the Find dialog's first page, 50 posts) for the words of
benchmarks/search_steps.py (or the searches given with --words) on the database at URL,
after one untimed pass; then the count the dialog asks for next (up to 1,000). The rare
word's post is written before the runs and
deleted after them, as search_steps.py does. The targets take turns, R rounds of N runs
each, so that a change in the machine's load falls on all of them alike. Prints median and
p95 per target and search; not a test.

Each CHECKOUT opens its URL with its own migrations: give a checkout only a database made
for it (a copy per checkout, benchmarks/dataset.py's POSTDESK_BENCH_TAG for the server).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

RARE = "zanzibarine"
SEARCHES = {"common word": "the", "rare word": RARE, "two words": "release notes"}
PAGE = 50  # desktop/ui/dialogs/find_dialog.py's PAGE_SIZE
COUNT_AT_MOST = 1000  # and its COUNT_AT_MOST


def percentile95(values: list[float]) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * 0.95
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def measure(url: str, runs: int, searches: dict[str, str]) -> dict[str, list[float]]:
    """In the child: the timings of each search (ms), keyed 'page <label>' / 'count <label>'."""
    from desktop.store.connection import open_database
    from desktop.store.repository import Repository

    times: dict[str, list[float]] = {}
    with open_database(url) as backend:
        repo = Repository(backend)
        author = repo.list_users(limit=1).items[0]
        rare = repo.create_post(author.id, f"A {RARE} recipe", "Only one post holds this word.")
        try:
            for run in range(runs + 1):
                for label, text in searches.items():
                    started = time.perf_counter()
                    repo.search_posts(text, limit=PAGE)
                    paged = time.perf_counter()
                    repo.count_search(text, at_most=COUNT_AT_MOST)
                    counted = time.perf_counter()
                    if run:  # the first pass warms the caches
                        times.setdefault(f"page {label}", []).append((paged - started) * 1000)
                        times.setdefault(f"count {label}", []).append((counted - paged) * 1000)
        finally:
            repo.delete_post(rare.id)
    return times


def run_child(checkout: Path, url: str, runs: int, words: str) -> dict[str, list[float]]:
    command = [sys.executable, __file__, "--child", str(checkout), url, "--runs", str(runs)]
    command += ["--words", words] if words else []
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{checkout} on {url} failed:\n{done.stderr}")
    result: dict[str, list[float]] = json.loads(done.stdout.splitlines()[-1])
    return result


def report(label: str, times: dict[str, list[float]]) -> None:
    print(label)
    for key, values in times.items():
        print(
            f"  {key:<18} median {statistics.median(values):7.1f} ms"
            f"   p95 {percentile95(values):7.1f} ms   ({len(values)} runs)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="LABEL=CHECKOUT=URL")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--words", default="", help="searches of their own, comma-separated")
    parser.add_argument("--child", nargs=2, metavar=("CHECKOUT", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.path.insert(0, args.child[0])
        words = args.words.split(",") if args.words else []
        searches = {repr(word): word for word in words} if words else SEARCHES
        print(json.dumps(measure(args.child[1], args.runs, searches)))
        return 0
    targets = [target.split("=", 2) for target in args.targets]
    pooled: dict[str, dict[str, list[float]]] = {label: {} for label, _, _ in targets}
    for _ in range(args.rounds):
        for label, checkout, url in targets:
            for key, values in run_child(Path(checkout), url, args.runs, args.words).items():
                pooled[label].setdefault(key, []).extend(values)
    for label, times in pooled.items():
        report(label, times)
    return 0


if __name__ == "__main__":
    sys.exit(main())

