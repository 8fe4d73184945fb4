"""Opening a current server database costs one round trip after connecting: the checks
(tables, migration history, write privileges) travel together (Backend.survey)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from desktop.store.connection import connect, open_checked, open_database
from tests.support.proxy import Proxy

pytestmark = pytest.mark.postgres


def test_the_checks_of_an_open_are_one_round_trip(make_database: Callable[[str], str]) -> None:
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
        opened = open_checked(through)
        with opened.backend:
            assert proxy.round_trips == connecting + 1
            assert not opened.applied and opened.read_only_reason is None
            assert opened.status.current_version is not None and not opened.status.pending
