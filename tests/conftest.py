"""Fixtures shared by every test: throw-away databases on both backends.

Data-layer tests take the `dialect` fixture (or `empty_url`, `backend`, `repo`, which build
on it) and so run once on SQLite and once on the PostgreSQL server named by the environment
variable POSTDESK_TEST_POSTGRES. Without that variable the local server is used when it
answers at 127.0.0.1:5432 (user postgres); with no server the PostgreSQL half skips with a
visible reason, and with CI set it fails the run instead. The closing summary says how many
tests used the server, so a run that quietly skipped them cannot pass for a full one.

Speed: creating, migrating and dropping a PostgreSQL database costs about a quarter of a
second, too much for every test. So a test that takes `backend` (or `repo`) gets a migrated
database from a small pool: when the test ends, the database goes back to the pool only if
its schema and migration history are exactly as freshly migrated, and then its tables are
emptied (every row deleted, id sequences restarted, so ids start at 1 again); any other
database is dropped. Databases that are finished with are dropped by a background thread;
whatever is left is dropped when the session ends. Test databases are made with
synchronous_commit off: their commits need not wait for the disk.
"""

from __future__ import annotations

import os

# Before anything can import Qt: tests never open a real window unless asked to.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from desktop.store.backend import HISTORY_TABLE, Backend
from desktop.store.connection import connect, open_database
from desktop.store.repository import Repository

# Under CI every run tries the same examples, so a red run means a defect, not bad luck, and
# says how to replay it; local runs explore at random and keep their failures in .hypothesis/.
hypothesis.settings.register_profile(
    "ci", derandomize=True, database=None, print_blob=True, deadline=None
)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")

# Helpers with asserts of their own: show the values when they fail.
pytest.register_assert_rewrite("tests.support.dbtools")

PG_ENV = "POSTDESK_TEST_POSTGRES"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
MakeDatabase = Callable[[str], str]


class _ServerUse:
    """Which tests asked for the PostgreSQL server, and how they ended."""

    def __init__(self) -> None:
        self.current = ""  # the test being set up or run
        self.asked: set[str] = set()
        self.outcomes: dict[str, str] = {}

    def record(self, report: pytest.TestReport) -> None:
        if report.nodeid not in self.asked:
            return
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped and report.nodeid not in self.outcomes:
            self.outcomes[report.nodeid] = "skipped"
        elif report.when == "call" and report.passed:
            self.outcomes.setdefault(report.nodeid, "passed")

    def ran(self, nodeid: str) -> bool:
        """The test reached the server (it did not skip for want of one)."""
        return self.outcomes.get(nodeid) in ("passed", "failed")

    def summary(self) -> str | None:
        if not self.asked:
            return None
        counts = {k: sum(v == k for v in self.outcomes.values()) for k in ("passed", "failed")}
        skipped = sum(v == "skipped" for v in self.outcomes.values())
        return (
            f"postgresql: {counts['passed'] + counts['failed']} tests ran on the server "
            f"({counts['passed']} passed, {counts['failed']} failed), {skipped} skipped"
        )


SERVER_USE = _ServerUse()


