"""The server connection breaks under the window: while idle, while a save is in flight,
and when the server ends the session. Reads come back by themselves; a write is never
repeated blindly, the form keeps what was typed, and the next save stores it once."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from PySide6.QtCore import Qt

from desktop.store.urls import conninfo_parts
from desktop.ui.editing import Kind
from tests.faults.conftest import Ledger
from tests.support.proxy import Proxy
from tests.ui.conftest import Bot, Desk, MakeDesk, Prompts, peek, seed, type_into, wait_idle
from tests.ui.test_main_window import select_post, select_user

pytestmark = [pytest.mark.fault, pytest.mark.postgres]
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def server_url(make_database, pg_admin_url: str) -> str:
    url: str = make_database("postgresql")
    seed(url)
    return url


@pytest.fixture
def proxy(server_url: str) -> Iterator[Proxy]:
    parts = conninfo_parts(server_url)
    with Proxy(parts.get("host", "127.0.0.1"), int(parts.get("port", "5432"))) as running:
        yield running


@pytest.fixture
def desk(server_url: str, proxy: Proxy, make_desk: MakeDesk) -> Desk:
    parts = conninfo_parts(server_url)
    return make_desk(proxy.url_for(parts["dbname"], parts.get("user", "postgres")))


def test_a_cut_while_idle_is_healed_by_the_next_read(
    desk: Desk, proxy: Proxy, qtbot: Bot, ledger: Ledger, server_url: str
) -> None:
    lost: list[str] = []
    desk.worker.connection_lost.connect(lost.append)
    assert proxy.cut_all() >= 1

    with qtbot.waitSignal(desk.worker.connection_restored, timeout=15_000):
        select_user(qtbot, desk, "Alan Turing")

    assert lost, "the person was not told the connection was lost"
    assert not desk.window.connection_label.isVisible()
    with peek(server_url) as repo:
        ledger.check_rows(3, desk.window.posts.loaded_count, "Alan's posts shown")
        ledger.check_rows(3, repo.table_counts()["users"], "users")


def test_a_cut_during_a_save_keeps_the_text_and_the_next_save_stores_it_once(
    desk: Desk, proxy: Proxy, qtbot: Bot, answers: Prompts, ledger: Ledger, server_url: str
) -> None:
    cut_during_a_save(desk, qtbot, answers, ledger, server_url, lambda: proxy.cut_all() > 0)


def cut_during_a_save(
    desk: Desk,
    qtbot: Bot,
    answers: Prompts,
    ledger: Ledger,
    server_url: str,
    cut: Callable[[], bool],
) -> None:
    """A new comment's save is cut by `cut` (True when it cut something) while it waits on
    the server: the text stays in the form, and the next save stores it once."""
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")
    post = desk.window.editing.current_post
    assert post is not None
    form = desk.form(Kind.COMMENT)
    type_into(qtbot, form.editor("body"), "Written while the line was bad.")

    # Another client holds the post: the window's insert waits on the server (its foreign
    # key needs the row), so the save is truly in flight when the line is cut.
    with psycopg.connect(server_url) as blocker:
        blocker.execute("SELECT id FROM posts WHERE id = %s FOR UPDATE", (post.id,))
        qtbot.mouseClick(form.save_button, LEFT)
        qtbot.waitUntil(lambda: _waiting_on_lock(server_url), timeout=10_000)
        assert cut()
        qtbot.waitUntil(lambda: bool(answers.errors), timeout=20_000)
    wait_idle(qtbot, desk.worker)

    [(title, message)] = answers.take_errors()
    assert title == "Connection Lost" and "save again" in message
    assert form.values()["body"] == "Written while the line was bad."
    assert form.is_dirty()

    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)
    assert not answers.errors
    with peek(server_url) as repo:
        bodies = [c.body for c in repo.list_comments(post.id).items]
    ledger.check_rows(1, bodies.count("Written while the line was bad."), "the new comment")
    ledger.check_rows(2, len(bodies), "comments of the post")


def test_a_comment_that_arrived_before_the_cut_is_not_stored_twice(
    desk: Desk, qtbot: Bot, answers: Prompts, ledger: Ledger, server_url: str
) -> None:
    select_user(qtbot, desk, "Alan Turing")
    select_post(qtbot, desk, "Morphogenesis")
    post = desk.window.editing.current_post
    assert post is not None
    form = desk.form(Kind.COMMENT)
    type_into(qtbot, form.editor("body"), "Zebra stripes!")
    # The first attempt reached the server, but its answer was lost with the connection.
    with peek(server_url) as repo:
        repo.create_comment(post.id, "Zebra stripes!")
    editing = desk.window.editing
    editing._uncertain.add(Kind.COMMENT)

    qtbot.mouseClick(form.save_button, LEFT)
    wait_idle(qtbot, desk.worker)

    with peek(server_url) as repo:
        bodies = [c.body for c in repo.list_comments(post.id).items]
    ledger.check_rows(1, bodies.count("Zebra stripes!"), "the comment")


def test_a_session_ended_by_the_server_is_renewed(
    desk: Desk, qtbot: Bot, ledger: Ledger, server_url: str
) -> None:
    dbname = conninfo_parts(server_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as admin:
        ended = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = 'Postdesk'",
            (dbname,),
        ).fetchone()
    assert ended is not None and ended[0] >= 1

    with qtbot.waitSignal(desk.worker.connection_restored, timeout=15_000):
        select_user(qtbot, desk, "Ada Lovelace")

    ledger.check_rows(2, desk.window.posts.loaded_count, "Ada's posts shown")


def _waiting_on_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = 'Postdesk' AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


# -- through a transaction-pooling PgBouncer ---------------------------------------------------
# The pooler hands each transaction to one of its server connections. Ending those on the
# server (as a restart, a failover or an administrator does) is what a team sees through it.


@pytest.fixture
def pooled_desk(server_url: str, pgbouncer: Callable[[str], str], make_desk: MakeDesk) -> Desk:
    return make_desk(pgbouncer(server_url))


def _end_server_sessions(server_url: str, where: str = "true") -> int:
    """pg_terminate_backend on the database's server sessions (the pooler's among them)
    that match `where`; how many were ended."""
    dbname = conninfo_parts(server_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            f" AND ({where})",
            (dbname,),
        ).fetchone()
    return int(row[0]) if row else 0


def test_through_pgbouncer_server_sessions_ended_while_idle_cost_no_read(
    pooled_desk: Desk, qtbot: Bot, answers: Prompts, ledger: Ledger, server_url: str
) -> None:
    assert _end_server_sessions(server_url) >= 1

    select_user(qtbot, pooled_desk, "Alan Turing")
    select_post(qtbot, pooled_desk, "Computing Machinery and Intelligence")

    assert not answers.errors
    assert not pooled_desk.window.connection_label.isVisible()
    ledger.check_rows(3, pooled_desk.window.posts.loaded_count, "Alan's posts shown")
    ledger.check_rows(1, pooled_desk.window.comments.loaded_count, "comments shown")


def test_through_pgbouncer_a_session_ended_during_a_save_keeps_the_text_and_stores_it_once(
    pooled_desk: Desk, qtbot: Bot, answers: Prompts, ledger: Ledger, server_url: str
) -> None:
    """The server session serving the waiting insert is ended: the pooler reports it as a
    broken connection."""
    cut_during_a_save(
        pooled_desk,
        qtbot,
        answers,
        ledger,
        server_url,
        lambda: _end_server_sessions(server_url, "wait_event_type = 'Lock'") == 1,
    )
