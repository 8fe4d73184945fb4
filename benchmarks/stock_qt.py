"""The stock Qt way: QSqlQueryModel in a QTableView, the app's queries without their LIMIT.

    python benchmarks/stock_qt.py FACTS.json OUT.json [--proxy] [--runs N] [--scroll-pages N]

QSQLITE on the SQLite file, QPSQL (it loads the system's libpq) on the PostgreSQL database.
Each step builds a QSqlQuery from the app's named query (db/queries/) with its LIMIT taken
out and the first page's keyset bounds, executes it, hands it to a fresh QSqlQueryModel
shown in a QTableView, and waits for the paint with the rows. All of it runs on the GUI
thread, as the stock way does: the heartbeat's longest stall is how long the window froze.
QPSQL fetches every row at once (it knows the size); QSQLITE fetches 256 at a time as the
view asks for more.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import benchlib
from benchlib import SORT_CASES, NoProxy, Sample, SortCase, now_ms
from net_proxy import ProxyProcess
from PySide6.QtSql import QSqlDatabase, QSqlQuery, QSqlQueryModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

from desktop import paths
from desktop.store.validation import like_pattern

END_OF_TIME = {"sqlite": "9999-12-31T23:59:59.000Z", "postgresql": "9999-12-31 23:59:59+00"}


def named_sql(name: str) -> str:
    """A named query's SQL as written in db/queries/ (with :name parameters)."""
    for path in sorted(paths.queries_dir().glob("*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if re.match(rf"--\s*name:\s*{name}\(", line):
                statement: list[str] = []
                for body in lines[number + 1 :]:
                    statement.append(body)
                    if body.rstrip().endswith(";"):
                        return "\n".join(statement).rstrip().rstrip(";")
    raise KeyError(name)


def without_limit(sql: str) -> str:
    return re.sub(r"\s*LIMIT\s+:limit\b", "", sql)


def _visible_filled(view: QTableView) -> bool:
    model = view.model()
    return model is not None and model.rowCount() > 0 and view.rowAt(0) >= 0


class Stock:
    def __init__(self, facts: dict[str, Any], url: str, port: int | None, proxy: Any) -> None:
        self.facts = facts
        self.dialect = facts["dialect"]
        self.proxy = proxy
        self.results: dict[str, Sample] = {}
        self.extra: dict[str, Any] = {}
        self.window = QMainWindow()
        self.view = QTableView()
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.window.setCentralWidget(self.view)
        self.window.resize(400, 700)  # about the size of the app's posts pane
        self.window.show()
        self.heartbeat = benchlib.make_heartbeat()
        self.watch = benchlib.make_paint_watch(self.view.viewport())
        self.url = url
        self.port = port
        self.db: QSqlDatabase | None = None
        self.models: list[QSqlQueryModel] = []

    def connect(self) -> QSqlDatabase:
        name = f"bench{len(self.models)}_{now_ms():.0f}"
        if self.dialect == "sqlite":
            db = QSqlDatabase.addDatabase("QSQLITE", name)
            db.setDatabaseName(self.url)
        else:
            from psycopg.conninfo import conninfo_to_dict

            parts = conninfo_to_dict(self.url)
            db = QSqlDatabase.addDatabase("QPSQL", name)
            db.setHostName(str(parts.get("host", "127.0.0.1")))
            db.setPort(int(self.port or str(parts.get("port", "5432"))))
            db.setDatabaseName(str(parts["dbname"]))
            db.setUserName(str(parts.get("user", "postgres")))
        if not db.open():
            raise RuntimeError(f"QSqlDatabase.open failed: {db.lastError().text()}")
        return db

    def measure_connect(self, runs: int) -> None:
        for _ in range(runs):
            self.proxy.reset_counts()
            self.heartbeat.restart()
            started = now_ms()
            db = self.connect()
            elapsed = now_ms() - started
            self.results.setdefault("connect", Sample()).add(
                elapsed, stall=self.heartbeat.stall(), trips=self.proxy.round_trips
            )
            name = db.connectionName()
            db.close()
            del db
            QSqlDatabase.removeDatabase(name)

    def query(self, name: str, **params: Any) -> QSqlQuery:
        assert self.db is not None
        query = QSqlQuery(self.db)
        if not query.prepare(without_limit(named_sql(name))):
            raise RuntimeError(f"{name}: {query.lastError().text()}")
        for key, value in params.items():
            query.bindValue(f":{key}", value)
        return query

    def show(self, step: str, name: str, end: bool = False, **params: Any) -> QSqlQueryModel:
        """Execute, hand to a fresh model, wait for the paint with the rows."""
        model = QSqlQueryModel()
        self.watch.expect(lambda: _visible_filled(self.view))
        self.proxy.reset_counts()
        self.heartbeat.restart()
        started = now_ms()
        query = self.query(name, **params)
        if not query.exec():
            raise RuntimeError(f"{name}: {query.lastError().text()}")
        model.setQuery(query)
        if end:  # scrolled to the end: every row fetched, the last ones shown
            while model.canFetchMore():
                model.fetchMore()
        self.view.setModel(model)
        if end:
            self.view.scrollToBottom()
        else:
            self.view.scrollToTop()
        blocked = now_ms() - started
        painted = self.watch.wait()
        sample = self.results.setdefault(step, Sample())
        sample.add(painted - started, stall=self.heartbeat.stall(), trips=self.proxy.round_trips)
        sample.notes.setdefault("blocked_ms", []).append(blocked)
        sample.notes["rows"] = model.rowCount()
        self.models = [model]  # the previous one goes (as a view showing a new query drops it)
        return model

    def run(self, runs: int, scroll_pages: int) -> None:
        f = self.facts
        start = END_OF_TIME[self.dialect]
        self.db = self.connect()
        for _ in range(runs):
            self.show("open", "list_users", pattern="%", after_name="", after_id=0)
            for label in ("heavy", "typical"):
                self.show(
                    f"select {label} user",
                    "list_posts",
                    user_id=f[f"{label}_user"],
                    pattern="%",
                    after_created=start,
                    after_id=0,
                )
            for label in ("heavy", "typical"):
                self.show(
                    f"select {label} post", "list_comments", post_id=f[f"{label}_post"], after_id=0
                )
            for label in ("prefix", "substring"):
                self.show(
                    f"filter {label}",
                    "list_users",
                    pattern=like_pattern(f[f"filter_{label}"]),
                    after_name="",
                    after_id=0,
                )
            self.show(
                "ctrl+end",
                "list_posts",
                end=True,
                user_id=f["heavy_user"],
                pattern="%",
                after_created=start,
                after_id=0,
            )
        for _ in range(runs):
            for case in SORT_CASES:
                self.sort(case)
        self.scroll_through(start, scroll_pages)

    def sort(self, case: SortCase) -> None:
        """The stock way to sort: the whole list with ORDER BY, no LIMIT (the app's keyset
        query, from before its first row); for Ctrl+End every row fetched."""
        way = "desc" if case.descending else "asc"
        # Before every row in the list's direction (titles: U+10FFFF sorts after any text).
        if case.kind == "users":
            name = f"list_users_by_posts_{way}"
            params: dict[str, Any] = {"pattern": "%"}
            first: tuple[Any, int] = (2**31 - 1, 2**31 - 1) if case.descending else (-1, 0)
        else:
            name = f"list_posts_by_title_{way}"
            params = {"user_id": self.facts["heavy_user"], "pattern": "%"}
            first = ("\U0010ffff", 2**31 - 1) if case.descending else ("", 0)
        params |= {"after_value": first[0], "after_id": first[1]}
        self.show(f"sort {case.label}", name, **params)
        self.show(f"sort end {case.label}", name, end=True, **params)

    def scroll_through(self, start: str, page_limit: int) -> None:
        model = self.show(
            "scroll: first page",
            "list_posts",
            user_id=self.facts["heavy_user"],
            pattern="%",
            after_created=start,
            after_id=0,
        )
        bar = self.view.verticalScrollBar()
        self.extra["scroll_bar_maximum_at_start"] = bar.maximum()
        pages = 0
        longest = 0.0
        self.proxy.reset_counts()
        started = now_ms()
        while True:
            at_end = bar.value() >= bar.maximum() and not model.canFetchMore()
            if at_end or (page_limit and pages >= page_limit):
                break
            self.watch.expect(lambda: True)
            self.heartbeat.restart()
            # At the bottom the view itself asks QSQLITE's model for the next 256 rows.
            bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
            self.watch.wait()
            longest = max(longest, self.heartbeat.stall())
            pages += 1
        total = now_ms() - started
        name = "scroll to end" if not page_limit else f"scroll {pages} pages"
        self.results[name] = Sample([total], [longest], [self.proxy.round_trips])
        self.results[name].notes["pages"] = pages
        self.extra["rss_after_scroll_mb"] = benchlib.rss_mb()
        self.extra["scroll_bar_maximum_at_end"] = bar.maximum()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("facts", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--proxy", action="store_true")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--scroll-pages", type=int, default=0, help="0: to the end")
    args = parser.parse_args(argv)
    facts = json.loads(args.facts.read_text())
    app = QApplication(sys.argv[:1])
    benchlib.quiet_qt_messages()
    proxy: Any = NoProxy()
    port = None
    if args.proxy:
        proxy = ProxyProcess("127.0.0.1", facts["port"], benchlib.PROXY_DELAY_S)
        port = proxy.port
    try:
        stock = Stock(facts, facts["url"], port, proxy)
        stock.measure_connect(args.runs)
        stock.run(args.runs, args.scroll_pages)
        benchlib.dump_results(stock.results, stock.extra, args.out)
        stock.view.setModel(None)
        stock.models.clear()
        if stock.db is not None:
            stock.db.close()
    finally:
        if args.proxy:
            proxy.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
