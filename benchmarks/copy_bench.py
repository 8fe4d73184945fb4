"""Copying a whole database, both directions, beside the bulk-load floor of the same run.

    .venv/bin/python benchmarks/copy_bench.py [--quick]

On the benchmark's data set (benchmarks/dataset.py, made with the app's own generator:
100,000 users, about 1,000,000 posts and 5,000,000 comments; `--quick` a hundredth) it runs

- the copy, `python -m desktop copy --from SOURCE --to DESTINATION`, in a child process
  whose peak resident memory is read from the kernel when it ends (wait4), and whose time
  is the one its closing line reports (opening both sides, migrating the destination,
  reading, writing, rebuilding indexes, verifying both sides' checksums, committing);
- the floor: the same rows written into the same fresh, migrated destination by its bulk
  path alone (PostgreSQL COPY, SQLite multi-row INSERTs, in one transaction with the indexes
  set aside and rebuilt), fed from memory: the rows are read from the source beforehand and
  spooled to a scratch file, and the clock stops while a batch is taken back from it. No
  reading of the source, no checksums, no progress.

for SQLite -> PostgreSQL and PostgreSQL -> SQLite, and prints rows per second of each, the
copy's share of the floor (target at least 70 %) and the copy's peak RSS (target at most
250 MB).
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dataset import (  # the checkout on the path
    BENCH_DIR,
    ROOT,
    admin_url,
    database_tag,
    database_url,
    ensure,
)

from desktop.store.backend import LONG_WORK
from desktop.store.connection import open_database
from desktop.store.copying import TABLE_NAMES, TABLES, open_source
from desktop.store.seeding import _collector_paused
from desktop.store.urls import parse_url

DESTINATION_DB = "postdesk_bench_copy_destination" + database_tag()
DESTINATION_FILE = BENCH_DIR / "copy-destination.sqlite3"
TARGET_SHARE = 0.70
TARGET_RSS_MB = 250
_SUMMARY = re.compile(r"^copied: (?P<counts>.*) in (?P<seconds>[\d.]+) s \(.*\), verified$")


@dataclass
class Copied:
    rows: int
    seconds: float
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def fresh_destination(dialect: str) -> str:
    if dialect == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DESTINATION_FILE}{suffix}").unlink(missing_ok=True)
        return str(DESTINATION_FILE)
    import psycopg

    admin = admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DESTINATION_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DESTINATION_DB}"')
    return database_url(admin, DESTINATION_DB)


def run_copy(source: str, destination: str) -> Copied:
    """The command a person runs, in a child process; its own figures and peak memory."""
    command = [sys.executable, "-m", "desktop", "copy", "--from", source, "--to", destination]
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if child.returncode != 0:
        raise SystemExit(f"the copy failed ({child.returncode}):\n{text}")
    match = _SUMMARY.match(text.strip().splitlines()[-1])
    if match is None:
        raise SystemExit(f"unexpected output of the copy:\n{text}")
    rows = sum(int(part.split("=")[1]) for part in match["counts"].split())
    return Copied(rows, float(match["seconds"]), usage.ru_maxrss / 1024)


def spool(source: str, folder: Path) -> dict[str, Path]:
    """Every table's rows, read from the source beforehand, as pickled batches on disk."""
    files = {}
    with open_source(parse_url(source)) as backend, backend.snapshot():
        for table in TABLES:
            path = folder / f"{table.name}.pickle"
            after = -(2**63)
            with path.open("wb") as out:
                while batch := table.batch(backend.queries, backend.conn, after, 20_000):
                    pickle.dump(list(batch), out, protocol=pickle.HIGHEST_PROTOCOL)
                    after = int(batch[-1][0])
            files[table.name] = path
    return files


def floor(destination: str, files: dict[str, Path]) -> float:
    """Seconds the destination's bulk path takes for the spooled rows, clock stopped while
    a batch is unpickled."""
    columns = {table.name: table.columns for table in TABLES}
    paused = 0.0
    with open_database(destination) as backend, _collector_paused():
        started = time.perf_counter()
        with backend.transaction(LONG_WORK):  # as the copy: no per-save time limits
            backend.lock_for_bulk_load(TABLE_NAMES)
            with backend.bulk_load(TABLE_NAMES, set_indexes_aside=True, lean=True):
                for name in TABLE_NAMES:
                    with files[name].open("rb") as spooled:
                        while True:
                            stop = time.perf_counter()
                            try:
                                batch = pickle.load(spooled)
                            except EOFError:
                                break
                            finally:
                                paused += time.perf_counter() - stop
                            backend.bulk_insert(name, columns[name], batch)
            for name in TABLE_NAMES:
                backend.after_bulk_insert(name)
        return time.perf_counter() - started - paused


def direction(label: str, source: str, destination_dialect: str) -> tuple[Copied, float]:
    copied = run_copy(source, fresh_destination(destination_dialect))
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as scratch:
        files = spool(source, Path(scratch))
        floor_seconds = floor(fresh_destination(destination_dialect), files)
    floor_rate = copied.rows / floor_seconds
    share = copied.rows_per_second / floor_rate
    print(
        f"{label}: {copied.rows:,} rows\n"
        f"  copy  {copied.seconds:7.1f} s  {copied.rows_per_second:>10,.0f} rows/s"
        f"  (read, write, rebuild indexes, verify both sides)\n"
        f"  floor {floor_seconds:7.1f} s  {floor_rate:>10,.0f} rows/s"
        f"  (bulk path alone, rows from memory)\n"
        f"  copy at {share:.0%} of the floor (target {TARGET_SHARE:.0%}: "
        f"{'met' if share >= TARGET_SHARE else 'MISSED'}); peak RSS {copied.peak_rss_mb:.0f} MB "
        f"(target {TARGET_RSS_MB} MB: "
        f"{'met' if copied.peak_rss_mb <= TARGET_RSS_MB else 'MISSED'})",
        flush=True,
    )
    return copied, floor_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a hundredth of the data set")
    args = parser.parse_args(argv)
    data = ensure(scale=0.01 if args.quick else 1.0)
    assert data.pg_url is not None
    direction("SQLite -> PostgreSQL", data.sqlite_path, "postgresql")
    direction("PostgreSQL -> SQLite", data.pg_url, "sqlite")
    fresh_destination("sqlite")  # the scratch copy is not worth keeping
    return 0


if __name__ == "__main__":
    sys.exit(main())
