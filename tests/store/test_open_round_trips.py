"""Opening a current server database costs one round trip after connecting: the checks
(tables, migration history, write privileges) travel together (Backend.survey), and the
first rows the app shows travel with them (Backend.survey_with)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from desktop.store.connection import connect, open_checked, open_database
from desktop.store.repository import Repository
from tests.support.proxy import Proxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def through_proxy(make_database: Callable[[str], str]) -> Iterator[tuple[Proxy, str, int]]:
    """A migrated server database behind a 50 ms link: the proxy, the address through it,
    and the round trips connecting alone takes."""
    url = make_database("postgresql")
    open_database(url).close()  # migrated: nothing pending
    parts = conninfo_to_dict(url)
    host, port = str(parts.get("host", "127.0.0.1")), int(str(parts.get("port", 5432)))
    with Proxy(host, port, delay_s=0.025) as proxy:
        parts.update(host="127.0.0.1", port=str(proxy.port))
        through = make_conninfo("", **parts)
        proxy.reset_counts()
        with connect(through):
            connecting = proxy.round_trips
        proxy.reset_counts()
        yield proxy, through, connecting


def test_the_checks_of_an_open_are_one_round_trip(through_proxy: tuple[Proxy, str, int]) -> None:
    proxy, through, connecting = through_proxy
    opened = open_checked(through)
    with opened.backend:
        assert proxy.round_trips == connecting + 1
        assert not opened.applied and opened.read_only_reason is None
        assert opened.status.current_version is not None and not opened.status.pending


def test_the_first_users_travel_with_the_checks(through_proxy: tuple[Proxy, str, int]) -> None:
    proxy, through, connecting = through_proxy
    opened = open_checked(through, look=lambda b: Repository(b).start_counted_users(50))
    with opened.backend:
        assert proxy.round_trips == connecting + 1
        assert opened.looked is not None and opened.looked[1] == 0
