"""Migrate a database with a given migrations folder, as the app does: the process the
crash-during-migration scenario kills.

    python -m tests.support.slow_migrate URL MIGRATIONS_DIR

Run from the repository root. It prints "applied NNN" after each migration it applies and
"done" at the end. On SQLite the connection has one extra SQL function,
`fault_marker(text)`, which prints "reached TEXT": a test migration calls it to say how far
it got, so the test kills the process exactly there. (PostgreSQL cannot call back into the
process; the test watches pg_stat_activity instead.)
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from desktop.store.connection import open_database
from desktop.store.migrations import Migration, MigrationRunner


def _say(text: str) -> None:
    print(text, flush=True)


def _marker(text: str) -> int:
    _say(f"reached {text}")
    return 1


def main(argv: list[str]) -> int:
    url, folder = argv[1], Path(argv[2])
    backend = open_database(url, migrate=False, migrations_dir=folder)
    if isinstance(backend.conn, sqlite3.Connection):
        backend.conn.create_function("fault_marker", 1, _marker)
    _say(f"pid {backend.conn.info.backend_pid}" if backend.dialect == "postgresql" else "pid -")

    def progress(migration: Migration, index: int, total: int) -> None:
        _say(f"at {migration.version} ({index} of {total})")

    try:
        for migration in MigrationRunner(backend, folder).migrate(progress):
            _say(f"applied {migration.version}")
    finally:
        backend.close()
    _say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
