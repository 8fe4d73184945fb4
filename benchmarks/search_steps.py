"""Search steps of the scale benchmark: the Find dialog, timed from Return to the first page
of results painted, beside the same page from the data layer alone (the floor) and beside
`LIKE '%word%'` over titles, contents and comment bodies (the naive way).

    python benchmarks/search_steps.py FACTS.json OUT.json [--proxy] [--runs N]

Run by benchmarks/scale.py, one process per backend, after the other steps. The words: a
common one (in most posts and many comments), a rare one (in one post, written here before
the runs and deleted after them, so the cached data set keeps its counts) and two words.
With --proxy the dialog's database is reached through the 50 ms round-trip proxy and the
round trips of each search are counted; the naive way is measured locally only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import benchlib
from app_steps import app_setup
from benchlib import NoProxy, Sample, now_ms, proxied
from net_proxy import ProxyProcess
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.store.connection import open_database
from desktop.store.repository import Repository
from desktop.store.urls import parse_url
from desktop.ui.dialogs.find_dialog import PAGE_SIZE, FindDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from desktop.ui.worker import Worker

RARE = "zanzibarine"
SEARCHES = {"common word": "the", "rare word": RARE, "two words": "release notes"}
NAIVE_RUNS = 3
NAIVE_SQL = (
    "SELECT p.id FROM posts p WHERE p.title LIKE {m} OR p.content LIKE {m}"
    " UNION SELECT c.post_id FROM comments c WHERE c.body LIKE {m}"
    " ORDER BY 1 DESC LIMIT {limit}"
)


@contextmanager
def rare_post(url: str) -> Iterator[None]:
    """One post holding the rare word, for the runs only."""
    with open_database(url) as backend:
        repo = Repository(backend)
        author = repo.list_users(limit=1).items[0]
        post = repo.create_post(author.id, f"A {RARE} recipe", "Only one post holds this word.")
    try:
        yield
    finally:
        with open_database(url) as backend:
            Repository(backend).delete_post(post.id)


class SearchBench:
    def __init__(self, url: str, proxy: Any, runs: int) -> None:
        self.proxy = proxy
        self.runs = runs
        self.results: dict[str, Sample] = {}
        self.folder = Path(tempfile.mkdtemp(prefix="postdesk-search-bench-"))
        store = QSettings(str(self.folder / "settings.ini"), QSettings.Format.IniFormat)
        self.worker = Worker()
        self.window = MainWindow(self.worker, Settings(store))
        self.applied = app_setup(self.window)  # as the app runs its window
        self.window.resize(1200, 760)
        self.window.show()
        self.window.open_database(parse_url(url))
        benchlib.wait_for(lambda: self.window.users.total is not None)  # opened, first rows in
        self.idle()
        self.dialog = FindDialog(self.worker, self.window)
        self.dialog.show()
        self.watch = benchlib.make_paint_watch(self.dialog.table.viewport())
        self.heartbeat = benchlib.make_heartbeat()

    def idle(self) -> None:
        benchlib.wait_for(lambda: not self.worker.busy)

    def search(self, label: str, text: str) -> None:
        """Return pressed in the search box to the first page of results painted."""
        results, box = self.dialog.results, self.dialog.box
        box.setText(text)  # typed; the measured moment is the Return key
        benchlib.settle()  # as every step of app_steps.py: the click on a quiet window
        self.watch.expect(lambda: results.text == text and results.rowCount() > 0)
        self.proxy.reset_counts()
        self.heartbeat.restart()
        started = now_ms()
        QTest.keyClick(box, Qt.Key.Key_Return)
        painted: float = self.watch.wait()
        trips = self.proxy.round_trips
        self.results.setdefault(f"search {label}", Sample()).add(
            painted - started, stall=self.heartbeat.stall(), trips=trips
        )
        self.idle()  # the count, which follows the page, is not part of the step

    def run(self) -> None:
        for _ in range(self.runs):
            for label, text in SEARCHES.items():
                self.search(label, text)


def floor(url: str, runs: int, proxy: Any, results: dict[str, Sample]) -> None:
    """The same first page from the data layer alone: same SQL, same driver, no Qt."""
    with open_database(url) as backend:
        repo = Repository(backend)
        for _ in range(runs):
            for label, text in SEARCHES.items():
                proxy.reset_counts()
                started = now_ms()
                repo.search_posts(text, limit=PAGE_SIZE)
                results.setdefault(f"search {label}", Sample()).add(
                    now_ms() - started, trips=proxy.round_trips
                )


def naive(url: str, results: dict[str, Sample]) -> None:
    """LIKE '%word%' (the first word of two) for the same page: every text read."""
    with open_database(url) as backend:
        mark = "?" if backend.dialect == "sqlite" else "%s"
        sql = NAIVE_SQL.format(m=mark, limit=PAGE_SIZE)
        for _ in range(NAIVE_RUNS):
            for label, text in SEARCHES.items():
                params = (f"%{text.split()[0]}%",) * 3
                started = time.perf_counter()
                backend.execute(sql, params)
                results.setdefault(f"search {label}", Sample()).add(
                    (time.perf_counter() - started) * 1000
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("facts", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--proxy", action="store_true", help="through a 50 ms round-trip proxy")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    facts = json.loads(args.facts.read_text())
    app = QApplication(sys.argv[:1])
    benchlib.quiet_qt_messages()
    proxy: Any = NoProxy()
    url = facts["url"]
    if args.proxy:
        proxy = ProxyProcess("127.0.0.1", facts["port"], benchlib.PROXY_DELAY_S)
        url = proxied(url, proxy.port)
    bench: SearchBench | None = None
    floors: dict[str, Sample] = {}
    likes: dict[str, Sample] = {}
    try:
        with rare_post(facts["url"]):
            bench = SearchBench(url, proxy, args.runs)
            bench.run()
            floor(url, args.runs, proxy, floors)
            if not args.proxy:
                naive(facts["url"], likes)
        extra = {
            "floor": {k: v.__dict__ for k, v in floors.items()},
            "naive": {k: v.__dict__ for k, v in likes.items()},
            "words": SEARCHES,
            "app_setup": bench.applied,
        }
        benchlib.dump_results(bench.results, extra, args.out)
    finally:
        if bench is not None:
            bench.worker.stop()
        if args.proxy:
            proxy.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
