"""The loopback proxy of tests/support/proxy.py, against the real test server."""

from __future__ import annotations

import errno
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.proxy import NetworkUnavailable, Proxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def server(pg_admin_url: str) -> dict[str, Any]:
    """The test server's address as libpq keys."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(pg_admin_url)
    return {
        "host": str(params.get("host", "127.0.0.1")),
        "port": int(str(params.get("port", 5432))),
        "dbname": str(params.get("dbname", "postgres")),
        "user": str(params.get("user", "postgres")),
    }


@pytest.fixture
def proxy(server: dict[str, Any]) -> Iterator[Proxy]:
    with Proxy(server["host"], server["port"]) as running:
        yield running


def connect(proxy: Proxy, server: dict[str, Any]) -> Any:
    import psycopg

    url = proxy.url_for(server["dbname"], server["user"], sslmode="disable", connect_timeout="5")
    # No automatic prepared statements: psycopg prepares a query on its fifth run, which
    # costs that run a second round trip (the proxy counts it, rightly).
    return psycopg.connect(url, autocommit=True, prepare_threshold=None)


def test_relays_a_real_connection(proxy: Proxy, server: dict[str, Any]) -> None:
    with connect(proxy, server) as conn:
        assert proxy.connection_count == 1
        assert conn.info.port == proxy.port
        assert conn.execute("SELECT 40 + 2").fetchone() == (42,)
        payload = "x" * 300_000  # larger than one read: arrives whole, in order
        assert conn.execute("SELECT %s::text", (payload,)).fetchone() == (payload,)
    deadline = time.monotonic() + 5
    while proxy.connection_count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proxy.connection_count == 0
    assert proxy.connections_accepted == 1
    assert proxy.bytes_to_server > 300_000 and proxy.bytes_to_client > 300_000


def test_a_simple_query_is_one_round_trip(proxy: Proxy, server: dict[str, Any]) -> None:
    with connect(proxy, server) as conn:
        proxy.reset_counts()
        conn.execute("SELECT 1").fetchone()
        assert proxy.round_trips == 1
        conn.execute("SELECT 2").fetchone()
        conn.execute("SELECT 3").fetchone()
        assert proxy.round_trips == 3
        proxy.reset_counts()
        assert proxy.round_trips == 0


def test_the_delay_adds_to_each_round_trip(server: dict[str, Any]) -> None:
    queries = 5
    timings = {}
    for delay in (0.0, 0.025):
        with (
            Proxy(server["host"], server["port"], delay_s=delay) as proxy,
            connect(proxy, server) as conn,
        ):
            conn.execute("SELECT 1")
            proxy.reset_counts()
            started = time.perf_counter()
            for _ in range(queries):
                conn.execute("SELECT 1").fetchone()
            timings[delay] = time.perf_counter() - started
            assert proxy.round_trips == queries
    added = (timings[0.025] - timings[0.0]) / queries
    # Each direction waits 25 ms: at least 50 ms more per round trip. Only the lower bound is
    # checked: a loaded machine makes everything slower, never the delay shorter.
    assert added >= 0.045, timings


def test_what_a_client_sends_before_hearing_back_is_one_round_trip(
    server: dict[str, Any],
) -> None:
    """A pipeline's statements and its Sync are one trip, even when the server answers the
    statements (its output buffer full) before the Sync arrives, as happens when a busy
    client sends the Sync a moment later: the client waited for nothing in between."""
    from psycopg import pq

    with (
        Proxy(server["host"], server["port"], delay_s=0.5) as proxy,
        connect(proxy, server) as conn,
    ):
        pgconn = conn.pgconn
        proxy.reset_counts()
        pgconn.enter_pipeline_mode()
        pgconn.send_query_params(b"SELECT repeat('x', 100000)", None)
        pgconn.send_flush_request()
        pgconn.flush()
        # The server has answered the first part; the answer reaches the client 0.5 s later.
        deadline = time.monotonic() + 10
        while proxy.round_trips == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proxy.round_trips == 1
        pgconn.pipeline_sync()
        pgconn.flush()
        statuses = []
        while pq.ExecStatus.PIPELINE_SYNC not in statuses:
            if pgconn.is_busy():  # psycopg's connection is non-blocking: read what came
                select.select([pgconn.socket], [], [], 10)
                pgconn.consume_input()
                continue
            result = pgconn.get_result()
            if result is not None:
                statuses.append(result.status)
        assert statuses[0] == pq.ExecStatus.TUPLES_OK
        pgconn.exit_pipeline_mode()
        assert proxy.round_trips == 1, proxy.timeline()
        conn.execute("SELECT 1").fetchone()  # sent after hearing back: a trip of its own
        assert proxy.round_trips == 2, proxy.timeline()


def test_delayed_connections_do_not_wait_for_each_other(server: dict[str, Any]) -> None:
    with Proxy(server["host"], server["port"], delay_s=0.5) as proxy:
        conns = [connect(proxy, server) for _ in range(4)]
        try:
            proxy.reset_counts()
            started = time.perf_counter()
            threads = [
                threading.Thread(target=lambda c=c: c.execute("SELECT 1").fetchone()) for c in conns
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            for conn in conns:
                conn.close()
    assert proxy.round_trips == 4
    # Four 1 s round trips at once take about 1 s; one after another, at least 4 s.
    assert elapsed < 3.0


def test_cut_all_breaks_live_connections(proxy: Proxy, server: dict[str, Any]) -> None:
    import psycopg

    first, second = connect(proxy, server), connect(proxy, server)
    try:
        assert proxy.cut_all() == 2
        assert proxy.connection_count == 0
        for conn in (first, second):
            with pytest.raises(psycopg.OperationalError):
                conn.execute("SELECT 1")
            assert conn.broken
        # The proxy itself is fine: a new connection works.
        with connect(proxy, server) as fresh:
            assert fresh.execute("SELECT 1").fetchone() == (1,)
    finally:
        first.close()
        second.close()


def test_cut_all_sends_a_reset_not_a_goodbye(proxy: Proxy) -> None:
    """The client's socket sees ECONNRESET, as when a network path dies, not an orderly EOF."""
    raw = socket.create_connection(("127.0.0.1", proxy.port))
    try:
        assert proxy.wait_for_connections(1)
        proxy.cut_all()
        raw.settimeout(5)
        with pytest.raises(ConnectionResetError):
            raw.recv(1)
    finally:
        raw.close()


