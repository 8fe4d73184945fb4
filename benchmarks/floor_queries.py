"""The floor: each step's page fetched by the app's data layer alone, with no Qt.

    python benchmarks/floor_queries.py FACTS.json OUT.json [--proxy] [--runs N]

Each page comes from desktop.store.repository.Repository on a bare connection, with the
arguments the app's models pass (a page of 100): the same SQL from db/queries/, the same
driver, whatever the data layer does for that page (one query or two), but no worker
thread, no model and no paint. What the app adds on top of these figures is its overhead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib
from benchlib import SORT_CASES, NoProxy, Sample, SortCase, now_ms, proxied
from net_proxy import ProxyProcess

from desktop.store.backend import Backend
from desktop.store.connection import connect
from desktop.store.records import Order
from desktop.store.repository import Repository

PAGE = 100  # the app's page size (desktop.ui.models.PAGE_SIZE)


class Floor:
    def __init__(self, facts: dict[str, Any], url: str, proxy: Any, runs: int) -> None:
        self.facts = facts
        self.url = url
        self.proxy = proxy
        self.runs = runs
        self.results: dict[str, Sample] = {}
        self.backend: Backend = connect(url, create=False)
        self.repo = Repository(self.backend)

    def timed(self, name: str, action: Callable[[], Any]) -> Any:
        self.proxy.reset_counts()
        started = now_ms()
        result = action()
        elapsed = now_ms() - started
        self.results.setdefault(name, Sample()).add(elapsed, trips=self.proxy.round_trips)
        return result

    def run(self) -> None:
        f, repo = self.facts, self.repo
        for _ in range(self.runs):
            self.timed("open", lambda: repo.list_users(limit=PAGE))
        for _ in range(self.runs):
            self.timed("select heavy user", lambda: repo.list_posts(f["heavy_user"], limit=PAGE))
            self.timed(
                "select typical user", lambda: repo.list_posts(f["typical_user"], limit=PAGE)
            )
            self.timed(
                "select heavy post", lambda: repo.list_comments(f["heavy_post"], limit=PAGE)
            )
            self.timed(
                "select typical post", lambda: repo.list_comments(f["typical_post"], limit=PAGE)
            )
            self.timed(
                "filter prefix", lambda: repo.list_users(f["filter_prefix"], limit=PAGE)
            )
            self.timed(
                "filter substring", lambda: repo.list_users(f["filter_substring"], limit=PAGE)
            )
            self.timed(
                "ctrl+end",
                # As the app asks it: with the list's length, read from the nearer end.
                lambda: repo.posts_at(
                    f["heavy_user"],
                    max(0, f["heavy_user_posts"] - PAGE),
                    limit=PAGE,
                    total=f["heavy_user_posts"],
                ),
            )
        for _ in range(self.runs):
            for case in SORT_CASES:
                self.sort(case)
        self.timed("scroll to end", self.all_pages)

    def sort(self, case: SortCase) -> None:
        """A sorted list's first page, and its last as Ctrl+End reads it (the length known,
        as the app knows it by then)."""
        f, repo, order = self.facts, self.repo, Order(case.key, case.descending)
        if case.kind == "users":
            users = int(f["users"])
            self.timed(f"sort {case.label}", lambda: repo.list_users(limit=PAGE, order=order))
            self.timed(
                f"sort end {case.label}",
                lambda: repo.users_at(max(0, users - PAGE), limit=PAGE, order=order, total=users),
            )
            return
        user, posts = f["heavy_user"], int(f["heavy_user_posts"])
        self.timed(f"sort {case.label}", lambda: repo.list_posts(user, limit=PAGE, order=order))
        self.timed(
            f"sort end {case.label}",
            lambda: repo.posts_at(user, max(0, posts - PAGE), limit=PAGE, order=order, total=posts),
        )

    def all_pages(self) -> int:
        """Every page of the heavy user's posts, each continuing from the last (keyset)."""
        page = self.repo.list_posts(self.facts["heavy_user"], limit=PAGE)
        count = len(page.items)
        while page.after is not None:
            page = self.repo.list_posts(self.facts["heavy_user"], limit=PAGE, after=page.after)
            count += len(page.items)
        return count


def measure_connect(
    url: str, dialect: str, proxy: Any, runs: int, results: dict[str, Sample]
) -> None:
    """Connecting alone: the bare driver's connect (the floor), and the app's own
    (desktop.store.connection.connect: the driver's plus its checks)."""
    for _ in range(runs):
        proxy.reset_counts()
        started = now_ms()
        if dialect == "sqlite":
            import sqlite3

            sqlite3.connect(url).close()
        else:
            import psycopg

            psycopg.connect(url, autocommit=True).close()
        results.setdefault("connect", Sample()).add(now_ms() - started, trips=proxy.round_trips)
        proxy.reset_counts()
        started = now_ms()
        backend = connect(url, create=False)
        elapsed = now_ms() - started
        results.setdefault("connect (app)", Sample()).add(elapsed, trips=proxy.round_trips)
        backend.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("facts", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--proxy", action="store_true")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    facts = json.loads(args.facts.read_text())
    url = facts["url"]
    proxy: Any = NoProxy()
    if args.proxy:
        proxy = ProxyProcess("127.0.0.1", facts["port"], benchlib.PROXY_DELAY_S)
        url = proxied(url, proxy.port)
    try:
        floor = Floor(facts, url, proxy, args.runs)
        floor.run()
        measure_connect(url, facts["dialect"], proxy, args.runs, floor.results)
        floor.backend.close()
        benchlib.dump_results(floor.results, {"at": time.time()}, args.out)
    finally:
        if args.proxy:
            proxy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
