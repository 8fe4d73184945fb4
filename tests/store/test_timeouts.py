"""Every wait on the server has an end: a save gives up on a row another session holds, a
statement that runs too long is given up, and a link that falls silent is noticed within
seconds. The limits last one transaction (a transaction-pooling PgBouncer keeps no session
state) and cost no round trip of their own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from desktop.store.backend import LONG_WORK, SAVE_LIMITS, Backend, Limits
from desktop.store.connection import open_database
from desktop.store.errors import (
    BusyError,
    ConnectionLostError,
    RecordLockedError,
    StatementTimeoutError,
)
from desktop.store.records import Post
from desktop.store.repository import Repository
from tests.support.pg_conflicts import post_locked
from tests.support.proxy import NetworkUnavailable, Proxy

pytestmark = pytest.mark.postgres

# A read that never notices a silent link would hang its test: the link comes back after
# this long, so that such a read fails the test instead.
WATCHDOG_S = 30.0
LIMITS_SQL = "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')"

Via = Callable[[str], str]


@pytest.fixture(params=["direct", "pgbouncer"])
def route(request: pytest.FixtureRequest) -> Via:
    """The server straight, or through a transaction-pooling PgBouncer."""
    if request.param == "direct":
        return lambda url: url
    via: Via = request.getfixturevalue("pgbouncer")
    return via


@pytest.fixture
def database(make_database: Callable[[str], str]) -> str:
    url = make_database("postgresql")
    open_database(url).close()  # migrated
    return url


def a_post(url: str) -> Post:
    with open_database(url) as backend:
        repo = Repository(backend)
        ada = repo.create_user("Ada", "ada@example.com")
        return repo.create_post(ada.id, "Notes", "On the engine")


def server_address(url: str) -> tuple[str, int]:
    params = conninfo_to_dict(url)
    return str(params.get("host", "127.0.0.1")), int(str(params.get("port", 5432)))


def through(proxy: Proxy, url: str) -> str:
    params = conninfo_to_dict(url)
    params.update(host="127.0.0.1", port=str(proxy.port), sslmode="disable")
    return make_conninfo("", **params)


# -- a row another session holds -------------------------------------------------------------


def test_a_save_meeting_a_row_held_elsewhere_gives_up_after_the_lock_timeout(
    database: str, route: Via
) -> None:
    post = a_post(database)
    with open_database(route(database)) as backend:
        repo = Repository(backend)
        with post_locked(database, post.id):
            started = time.monotonic()
            with pytest.raises(RecordLockedError) as busy:
                repo.update_post(post.id, "Mine", "My text", expected=post)
            waited = time.monotonic() - started

        assert SAVE_LIMITS.lock_ms is not None
        assert SAVE_LIMITS.lock_ms / 1000 <= waited < SAVE_LIMITS.lock_ms / 1000 + 3
        assert isinstance(busy.value, BusyError)
        assert str(busy.value.about("post")) == (
            "Someone else is changing this post right now; try again in a moment."
        )
        # Nothing was changed, and the connection goes on.
        assert repo.get_post(post.id).title == "Notes"
        assert repo.update_post(post.id, "Mine", "My text", expected=post).title == "Mine"


# -- the limits of a transaction ---------------------------------------------------------------


def test_the_limits_last_one_transaction_and_cost_no_round_trip(database: str, route: Via) -> None:
    url = route(database)
    with Proxy(*server_address(url)) as proxy, open_database(through(proxy, url)) as backend:
        proxy.reset_counts()
        with backend.transaction():
            inside = backend.execute(LIMITS_SQL)
        assert proxy.round_trips == 3  # BEGIN with the limits, the statement, COMMIT

        proxy.reset_counts()
        after = backend.execute(LIMITS_SQL)
        assert proxy.round_trips == 1  # a read: no transaction of its own

    assert inside == [("3s", "10s")]
    assert after == [("0", "0")]  # the server's own: nothing stuck to the session


def test_long_work_and_reads_keep_the_limits_an_administrator_set(
    database: str, pg_admin_url: str
) -> None:
    name = conninfo_to_dict(database)["dbname"]
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE \"{name}\" SET statement_timeout = '7s'")
    with open_database(database) as backend:
        with backend.transaction(LONG_WORK):
            long_work = backend.execute(LIMITS_SQL)
        with backend.transaction():
            save = backend.execute(LIMITS_SQL)
        read = backend.execute(LIMITS_SQL)

    assert long_work == [("0", "7s")]  # a migration or a bulk load: the server's settings
    assert save == [("3s", "10s")]
    assert read == [("0", "7s")]


def test_a_statement_over_the_limit_is_given_up_and_the_connection_kept(database: str) -> None:
    with open_database(database) as backend:
        pid = backend.conn.info.backend_pid
        started = time.monotonic()
        with pytest.raises(StatementTimeoutError), backend.transaction(Limits(None, 200)):
            backend.execute("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 4.5  # given up, not slept to the end
        assert backend.conn.info.backend_pid == pid
        assert backend.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert backend.execute("SELECT 1") == [(1,)]


def test_nested_transactions_are_savepoints_under_the_outer_limits(database: str) -> None:
    with open_database(database) as backend:
        repo = Repository(backend)
        with backend.transaction():
            repo.create_user("Ada", "ada@example.com")
            with pytest.raises(RecordLockedError), backend.transaction():
                repo.create_user("Bob", "bob@example.com")
                raise RecordLockedError()  # undoes Bob alone
            assert backend.execute(LIMITS_SQL) == [("3s", "10s")]
        assert [user.name for user in repo.list_users().items] == ["Ada"]


# -- a link that falls silent ------------------------------------------------------------------


def parameters(backend: Backend) -> dict[str, str]:
    conn: psycopg.Connection[Any] = backend.conn
    return conn.info.get_parameters()


def test_connections_watch_for_a_dead_link_unless_the_address_says_otherwise(
    database: str,
) -> None:
    with open_database(database) as backend:
        given = parameters(backend)
    assert {key: given.get(key) for key in ("keepalives", "tcp_user_timeout")} == {
        "keepalives": "1",
        "tcp_user_timeout": "10000",
    }
    assert (given.get("keepalives_idle"), given.get("keepalives_interval")) == ("4", "2")
    assert given.get("keepalives_count") == "3"

    own = make_conninfo(database, keepalives_idle="30", tcp_user_timeout="0")
    with open_database(own) as backend:
        given = parameters(backend)
    assert (given.get("keepalives_idle"), given.get("tcp_user_timeout")) == ("30", "0")


@pytest.mark.slow
def test_a_read_through_a_link_that_falls_silent_is_a_lost_connection_within_seconds(
    database: str,
) -> None:
    try:
        proxy = Proxy(*server_address(database), private_network=True)
    except NetworkUnavailable as exc:
        pytest.skip(f"a silent link needs a network of its own: {exc}")
    with proxy:
        # Opened from inside the proxy's network, where the blackhole is.
        backend = proxy.network.run(lambda: open_database(through(proxy, database)))
        watchdog = threading.Timer(WATCHDOG_S, proxy.blackhole, (False,))
        try:
            repo = Repository(backend)
            assert repo.count_users() == 0
            proxy.blackhole()
            started = time.monotonic()
            with pytest.raises(ConnectionLostError) as lost:
                watchdog.start()
                repo.count_users()
            waited = time.monotonic() - started
        finally:
            watchdog.cancel()
            backend.close()
    assert 8 <= waited <= 13, waited
    assert str(lost.value).startswith(f"The connection to {backend.url.display()} was lost")