def test_refuse_turns_new_connections_away(proxy: Proxy, server: dict[str, Any]) -> None:
    import psycopg

    with connect(proxy, server) as kept:
        proxy.refuse(True)
        with pytest.raises(psycopg.OperationalError):
            connect(proxy, server)
        assert proxy.connections_refused == 1
        assert kept.execute("SELECT 1").fetchone() == (1,)  # open ones are left alone
        proxy.refuse(False)
        with connect(proxy, server) as again:
            assert again.execute("SELECT 1").fetchone() == (1,)


def test_stop_ends_everything_and_frees_the_port(server: dict[str, Any]) -> None:
    import psycopg

    proxy = Proxy(server["host"], server["port"]).start()
    conn = connect(proxy, server)
    started = time.perf_counter()
    proxy.stop()
    assert time.perf_counter() - started < 10  # it does not hang on the open connection
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")
    conn.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=1)


def test_a_proxy_stops_by_itself_after_its_lifetime(server: dict[str, Any]) -> None:
    proxy = Proxy(server["host"], server["port"], lifetime_s=0.2).start()
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:  # until the port is closed, not for a guessed time
        try:
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1).close()
        except OSError:
            break
        time.sleep(0.05)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=1)


def test_a_delayed_proxy_keeps_order_and_cuts_at_once(server: dict[str, Any]) -> None:
    import psycopg

    with Proxy(server["host"], server["port"], delay_s=0.02) as proxy:
        conn = connect(proxy, server)
        try:
            payload = "".join(f"{n:07d}" for n in range(100_000))  # 700 kB, many reads
            assert conn.execute("SELECT %s::text", (payload,)).fetchone() == (payload,)
            started = time.perf_counter()
            assert proxy.cut_all() == 1
            # At once: not after the 20 ms delays of the 700 kB still on their way.
            assert time.perf_counter() - started < 5
            with pytest.raises(psycopg.OperationalError):
                conn.execute("SELECT 1")
        finally:
            conn.close()


def test_a_blackhole_silences_the_link_without_closing_it(server: dict[str, Any]) -> None:
    """No data, no reset, no goodbye: the client's TCP gives up on its own timer, as when
    a network path dies; afterwards the proxy carries new connections again."""
    try:
        proxy = Proxy(server["host"], server["port"], private_network=True)
    except NetworkUnavailable as exc:
        pytest.skip(f"no private network here: {exc}")
    with proxy:
        address = ("127.0.0.1", proxy.port)
        raw = proxy.network.run(lambda: socket.create_connection(address))
        try:
            assert proxy.wait_for_connections(1)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 500)
            proxy.blackhole()
            raw.settimeout(0.3)
            with pytest.raises(TimeoutError) as quiet:
                raw.recv(1)
            assert quiet.value.errno is None  # only our own wait ran out: the link is silent
            raw.settimeout(5)
            raw.sendall(b"\0" * 8)  # never acknowledged
            with pytest.raises(OSError) as dropped:
                raw.recv(1)
            assert dropped.value.errno == errno.ETIMEDOUT  # the kernel gave up, nobody refused
        finally:
            raw.close()
        proxy.blackhole(False)
        with proxy.network.run(lambda: connect(proxy, server)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_only_a_proxy_with_a_private_network_has_one(proxy: Proxy) -> None:
    with pytest.raises(RuntimeError):
        proxy.blackhole()
