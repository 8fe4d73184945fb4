"""Round trips through a 50 ms link, counted by the loopback proxy (a count, not a
timing): opening a current server database until its first users and their count
are in the window takes 3 (connect 2, then the checks with the first page and its count);
a later page and Ctrl+End take 1 each."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from PySide6.QtCore import Qt

from desktop.store.connection import open_database
from desktop.store.repository import Repository
from desktop.store.urls import parse_url
from desktop.ui import live
from desktop.ui.editing import Kind
from desktop.ui.live import LiveChanges
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from desktop.ui.worker import Worker
from tests.support.dbtools import run
from tests.support.proxy import Proxy

from .conftest import WAIT_MS, Bot, Prompts, wait_idle

pytestmark = pytest.mark.postgres

USERS = 150  # more than a page
POSTS = 230  # the heavy user's dated posts: the last page is short
UNDATED = 3  # posts another program stored without a date: they come last


@pytest.fixture(autouse=True)
def quiet_heap() -> Iterator[None]:
    """The suite's heap, frozen: a full collection of everything the tests before left
    alive can pause the worker for more than a round trip between two writes of one
    pipeline, which the proxy would count as two round trips (the count is of trips, not
    of pauses; opening once counted 5 in the whole suite, never alone)."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture
def server_url(make_database: Any) -> str:
    url: str = make_database("postgresql")
    with open_database(url) as backend:
        repo = Repository(backend)
        users = [repo.create_user(f"User {n:03}", f"user{n}@example.com") for n in range(USERS)]
        heavy = users[0].id
        run(
            backend,
            "INSERT INTO posts (user_id, title, content, created_at) "
            "SELECT ?, 'Post ' || n, 'text', now() - n * interval '1 minute' "
            "FROM generate_series(1, ?) AS n",
            (heavy, POSTS),
        )
        for n in range(UNDATED):
            run(
                backend,
                "INSERT INTO posts (user_id, title, content, created_at) VALUES (?, ?, ?, NULL)",
                (heavy, f"Undated {n}", "text"),
            )
    return url


@pytest.fixture
def proxied(server_url: str) -> Iterator[tuple[Proxy, str]]:
    parts = conninfo_to_dict(server_url)
    host, port = str(parts.get("host", "127.0.0.1")), int(str(parts.get("port", 5432)))
    # A 50 ms round trip as in the issue. Without a delay the count would depend on timing:
    # a page larger than the server's 8 kB output buffer starts coming back while the last
    # statements of its pipeline are still on their way, which counts as two round trips
    # though the client never waited in between.
    with Proxy(host, port, delay_s=0.025) as proxy:
        parts.update(host="127.0.0.1", port=str(proxy.port))
        yield proxy, make_conninfo("", **parts)


@pytest.fixture
def window(
    qtbot: Bot,
    answers: Prompts,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    proxied: tuple[Proxy, str],  # set up first, so that it outlives the window's connection
) -> Iterator[MainWindow]:
    # Live changes talk to the server on a connection of their own (notifications), and
    # their timer's reads come at moments of their own: the counts here are the lists'.
    monkeypatch.setattr(LiveChanges, "use_notifications", False)
    monkeypatch.setattr(live, "POLL_MS", 3_600_000)
    worker = Worker()
    shown = MainWindow(worker, settings)
    qtbot.addWidget(shown, before_close_func=lambda _w: answers.stop_asking())
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    wait_idle(qtbot, worker)
    worker.stop()


def test_opening_a_current_database_reaches_its_first_users_in_three_round_trips(
    qtbot: Bot, window: MainWindow, proxied: tuple[Proxy, str]
) -> None:
    proxy, url = proxied
    trips: list[int] = []
    # The moment the first users and their number are in the list.
    window.users.total_changed.connect(
        lambda total: trips.append(proxy.round_trips) if total == USERS else None
    )
    proxy.reset_counts()
    window.open_database(parse_url(url))
    qtbot.waitUntil(lambda: bool(trips), timeout=WAIT_MS)
    # connect 2 (TLS refused, then the start-up), then the checks, where the change log
    # stands, the first page and the count, together
    assert trips == [3], proxy.timeline()
    first = window.users.record(0)
    assert first is not None and first.name == "User 000"


