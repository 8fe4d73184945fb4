"""Two launches of the app at once on the same fresh database: both open it, each migration
is applied exactly once.

Each process is `python -m desktop --database URL --screenshot PATH` (offscreen), started
through a small launcher that imports the heavy modules first and then waits at a barrier,
so both reach the database within a few milliseconds of each other.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from desktop import paths
from desktop.store.connection import open_database
from desktop.store.migrations import discover
from desktop.store.urls import Dialect
from tests.conftest import MakeDatabase
from tests.faults.conftest import Ledger
from tests.support.dbtools import run

pytestmark = pytest.mark.fault

REPO_ROOT = paths.bundle_root()
LAUNCHER = """\
import runpy, sys
import desktop.store.postgres, desktop.store.sqlite, desktop.ui.app  # the slow imports first
sys.argv = ["desktop", *sys.argv[1:]]
print("ready", flush=True)
sys.stdin.readline()
runpy.run_module("desktop", run_name="__main__", alter_sys=True)
"""


def launch(url: str, shot: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, "--database", url, "--screenshot", str(shot)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_launches_on_one_fresh_database(
    dialect: Dialect, make_database: MakeDatabase, tmp_path: Path, ledger: Ledger
) -> None:
    url = make_database(dialect)
    shots = [tmp_path / "first.png", tmp_path / "second.png"]
    processes = [launch(url, shot) for shot in shots]
    try:
        for process in processes:  # the barrier: both imported and waiting
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)

    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err, err
    for shot in shots:
        image = QImage(str(shot))
        assert not image.isNull() and image.width() >= 600, shot

    shipped = [m.version for m in discover(paths.migrations_dir(), dialect)]
    with open_database(url, migrate=False, create=False) as backend:
        rows = run(backend, "SELECT version FROM schema_migrations ORDER BY version")
        tables = backend.table_names()
    versions = [version for (version,) in rows]
    assert versions == shipped  # each exactly once
    ledger.check_rows(len(shipped), len(versions), "migration history")
    assert {"users", "posts", "comments"} <= tables
