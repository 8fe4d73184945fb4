"""Roles as a team's server gives them, made for real on the test server: an owner that
migrates, a reader with SELECT only, and an application role that may read and write rows
(SELECT, INSERT, UPDATE, DELETE, USAGE on the sequences) but not CREATE on schema public.

Role names carry the process id, so parallel runs never share one; `Team.close()` drops
the databases it made, then the roles. The server trusts 127.0.0.1: no passwords.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from desktop import paths
from desktop.store.connection import open_database


class Team:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        tag = f"{os.getpid()}"
        self.owner = f"postdesk_owner_{tag}"
        self.reader = f"postdesk_reader_{tag}"
        self.app = f"postdesk_app_{tag}"
        self.databases: list[str] = []
        self._counter = itertools.count(1)
        with self._admin() as admin:
            for role in (self.owner, self.reader, self.app):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')
                admin.execute(f'CREATE ROLE "{role}" LOGIN')

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.admin_url, autocommit=True)

    def url(self, database: str, role: str) -> str:
        params = conninfo_to_dict(self.admin_url)
        params.update(dbname=database, user=role)
        return make_conninfo("", **{k: str(v) for k, v in params.items()})

    def database(self, *, upto: str | None = None, grant: bool = True) -> str:
        """A new database owned by the owner role and migrated by it (to version `upto`
        only, when given), with the usual grants to the reader and the app role."""
        name = f"postdesk_team_{os.getpid()}_{next(self._counter)}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" OWNER "{self.owner}"')
            admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self.databases.append(name)
        owner_url = self.url(name, self.owner)
        if upto is None:
            open_database(owner_url).close()
        else:
            with migrations_upto(upto) as folder:
                open_database(owner_url, migrations_dir=folder).close()
        if grant:
            self.grant(name)
        return name

    def grant(self, database: str) -> None:
        with psycopg.connect(self.url(database, self.owner), autocommit=True) as owner:
            owner.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{self.reader}"')
            owner.execute(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                f'TO "{self.app}"'
            )
            owner.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{self.app}"')

    def as_owner(self, database: str, sql: str) -> None:
        with psycopg.connect(self.url(database, self.owner), autocommit=True) as owner:
            owner.execute(sql)

    def close(self) -> None:
        with self._admin() as admin:
            for name in self.databases:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in (self.app, self.reader, self.owner):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')


@contextmanager
def migrations_upto(upto: str) -> Iterator[Path]:
    """A copy of db/migrations/ holding the versions up to `upto` only."""
    with tempfile.TemporaryDirectory(prefix="postdesk-migrations-") as folder:
        for path in paths.migrations_dir().glob("*.sql"):
            if path.name.split("_", 1)[0] <= upto:
                shutil.copy(path, folder)
        yield Path(folder)


def shipped_after(version: str) -> list[str]:
    """The shipped migration versions after `version`, in order."""
    versions = {path.name.split("_", 1)[0] for path in paths.migrations_dir().glob("*.sql")}
    return sorted(v for v in versions if v > version)