def pytest_runtest_setup(item: pytest.Item) -> None:
    SERVER_USE.current = item.nodeid
    # Marked, or asking for the server by fixture; a first use through getfixturevalue is
    # caught where the server's address is handed out.
    if item.get_closest_marker("postgres") or "pg_admin_url" in getattr(item, "fixturenames", ()):
        SERVER_USE.asked.add(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    SERVER_USE.record(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    line = SERVER_USE.summary()
    if line is not None:
        terminalreporter.write_line(line)


class _PostgresServer:
    """The test server's admin connection, opened once, or the reason there is none."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.reason: str | None = None
        self.conn: Any = None  # psycopg.Connection in autocommit mode
        self._dropper: threading.Thread | None = None
        self._to_drop: queue.Queue[str | None] = queue.Queue()

    def admin_url(self) -> str:
        """The server's URL; skips (fails under CI) when there is no usable server."""
        if self.url is None and self.reason is None:
            self._connect()
        SERVER_USE.asked.add(SERVER_USE.current)
        if self.reason is not None:
            if os.environ.get("CI"):
                pytest.fail(f"CI is set but {self.reason}", pytrace=False)
            pytest.skip(self.reason)
        assert self.url is not None
        return self.url

    def _connect(self) -> None:
        import psycopg

        url = os.environ.get(PG_ENV, "").strip()
        named = bool(url)
        try:
            self.conn = psycopg.connect(url or LOCAL_SERVER, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            text = str(exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            self.reason = (
                f"the PostgreSQL server named by {PG_ENV} is unreachable: {first}"
                if named
                else f"{PG_ENV} is not set and no server answers at {LOCAL_SERVER} ({first})"
            )
            return
        self.url = url or LOCAL_SERVER

    def database_url(self, name: str) -> str:
        """The admin URL pointed at another database on the same server."""
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(self.admin_url())
        params.pop("dbname", None)
        # dbname first: that is how desktop.store.urls recognises a conninfo string.
        return make_conninfo("", dbname=name, **params)

    def create(self, name: str) -> None:
        self.conn.execute(f'CREATE DATABASE "{name}"')
        # Throw-away data need not wait for the disk at each commit: several times faster.
        self.conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')

    def drop_later(self, name: str) -> None:
        """Drop a database nobody uses any more, without making the tests wait for it."""
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_queued, daemon=True)
            self._dropper.start()
        self._to_drop.put(name)

    def _drop_queued(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            while (name := self._to_drop.get()) is not None:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_now(self, names: list[str]) -> None:
        """Finish the background drops, then drop `names` (those already gone are skipped)."""
        if self._dropper is not None:
            self._to_drop.put(None)
            self._dropper.join()
            self._dropper = None
        for name in names:
            self.conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Databases:
    """Every database this session makes; all of them are dropped when it ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)
        self.server = _PostgresServer()
        self.names: dict[str, str] = {}  # PostgreSQL URL -> database name
        self.pool: list[str] = []  # migrated databases, emptied, ready for the next test
        self.pristine: dict[str, Any] = {}  # URL -> fingerprint when freshly migrated

    def make(self, dialect: str) -> str:
        n = next(self.counter)
        if dialect == "sqlite":
            return str(self.folder / f"db{n}.sqlite3")
        if dialect == "postgresql":
            self.server.admin_url()
            name = f"postdesk_test_{os.getpid()}_{n}"
            self.server.create(name)
            url = self.server.database_url(name)
            self.names[url] = name
            return url
        raise ValueError(f"unknown dialect {dialect!r}")

    def done_with(self, url: str) -> None:
        """A PostgreSQL database from make() that no test will use again."""
        self.pristine.pop(url, None)
        self.server.drop_later(self.names[url])

    def take_migrated(self) -> str:
        """A PostgreSQL database exactly as open_database() leaves a new one."""
        if self.pool:
            return self.pool.pop()
        url = self.make("postgresql")
        open_database(url).close()
        with connect(url) as backend:
            self.pristine[url] = _fingerprint(backend)
        return url

    def give_back(self, url: str) -> None:
        """Back to the pool, emptied, if the test left the schema as it was; else drop it."""
        with connect(url) as backend:
            backend.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            reusable = _fingerprint(backend) == self.pristine[url] and _empty(backend)
        if reusable:
            self.pool.append(url)
        else:
            self.done_with(url)

    def close(self) -> None:
        if self.names:
            self.server.drop_now(list(self.names.values()))
        if self.server.conn is not None:
            self.server.conn.close()


# One round trip; no '%' in it, since psycopg reads those as placeholders.
_FINGERPRINT = f"""
SELECT md5(string_agg(item, ' | ' ORDER BY item)) FROM (
    SELECT concat_ws(' ', 'relation', relname, relkind) FROM pg_class
    WHERE relnamespace = current_schema()::regnamespace
  UNION ALL
    SELECT concat_ws(' ', 'column', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                     a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0
      AND NOT a.attisdropped
  UNION ALL
    SELECT concat_ws(' ', 'constraint', conname, pg_get_constraintdef(oid)) FROM pg_constraint
    WHERE connamespace = current_schema()::regnamespace
  UNION ALL
    SELECT concat_ws(' ', 'index', pg_get_indexdef(i.indexrelid)) FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relnamespace = current_schema()::regnamespace
  UNION ALL
    SELECT concat_ws(' ', 'trigger', pg_get_triggerdef(oid)) FROM pg_trigger
    WHERE NOT tgisinternal
  UNION ALL
    SELECT concat_ws(' ', 'routine', oid::regprocedure) FROM pg_proc
    WHERE pronamespace = current_schema()::regnamespace
  UNION ALL
    SELECT concat_ws(' ', 'type', typname, typtype) FROM pg_type
    WHERE typnamespace = current_schema()::regnamespace
  UNION ALL
    SELECT concat_ws(' ', 'schema', nspname) FROM pg_namespace WHERE left(nspname, 3) <> 'pg_'
  UNION ALL
    SELECT concat_ws(' ', 'extension', extname) FROM pg_extension
  UNION ALL
    SELECT concat_ws(' ', 'setting', array_to_string(setconfig, ' ')) FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  UNION ALL
    SELECT concat_ws(' ', 'history', version, name, checksum, applied_at) FROM {HISTORY_TABLE}
) AS everything (item)
"""


def _fingerprint(backend: Backend) -> Any:
    """Schema, migration history, schemas, extensions: what deleting rows cannot put back."""
    return backend.execute(_FINGERPRINT)


def _empty(backend: Backend) -> bool:
    """Delete every row but the migration history; restart the id sequences.

    DELETE, child tables first, costs a few milliseconds where TRUNCATE costs thirty.
    """
    import psycopg

    left = sorted(backend.table_names() - {HISTORY_TABLE})
    for _ in range(len(left)):
        for table in list(left):
            try:
                backend.execute(f'DELETE FROM "{table}"')
            except psycopg.errors.ForeignKeyViolation:
                continue  # another table still refers to its rows: next round
            left.remove(table)
    if "change_log" in backend.table_names():  # the deletes above logged themselves
        backend.execute("DELETE FROM change_log")
    backend.execute(
        "SELECT setval(s.seqrelid::regclass, s.seqstart, false) FROM pg_sequence s "
        "JOIN pg_class c ON c.oid = s.seqrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace"
    )
    return not left


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    databases = _Databases(tmp_path_factory.mktemp("databases"))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def pg_admin_url(_databases: _Databases) -> str:
    """The libpq URL of the test PostgreSQL server (POSTDESK_TEST_POSTGRES or the local one)."""
    return _databases.server.admin_url()


@pytest.fixture(scope="session")
def make_database(_databases: _Databases) -> MakeDatabase:
    """A factory: make_database("sqlite" | "postgresql") -> the URL of a brand-new empty database.

    SQLite: a path (no file there yet) in a session folder. PostgreSQL: a new database on the
    test server, named postdesk_test_<pid>_<n>; all of them are dropped when the session ends.
    """
    return _databases.make


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def dialect(request: pytest.FixtureRequest) -> str:
    """Each data-layer test runs once per backend."""
    name: str = request.param
    if name == "postgresql":
        request.getfixturevalue("pg_admin_url")
    return name


@pytest.fixture
def empty_url(
    request: pytest.FixtureRequest, _databases: _Databases, dialect: str
) -> Iterator[str]:
    """A brand-new empty database of the current dialect.

    When the test also takes `backend` (which migrates this database before the test body
    runs), a PostgreSQL database comes already migrated from the pool: the test sees the same.
    """
    if dialect == "postgresql" and "backend" in request.fixturenames:
        url = _databases.take_migrated()
        yield url
        _databases.give_back(url)
        return
    url = _databases.make(dialect)
    yield url
    if dialect == "postgresql":
        _databases.done_with(url)


@pytest.fixture
def backend(empty_url: str) -> Iterator[Backend]:
    """The empty database, opened and migrated as the app opens it."""
    opened = open_database(empty_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def repo(backend: Backend) -> Repository:
    return Repository(backend)


@pytest.fixture(scope="session")
def pgbouncer(pg_admin_url: str) -> Iterator[Callable[[str], str]]:
    """A transaction-pooling PgBouncer before the test server, started once:
    `pgbouncer(url)` gives the URL of the same database through it. Skips (fails under CI)
    where PgBouncer cannot be started."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from tests.support.pgbouncer import PgBouncerUnavailable, running_pgbouncer

    try:
        bouncer = running_pgbouncer(pg_admin_url)
        front = bouncer.__enter__()
    except PgBouncerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but PgBouncer cannot start: {exc}", pytrace=False)
        pytest.skip(f"PgBouncer cannot start: {exc}")
    through = conninfo_to_dict(front)

    def via(url: str) -> str:
        params = conninfo_to_dict(url)
        params.update(host=through["host"], port=through["port"])
        return make_conninfo("", **params)

    try:
        yield via
    finally:
        bouncer.__exit__(None, None, None)
