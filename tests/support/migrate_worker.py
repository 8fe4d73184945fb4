"""A process that migrates databases on command, for the concurrent-migration test.

Run as `python -m tests.support.migrate_worker` from the repository root. It imports
everything first and prints "ready"; then, for each database URL read from stdin, it opens
and migrates that database as the app does and prints one JSON line: {"applied": [versions
this process applied]} or {"error": "..."}. The test writes the same URL to several workers
at once, so they race on one fresh database. A line may add, after a tab, the migrations
folder to use instead of db/migrations/.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

# Both backends are imported before "ready", so the race is not slowed by imports.
import desktop.store.postgres
import desktop.store.sqlite  # noqa: F401
from desktop.store.connection import open_database
from desktop.store.migrations import MigrationRunner


def migrate(url: str, folder: Path | None) -> dict[str, object]:
    try:
        backend = open_database(url, migrate=False, migrations_dir=folder)
        try:
            applied = MigrationRunner(backend, folder).migrate()
        finally:
            backend.close()
    except Exception as exc:  # reported to the test, which fails with the whole story
        return {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
    return {"applied": [m.version for m in applied]}


def main() -> int:
    print("ready", flush=True)
    for line in sys.stdin:
        url, _, folder = line.rstrip("\n").partition("\t")
        if not url:
            break
        print(json.dumps(migrate(url, Path(folder) if folder else None)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