def test_a_later_page_and_ctrl_end_take_one_round_trip_each(
    qtbot: Bot, window: MainWindow, proxied: tuple[Proxy, str]
) -> None:
    proxy, url = proxied
    window.open_database(parse_url(url))
    qtbot.waitUntil(lambda: window.users.total == USERS, timeout=WAIT_MS)
    wait_idle(qtbot, window.worker)
    heavy = window.users.record(0)
    assert heavy is not None
    posts = window.posts
    window.editing.select(Kind.USER, heavy.id)
    qtbot.waitUntil(lambda: posts.total == POSTS + UNDATED, timeout=WAIT_MS)
    wait_idle(qtbot, window.worker)
    table = window.panes[Kind.POST].table

    # The next page, by keyset after the first one.
    proxy.reset_counts()
    table.scrollTo(posts.index(posts.page_size + 5, 0))
    qtbot.waitUntil(lambda: posts.record(posts.page_size + 5) is not None, timeout=WAIT_MS)
    assert proxy.round_trips == 1

    # Ctrl+End: the last rows from their position, the undated ones after the dated;
    # counted when they land (the newly selected post's comments follow).
    table.setFocus()
    table.setCurrentIndex(posts.index(0, 0))
    wait_idle(qtbot, window.worker)
    last = POSTS + UNDATED - 1
    trips: list[int] = []
    posts.rows_loaded.connect(
        lambda _first, end: trips.append(proxy.round_trips) if end == last else None
    )
    proxy.reset_counts()
    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(trips), timeout=WAIT_MS)
    assert trips[0] == 1
    record = posts.record(last)
    assert record is not None and record.title == "Undated 0"


def _open_with_the_first_user_shown(qtbot: Bot, window: MainWindow, url: str) -> Any:
    """Open the server database, show its first user (the heavy one) and wait till idle."""
    window.open_database(parse_url(url))
    qtbot.waitUntil(lambda: window.users.total == USERS, timeout=WAIT_MS)
    wait_idle(qtbot, window.worker)
    first = window.users.record(0)
    assert first is not None and first.name == "User 000"
    window.editing.select(Kind.USER, first.id)
    qtbot.waitUntil(lambda: window.posts.total == POSTS + UNDATED, timeout=WAIT_MS)
    wait_idle(qtbot, window.worker)
    return first


def _shown_in_order(model: Any, key: str, descending: bool, first_id: int) -> Any:
    def ready() -> bool:
        query, first = model.query, model.record(0)
        order = None if query is None else query.order
        return (
            order is not None
            and (order.key, order.descending) == (key, descending)
            and first is not None
            and first.id == first_id
        )

    return ready


def test_a_sort_reads_the_kept_place_the_length_and_the_first_rows_in_one_round_trip(
    qtbot: Bot, window: MainWindow, proxied: tuple[Proxy, str]
) -> None:
    """A new order keeps the selected record: its place, the list's length and the first
    page go to the server together; only a record further down than half a page costs a
    second trip, for the rows around it."""
    proxy, url = proxied
    heavy = _open_with_the_first_user_shown(qtbot, window, url)
    users = window.users

    proxy.reset_counts()
    users.sort(users.order_keys.index("posts"), Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(_shown_in_order(users, "posts", True, heavy.id), timeout=WAIT_MS)
    wait_idle(qtbot, window.worker)
    assert proxy.round_trips == 1, proxy.timeline()
    assert users.total == USERS

    # Ascending, the heavy user is last: the rows around it need a trip of their own.
    proxy.reset_counts()
    users.sort(users.order_keys.index("posts"), Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: users.record(USERS - 1) is not None, timeout=WAIT_MS)
    wait_idle(qtbot, window.worker)
    assert proxy.round_trips == 2, proxy.timeline()
    last = users.record(USERS - 1)
    assert last is not None and last.id == heavy.id
    assert window.editing.handler(Kind.USER).shown_id() == heavy.id
    assert window.panes[Kind.USER].table.currentIndex().row() == USERS - 1


def test_a_filter_that_leaves_out_the_selected_user_takes_one_round_trip(
    qtbot: Bot, window: MainWindow, proxied: tuple[Proxy, str]
) -> None:
    """The list read to learn whether the selected user is still listed brings its first
    page along: the selection is dropped and that page shown, not read a second time."""
    proxy, url = proxied
    _open_with_the_first_user_shown(qtbot, window, url)
    users = window.users

    box = window.panes[Kind.USER].filter
    assert box is not None
    box.setText("User 14")  # User 140 … User 149: not User 000
    trips: list[int] = []
    users.modelReset.connect(lambda: trips.append(proxy.round_trips))
    proxy.reset_counts()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(trips), timeout=WAIT_MS)
    assert trips == [1], proxy.timeline()
    shown = users.record(0)
    assert shown is not None and shown.name == "User 140"
    assert window.editing.handler(Kind.USER).shown() is None
    wait_idle(qtbot, window.worker)
    assert users.total == 10
