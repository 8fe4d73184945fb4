"""The app's own models and views, offscreen, timed from the click to the rows painted.

    python benchmarks/app_steps.py FACTS.json OUT.json [--proxy] [--runs N] [--scroll-pages N]
                                   [--only GROUP ...]

Run by benchmarks/scale.py, one process per backend. FACTS.json (written by scale.py) names
the database and the rows to use: the heavy and a typical user, the heavy and a typical
post, their positions in their lists, the filter texts. The window is the real MainWindow
with its Worker; the steps drive it the way a person does (select a row through
`window.editing`, type into a filter box and press Return, scroll, Ctrl+End).

"Painted" is the end of the first paint of the list's viewport after which every row it
shows has its record (benchlib.make_paint_watch). A 1 ms heartbeat timer on the GUI thread
gives the longest stall within each step. With --proxy the database is reached through a
loopback proxy adding 25 ms each way, in a process of its own, whose round-trip counter
gives the round trips each step took until its rows were painted.

`--only scroll --only back` opens the database and scrolls through the heavy user's posts
only, then goes back to the top and pages down again ("back to top", "scroll back … pages"):
the rows a long scroll left behind, read again (benchmarks/scroll_memory.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib
from benchlib import SORT_CASES, NoProxy, Sample, now_ms, proxied, visible_rows_loaded
from net_proxy import ProxyProcess
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication

from desktop.store.urls import parse_url
from desktop.ui.editing import Kind
from desktop.ui.main_window import MainWindow
from desktop.ui.models import PagedModel
from desktop.ui.settings import Settings
from desktop.ui.worker import Worker

# What desktop.ui.app.run() does to a new window besides showing it, by name: the first the
# app has is applied, so that the benchmark runs the window as the app (of any commit) runs it.
APP_SETUP = ("prepare_window", "collect_garbage_off_the_clock")
SCROLL_BACK_PAGES = 20


def app_setup(window: MainWindow) -> list[str]:
    from desktop.ui import app as app_module

    for name in APP_SETUP:
        setup = getattr(app_module, name, None)
        if setup is not None:
            setup(window)
            return [name]
    return []


def load_driver_meanwhile(url: str) -> Any:
    """What desktop.ui.app.run_window does when its first database is `url`: psycopg
    imported while the window is built (joined before it shows), where the app has that."""
    from desktop.ui import app as app_module

    start = getattr(app_module, "load_driver_meanwhile", None)
    return None if start is None else start(parse_url(url))


class Bench:
    def __init__(self, facts: dict[str, Any], proxy: Any, runs: int, url: str) -> None:
        self.facts = facts
        self.proxy = proxy
        self.runs = runs
        self.results: dict[str, Sample] = {}
        self.extra: dict[str, Any] = {}
        self.folder = Path(tempfile.mkdtemp(prefix="postdesk-bench-"))
        store = QSettings(str(self.folder / "settings.ini"), QSettings.Format.IniFormat)
        settings = Settings(store)
        # The window starts as the app starts on this database (the step then opens it).
        loading = load_driver_meanwhile(url)
        self.worker = Worker()
        self.window = MainWindow(self.worker, settings)
        self.extra["app_setup"] = app_setup(self.window)
        if loading is not None:
            loading.join()
            self.extra["app_setup"].append("load_driver_meanwhile")
        self.window.resize(1200, 760)
        self.window.show()
        self.heartbeat = benchlib.make_heartbeat()
        self.gc = benchlib.GcWatch()
        self.tables = {kind: self.window.panes[kind].table for kind in Kind}
        self.watches = {
            kind: benchlib.make_paint_watch(table.viewport()) for kind, table in self.tables.items()
        }
        self.models: dict[Kind, PagedModel[Any]] = {
            Kind.USER: self.window.users,
            Kind.POST: self.window.posts,
            Kind.COMMENT: self.window.comments,
        }

    # -- one timed step ---------------------------------------------------------------------
    def timed(self, name: str, kind: Kind, action: Any, ready: Any) -> float:
        """Run `action` (the click) and wait for the paint after which `ready()` holds."""
        benchlib.settle()
        watch = self.watches[kind]
        watch.expect(ready)
        self.proxy.reset_counts()
        self.heartbeat.restart()
        started = now_ms()
        action()
        painted: float = watch.wait()
        elapsed = painted - started
        stall = self.heartbeat.stall()
        trips = self.proxy.round_trips
        self.results.setdefault(name, Sample()).add(elapsed, stall=stall, trips=trips)
        return elapsed

    def shows(self, kind: Kind, parent_id: int | None = None, text: str | None = None) -> Any:
        model, table = self.models[kind], self.tables[kind]

        def ready() -> bool:
            query = model.query
            if query is None:
                return False
            if parent_id is not None and query.parent_id != parent_id:
                return False
            if text is not None and query.filter_text != text:
                return False
            return visible_rows_loaded(table, model)

        return ready

    def idle(self) -> None:
        benchlib.wait_for(lambda: not self.worker.busy)

    def counted(self, kind: Kind) -> None:
        benchlib.wait_for(lambda: self.models[kind].total is not None)
        self.idle()

    def scroll_to_row(self, kind: Kind, row: int) -> None:
        """Bring `row` on screen and wait for its record (setup, not timed)."""
        table, model = self.tables[kind], self.models[kind]
        self.counted(kind)

        def on_screen() -> bool:
            first, last = table.visible_rows()
            if not first <= row <= last:
                # Again until it lands: the view stretches its scroll range only once it
                # has laid out the rows the count added.
                table.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
                return False
            return model.record(row) is not None and visible_rows_loaded(table, model)

        benchlib.wait_for(on_screen)
        self.idle()

    # -- the steps ----------------------------------------------------------------------------
    def open(self, url: str) -> None:
        self.timed(
            "open",
            Kind.USER,
            lambda: self.window.open_database(parse_url(url)),
            self.shows(Kind.USER),
        )
        self.idle()

    def select_users(self) -> None:
        f = self.facts
        for position in (f["heavy_user_pos"], f["typical_user_pos"]):
            self.scroll_to_row(Kind.USER, position)
        heavy_rows: list[int] = []
        for _ in range(self.runs):
            for label, user_id in (("heavy", f["heavy_user"]), ("typical", f["typical_user"])):
                self.timed(
                    f"select {label} user",
                    Kind.POST,
                    lambda user_id=user_id: self.window.editing.select(Kind.USER, user_id),
                    self.shows(Kind.POST, parent_id=user_id),
                )
                if label == "heavy":
                    heavy_rows.append(self.models[Kind.POST].rowCount())
                started = now_ms()
                self.counted(Kind.POST)
                if label == "heavy":
                    self.results.setdefault("heavy user: length known", Sample()).add(
                        now_ms() - started
                    )
        self.extra["heavy_user_rows_at_first_paint"] = heavy_rows
        self.extra["heavy_user_posts"] = f["heavy_user_posts"]

    def select_posts(self) -> None:
        f = self.facts
        self.window.editing.select(Kind.USER, f["heavy_user"])
        self.scroll_to_row(Kind.POST, f["heavy_post_pos"])
        self.scroll_to_row(Kind.POST, f["typical_post_pos"])
        for _ in range(self.runs):
            for label, post_id in (("heavy", f["heavy_post"]), ("typical", f["typical_post"])):
                self.timed(
                    f"select {label} post",
                    Kind.COMMENT,
                    lambda post_id=post_id: self.window.editing.select(Kind.POST, post_id),
                    self.shows(Kind.COMMENT, parent_id=post_id),
                )
                self.idle()

    def filter_users(self) -> None:
        box = self.window.panes[Kind.USER].filter
        assert box is not None
        for _ in range(self.runs):
            for label in ("prefix", "substring"):
                text = self.facts[f"filter_{label}"]
                box.setText(text)  # typed; the measured moment is the Return key
                self.timed(
                    f"filter {label}",
                    Kind.USER,
                    lambda: QTest.keyClick(box, Qt.Key.Key_Return),
                    self.shows(Kind.USER, text=text),
                )
                self.idle()
        box.setText("")
        QTest.keyClick(box, Qt.Key.Key_Return)
        benchlib.wait_for(self.shows(Kind.USER, text=""))
        self.idle()

    def show_heavy_user_fresh(self) -> None:
        f = self.facts
        for position in (f["heavy_user_pos"], f["typical_user_pos"]):
            if self.models[Kind.USER].record(position) is None:
                self.scroll_to_row(Kind.USER, position)
        self.window.editing.select(Kind.USER, f["typical_user"])
        self.idle()
        self.window.editing.select(Kind.USER, f["heavy_user"])
        self.counted(Kind.POST)

    def ctrl_end(self) -> None:
        table, model = self.tables[Kind.POST], self.models[Kind.POST]
        last_rows_painted = self._last_rows_painted(Kind.POST)
        for _ in range(self.runs):
            self.show_heavy_user_fresh()
            table.setFocus()
            # As after a click on the first post: with no current row, Qt's Ctrl+End goes to
            # the first row instead (QTableView::moveCursor starts from a current index).
            table.setCurrentIndex(model.index(0, 0))
            self.idle()
            self.timed(
                "ctrl+end",
                Kind.POST,
                lambda: QTest.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier),
                last_rows_painted,
            )
            self.idle()

    def sort_steps(self) -> None:
        """Users by number of posts, and the heavy user's posts by title, each way: the click
        (the model's sort, as a header click calls it) to the first rows painted, then
        Ctrl+End to the last rows painted. Steps named "sort …" and "sort end …"."""
        self.show_heavy_user_fresh()
        down, up = Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder
        for kind in (Kind.USER, Kind.POST):
            cases = [case for case in SORT_CASES if case.kind == kind.value + "s"]
            for _ in range(self.runs):
                for case in cases:
                    column = self.models[kind].order_keys.index(case.key)
                    self._sort_once(kind, column, down if case.descending else up, case.label)
        # Back to the orders the other steps' positions were taken in.
        self.models[Kind.USER].sort(0, up)
        self.idle()
        self.models[Kind.POST].sort(1, down)
        self.idle()

    def _sort_once(self, kind: Kind, column: int, way: Qt.SortOrder, label: str) -> None:
        model, table = self.models[kind], self.tables[kind]
        wanted = model.order_keys[column], way == Qt.SortOrder.DescendingOrder

        def sorted_rows_painted() -> bool:
            query = model.query
            return (
                query is not None
                and query.order is not None
                and (query.order.key, query.order.descending) == wanted
                and visible_rows_loaded(table, model)
            )

        self.timed(f"sort {label}", kind, lambda: model.sort(column, way), sorted_rows_painted)
        self.counted(kind)
        table.setFocus()
        table.setCurrentIndex(model.index(0, 0))
        self.idle()
        self.timed(
            f"sort end {label}",
            kind,
            lambda: QTest.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier),
            self._last_rows_painted(kind),
        )
        self.idle()

    def _last_rows_painted(self, kind: Kind) -> Any:
        table, model = self.tables[kind], self.models[kind]

        def ready() -> bool:
            rows = model.rowCount()
            return (
                rows > 0
                and model.record(rows - 1) is not None
                and table.visible_rows()[1] == rows - 1
                and visible_rows_loaded(table, model)
            )

        return ready

    def scroll_through(self, page_limit: int) -> None:
        """Page by page down the heavy user's posts (all of them, or `page_limit` pages)."""
        table, model = self.tables[Kind.POST], self.models[Kind.POST]
        self.show_heavy_user_fresh()
        bar = table.verticalScrollBar()
        self.extra["scroll_bar_maximum_at_start"] = bar.maximum()
        pages = Sample()
        longest = 0.0
        self.proxy.reset_counts()
        self.extra["gc_before_scroll"] = {"longest_ms": self.gc.longest, "counts": self.gc.counts}
        self.gc.reset()
        started = now_ms()
        while bar.value() < bar.maximum() and (not page_limit or len(pages.values) < page_limit):
            target = min(bar.maximum(), bar.value() + bar.pageStep())
            watch = self.watches[Kind.POST]
            watch.expect(lambda: visible_rows_loaded(table, model))
            self.heartbeat.restart()
            begun = now_ms()
            bar.setValue(target)
            pages.add(watch.wait() - begun, stall=self.heartbeat.stall())
            longest = max(longest, self.heartbeat.stall())
        total = now_ms() - started
        trips = self.proxy.round_trips
        name = "scroll to end" if not page_limit else f"scroll {len(pages.values)} pages"
        self.results[name] = Sample([total], [longest], [trips])
        self.results[name].notes["pages"] = len(pages.values)
        self.results[name + " (per page)"] = pages
        self.idle()
        self.extra["rss_after_scroll_mb"] = benchlib.rss_mb()
        self.extra["gc_in_scroll"] = {"longest_ms": self.gc.longest, "counts": self.gc.counts}
        self.extra["loaded_rows_after_scroll"] = model.loaded_count
        self.extra["scroll_bar_maximum_at_end"] = bar.maximum()

    def scroll_back(self, pages: int) -> None:
        """After scroll_through: the top of the list again, then `pages` pages down."""
        table, model = self.tables[Kind.POST], self.models[Kind.POST]
        bar = table.verticalScrollBar()
        watch = self.watches[Kind.POST]
        if bar.value() == 0:
            return  # the whole list is on screen
        watch.expect(lambda: table.visible_rows()[0] == 0 and visible_rows_loaded(table, model))
        self.heartbeat.restart()
        begun = now_ms()
        bar.setValue(0)
        self.results["back to top"] = Sample()
        self.results["back to top"].add(watch.wait() - begun, stall=self.heartbeat.stall())
        each = self.results[f"scroll back {pages} pages (per page)"] = Sample()
        for _ in range(pages):
            if bar.value() >= bar.maximum():
                break  # a short list
            watch.expect(lambda: visible_rows_loaded(table, model))
            self.heartbeat.restart()
            begun = now_ms()
            bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
            each.add(watch.wait() - begun, stall=self.heartbeat.stall())
        self.idle()


# The step groups after opening, in the order the bench runs them.
STEPS: dict[str, Any] = {
    "users": lambda bench, args: bench.select_users(),
    "posts": lambda bench, args: bench.select_posts(),
    "filter": lambda bench, args: bench.filter_users(),
    "end": lambda bench, args: bench.ctrl_end(),
    "sort": lambda bench, args: bench.sort_steps(),
    "scroll": lambda bench, args: bench.scroll_through(args.scroll_pages),
}
# Step groups run only when named with --only (after the others named), not by the bench.
ON_REQUEST: dict[str, Any] = {
    "back": lambda bench, args: bench.scroll_back(SCROLL_BACK_PAGES),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("facts", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--proxy", action="store_true", help="through a 50 ms round-trip proxy")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--scroll-pages", type=int, default=0, help="0: to the end")
    parser.add_argument(
        "--only", choices=sorted(STEPS | ON_REQUEST), action="append",
        help="run only these step groups (repeatable; default: all, in the bench's order)",
    )
    args = parser.parse_args(argv)
    facts = json.loads(args.facts.read_text())
    app = QApplication(sys.argv[:1])
    proxy: Any = NoProxy()
    url = facts["url"]
    if args.proxy:
        proxy = ProxyProcess("127.0.0.1", facts["port"], benchlib.PROXY_DELAY_S)
        url = proxied(url, proxy.port)
    benchlib.quiet_qt_messages()
    bench: Bench | None = None
    try:
        bench = Bench(facts, proxy, args.runs, url)
        bench.extra["rss_at_start_mb"] = benchlib.rss_mb()
        bench.open(url)
        for name, step in (STEPS | ON_REQUEST).items():
            if name in (args.only or STEPS):
                step(bench, args)
        benchlib.dump_results(bench.results, bench.extra, args.out)
    finally:
        if bench is not None:
            bench.worker.stop()
        if args.proxy:
            proxy.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
