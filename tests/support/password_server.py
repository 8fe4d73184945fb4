"""A second PostgreSQL cluster that asks for passwords (scram-sha-256 over TCP), as a
team's server does; the main test server trusts 127.0.0.1 and never asks.

Made with Debian's postgresql-common tools (`pg_createcluster`, `pg_ctlcluster`,
`pg_dropcluster`), which need root; its own socket is trusted, so the test can set it up
without a password. One role with a password holding % @ : / ? # space ' and non-ASCII
letters owns one database.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from desktop.store.urls import quote_value

SOCKET_DIR = "/var/run/postgresql"
ROLE = "pdk_app"
PASSWORD = "Pw é%@:/?# 'ß"  # every character an address must carry with care
DBNAME = "pdk_app_db"


class PasswordServerUnavailable(RuntimeError):
    """A second cluster cannot be made here (not root, no postgresql-common)."""


@dataclass(frozen=True)
class PasswordServer:
    port: int
    role: str = ROLE
    password: str = PASSWORD
    dbname: str = DBNAME
    host: str = "127.0.0.1"

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def conninfo(self, password: str | None = None, **extra: str) -> str:
        """key=value form; `password` None leaves it out."""
        parts = {"host": self.host, "port": str(self.port), "dbname": self.dbname}
        parts["user"] = self.role
        parts.update(extra)
        if password is not None:
            parts["password"] = password
        return " ".join(f"{k}={quote_value(v)}" for k, v in parts.items())

    def url(self, password: str | None = None) -> str:
        """URL form, the password percent-encoded; None leaves it out."""
        secret = "" if password is None else ":" + quote(password, safe="")
        return f"postgresql://{self.role}{secret}@{self.host}:{self.port}/{self.dbname}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """The superuser over the trusted socket."""
        return psycopg.connect(
            host=SOCKET_DIR, port=self.port, user="postgres", dbname="postgres", autocommit=True
        )


_clusters = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _major_version() -> str:
    versions = sorted(
        (p.name for p in Path("/usr/lib/postgresql").glob("*") if (p / "bin" / "initdb").exists()),
        key=int,
    )
    if not versions:
        raise PasswordServerUnavailable("no PostgreSQL server binaries in /usr/lib/postgresql")
    return versions[-1]


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise PasswordServerUnavailable(f"{' '.join(command)}: {done.stderr.strip()[-400:]}")


@contextlib.contextmanager
def running_password_server() -> Iterator[PasswordServer]:
    """Create and start the cluster, make the role and its database; drop it all after."""
    if os.geteuid() != 0:
        raise PasswordServerUnavailable("making a second PostgreSQL cluster needs root")
    if shutil.which("pg_createcluster") is None:
        raise PasswordServerUnavailable("pg_createcluster is missing (Debian postgresql-common)")
    version = _major_version()
    name = f"pdk_pw_{os.getpid()}_{next(_clusters)}"
    port = _free_port()
    _run(
        "pg_createcluster", version, name, "-p", str(port), "--",
        "--auth-host=scram-sha-256", "--auth-local=trust",
    )  # fmt: skip
    try:
        _run("pg_ctlcluster", version, name, "start")
        server = PasswordServer(port)
        with server.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(ROLE), sql.Literal(PASSWORD)
                )
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DBNAME), sql.Identifier(ROLE)
                )
            )
        yield server
    finally:
        # Immediately: a window's connection still open must not keep it up.
        subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "immediate"],
                       capture_output=True, check=False)  # fmt: skip
        _run("pg_dropcluster", version, name)


def serve() -> Iterator[PasswordServer]:
    """For a session fixture: the cluster that asks for passwords; skips where it cannot
    be made (fails under CI)."""
    try:
        running = running_password_server()
        server = running.__enter__()
    except PasswordServerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but no password-asking server can start: {exc}", pytrace=False)
        pytest.skip(f"no password-asking PostgreSQL server: {exc}")
    try:
        yield server
    finally:
        running.__exit__(None, None, None)
