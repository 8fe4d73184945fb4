"""Database addresses: a file path, sqlite:///path, or a PostgreSQL URL or conninfo."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import SplitResult, unquote, urlsplit

Dialect = Literal["sqlite", "postgresql"]

_CONNINFO_KEYS = ("host", "hostaddr", "dbname", "user", "port", "service", "password", "sslmode")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.,:/@+-]+")
_CONNINFO_KEY = re.compile(rf"^\s*({'|'.join(_CONNINFO_KEYS)})\s*=")
_CONNINFO_PAIR = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)")
_SECRET_KEYS = {"password", "sslpassword"}


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """Where a database is. `target` is a file path (SQLite) or a libpq conninfo/URL."""

    dialect: Dialect
    target: str

    @property
    def path(self) -> Path:
        if self.dialect != "sqlite":
            raise ValueError("only a SQLite address has a path")
        return Path(self.target)

    def display(self) -> str:
        """A short name for people: the file path, or user@host:port/db without any password."""
        if self.dialect == "sqlite":
            return self.target
        parts = conninfo_parts(self.target)
        user = parts.get("user", "")
        host = parts.get("host") or parts.get("hostaddr") or "localhost"
        port = parts.get("port", "5432")
        dbname = parts.get("dbname") or user or ""
        service = parts.get("service")
        if service and "host" not in parts:
            return f"service={service}"
        return f"{user + '@' if user else ''}{host}:{port}/{dbname}"

    def redacted(self) -> str:
        """The address with any password removed: safe for settings, logs and menus."""
        if self.dialect == "sqlite":
            return self.target
        parts = {k: v for k, v in conninfo_parts(self.target).items() if k not in _SECRET_KEYS}
        return " ".join(f"{k}={quote_value(v)}" for k, v in parts.items())


def quote_value(value: str) -> str:
    """A conninfo value as libpq reads it: quoted, with \\ and ' escaped, unless plain."""
    if _PLAIN_VALUE.fullmatch(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def conninfo_parts(conninfo: str) -> dict[str, str]:
    """Split a libpq URL or key=value string without importing psycopg (it is slow to load)."""
    if conninfo.startswith(("postgresql://", "postgres://")):
        return _url_parts(conninfo)
    parts: dict[str, str] = {}
    for match in _CONNINFO_PAIR.finditer(conninfo):
        value = match.group(2)
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        parts[match.group(1)] = value
    return parts


def _url_parts(url: str) -> dict[str, str]:
    split = urlsplit(url)
    parts: dict[str, str] = {}
    if split.username:
        parts["user"] = unquote(split.username)
    if split.password:
        parts["password"] = unquote(split.password)
    if split.hostname:
        parts["host"] = unquote(split.hostname)
    port = _port(split)
    if port:
        parts["port"] = port
    dbname = unquote(split.path.lstrip("/"))
    if dbname:
        parts["dbname"] = dbname
    for pair in split.query.split("&"):
        if "=" in pair:
            key, value = pair.split("=", 1)
            parts[unquote(key)] = unquote(value)
    return parts


def _port(split: SplitResult) -> str | None:
    try:
        return str(split.port) if split.port else None
    except ValueError:
        # Not a number, or out of range: keep it as written and let libpq say what is wrong.
        return split.netloc.rpartition("@")[2].rpartition(":")[2] or None


def _is_conninfo(text: str) -> bool:
    """key=value pairs as libpq reads them, in any order, naming at least one server key."""
    if _CONNINFO_KEY.match(text):
        return True
    if _CONNINFO_PAIR.sub("", text).strip():
        return False  # something besides key=value pairs: a file name
    return any(key in _CONNINFO_KEYS for key in conninfo_parts(text))


def parse_url(text: str) -> DatabaseUrl:
    """Read an address as a person or a script writes it."""
    text = text.strip()
    if not text:
        raise ValueError("No database given.")
    if text.startswith(("postgresql://", "postgres://")) or _is_conninfo(text):
        return DatabaseUrl("postgresql", text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
        # sqlite:////abs/path and sqlite:///relative/path, as SQLAlchemy writes them
        return DatabaseUrl("sqlite", unquote(text))
    if text.startswith("sqlite://"):
        raise ValueError("A SQLite address is sqlite:///path/to/file.sqlite3 (three slashes).")
    if re.match(r"^[a-z][a-z0-9+.-]*://", text):
        raise ValueError(f"Unknown kind of database address: {text.split('://')[0]}://")
    return DatabaseUrl("sqlite", str(Path(text).expanduser()))
