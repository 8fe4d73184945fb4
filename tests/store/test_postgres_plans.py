"""PostgreSQL plans every list query for its own arguments: a user with many posts never
gets the generic plan made for users with a few (it sorted all 100,000 of a heavy user's
posts for each page: 70 ms instead of 1 ms, benchmarks/scale.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.store.backend import Backend
from desktop.store.connection import open_database
from desktop.store.repository import Repository
from desktop.store.seeding import GeneratePlan, generate

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_backend(make_database) -> Iterator[Backend]:
    backend = open_database(make_database("postgresql"))
    yield backend
    backend.close()


def test_list_queries_leave_no_prepared_statements(pg_backend):
    generate(pg_backend, GeneratePlan(20, 2, 1, heavy_user_posts=300))
    pg_backend.execute("ANALYZE")
    repo = Repository(pg_backend)
    for _ in range(8):  # psycopg would prepare on the fifth run
        repo.list_posts(2)
        repo.list_posts(1)
        repo.list_users()
    assert pg_backend.execute("SELECT name FROM pg_prepared_statements") == []
