"""Database addresses: a file path, sqlite:///path, or a PostgreSQL URL or conninfo."""

from __future__ import annotations

import os
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
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_QUOTED_VALUE = re.compile(r"=\s*'(?:[^'\\]|\\.)*'")
_SHORTEST_WORD = 4  # of a password's words, the shortest worth hiding on its own
INVALID_ADDRESS = "This server address is not valid"
UNREADABLE = "an unreadable server address"


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """Where a database is. `target` is a file path (SQLite) or a libpq conninfo/URL."""

    dialect: Dialect
    target: str

    def __post_init__(self) -> None:
        if self.dialect == "postgresql":
            _known_passwords.update(passwords_in(self.target))

    @property
    def path(self) -> Path:
        if self.dialect != "sqlite":
            raise ValueError("only a SQLite address has a path")
        return Path(self.target)

    def display(self) -> str:
        """A short name for people: the file path, or user@host:port/db without any password."""
        if self.dialect == "sqlite":
            return self.target
        if address_problem(self.target) is not None:
            return UNREADABLE  # what libpq cannot read names no host, and no password
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

    def identity(self) -> str:
        """One key per database, whichever way its address is written: a URL and key=value
        pairs in any order, with libpq's defaults (port, user, dbname) spelled out or not,
        name the same database. Passwords and connection options play no part."""
        if self.dialect == "sqlite":
            return f"sqlite|{os.path.normcase(os.path.abspath(self.target))}"
        try:
            parts = conninfo_parts(self.target)
        except ValueError:
            return f"postgresql|{self.target}"
        user = role_name(parts)
        key = (
            parts.get("service", ""),
            (parts.get("host") or parts.get("hostaddr") or os.environ.get("PGHOST", "")).lower(),
            parts.get("port") or os.environ.get("PGPORT") or "5432",
            parts.get("dbname") or os.environ.get("PGDATABASE") or user,
            user,
        )
        return "postgresql|" + "|".join(key)

    def with_password(self, password: str) -> DatabaseUrl:
        """The same server address holding `password` instead of any it had."""
        return DatabaseUrl("postgresql", f"{self.redacted()} password={quote_value(password)}")


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


def address_problem(target: str) -> str | None:
    """What keeps libpq from reading a PostgreSQL address, in words that quote nothing of
    it (a password may sit anywhere in a malformed address, and libpq's own message would
    echo it); None when the address is well-formed."""
    if target.startswith(("postgresql://", "postgres://")):
        return _url_problem(target)
    return _conninfo_problem(target)


def _url_problem(url: str) -> str | None:
    if _BAD_PERCENT.search(url):
        return (
            "a “%” must be followed by two hexadecimal digits "
            "(write a % sign in a password as %25)."
        )
    try:
        split = urlsplit(url)
    except ValueError:
        return "its host part cannot be read (an IPv6 address goes in [brackets])."
    hosts = split.netloc.rpartition("@")[2]
    ports = [_port_of(host) for host in hosts.split(",")]
    ports += [v for k, v in _query_pairs(split.query) if k == "port"]
    return _ports_problem(ports)


def _port_of(host: str) -> str:
    if host.startswith("["):
        return host.partition("]")[2].removeprefix(":")
    return host.partition(":")[2]


def _query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = (pair.split("=", 1) for pair in query.split("&") if "=" in pair)
    return [(unquote(key), unquote(value)) for key, value in pairs]


def _ports_problem(ports: list[str]) -> str | None:
    for port in (p for group in ports for p in group.split(",")):
        if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            return "the port must be a number from 1 to 65535."
    return None


def _conninfo_problem(conninfo: str) -> str | None:
    if re.search(r"=\s*'", _QUOTED_VALUE.sub("=", conninfo)):
        return "a value in single quotes is not closed."
    if _CONNINFO_PAIR.sub("", conninfo).strip():
        return "every part must be key=value; put a value holding spaces in single quotes."
    return _ports_problem([conninfo_parts(conninfo).get("port", "")])


def passwords_in(target: str) -> set[str]:
    """The password and sslpassword an address holds, decoded and as written (a malformed
    URL's password is echoed by libpq exactly as typed)."""
    try:
        secrets = {v for k, v in conninfo_parts(target).items() if k in _SECRET_KEYS}
    except ValueError:  # urllib cannot split it (a bracket left open): libpq cannot either
        secrets = set()
    # As written: a key=value address holds a quoted password escaped.
    secrets |= {s.replace("\\", "\\\\").replace("'", "\\'") for s in secrets}
    if target.startswith(("postgresql://", "postgres://")):
        # As written too: libpq quotes back what it could not decode. Its own reading ends
        # the user part at the first "/" or "@"; a person who typed either in a password
        # meant it to end at the last "@".
        rest = target.partition("://")[2]
        userinfo = re.match(r"([^/@]*)@", rest)
        secrets.add(userinfo.group(1).partition(":")[2] if userinfo else "")
        secrets.add(rest.rpartition("@")[0].partition(":")[2])
        secrets.update(v for k, v in _raw_query_pairs(target) if k in _SECRET_KEYS)
    elif address_problem(target) is not None:
        secrets.update(_raw_conninfo_secrets(target))
    return set(filter(None, secrets))


def _raw_query_pairs(url: str) -> list[tuple[str, str]]:
    query = url.partition("?")[2].partition("#")[0]
    return [(k, v) for k, _, v in (pair.partition("=") for pair in query.split("&"))]


def _raw_conninfo_secrets(conninfo: str) -> list[str]:
    """A password value up to the end of the text, as a malformed key=value address may
    hold it (an unclosed quote, spaces without quotes): libpq quotes such parts back. Its
    words count too, but not the short ones: hiding every "@" or ":" of a log line would
    make it unreadable and hide nothing worth a secret."""
    found = []
    for match in re.finditer(r"(?:ssl)?password\s*=\s*", conninfo):
        rest = conninfo[match.end() :]
        found += [rest, rest.lstrip("'")]
        found += [word for word in rest.lstrip("'").split() if len(word) >= _SHORTEST_WORD]
    return found


def hide_password(text: str, target: str) -> str:
    """`text` (an error message that may quote the address) without the address's password
    or sslpassword, in any form the address holds it."""
    return _hide(text, passwords_in(target))


def _hide(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "•••")
    return text


# Every password an address held in this process: the log is scrubbed of them all, since a
# message may quote an address other than the one at hand (the last one, a retried one).
_known_passwords: set[str] = set()


def note_password(password: str) -> None:
    """Keep `password` out of every text `scrub` is given (one that reaches the app some
    other way than inside an address, e.g. from the system keychain)."""
    if password:
        _known_passwords.add(password)


def scrub(text: str) -> str:
    """`text` without any password known to this process."""
    return _hide(text, set(_known_passwords)) if _known_passwords else text


def login_name() -> str | None:
    """The user name libpq takes when none is given, or None where there is none."""
    import getpass  # here, not at the top: only a server address needs it

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


def service_parts(name: str) -> dict[str, str]:
    """What a libpq service names (host, port, dbname, ...), read from the service files
    as libpq reads them: PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR's
    pg_service.conf. (psycopg's conninfo_to_dict leaves services unexpanded.)"""
    user_file = os.environ.get("PGSERVICEFILE") or os.path.expanduser("~/.pg_service.conf")
    files = [user_file]
    if os.environ.get("PGSYSCONFDIR"):
        files.append(os.path.join(os.environ["PGSYSCONFDIR"], "pg_service.conf"))
    # Imported here: only a service= address reads these files, and configparser's
    # patterns cost every launch a few milliseconds otherwise.
    import configparser

    for path in files:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        if parser.has_section(name):
            return {key: value.strip() for key, value in parser.items(name)}
    return {}


def effective_parts(target: str) -> dict[str, str]:
    """The address's parts with its service expanded: the service file's settings, under
    those the address gives itself (libpq lets the address override its service)."""
    parts = conninfo_parts(target)
    service = parts.get("service") or os.environ.get("PGSERVICE")
    if not service:
        return parts
    from_service = {k: v for k, v in service_parts(service).items() if k not in _SECRET_KEYS}
    return {**from_service, **parts}


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


def server_name(parts: dict[str, str]) -> str:
    """The server as the address names it: no host is libpq's local socket (or PGHOST),
    and a service names its own server (`parts` as effective_parts gives them, the service
    file read), so neither is called localhost."""
    port = parts.get("port") or os.environ.get("PGPORT") or "5432"
    host = parts.get("host") or parts.get("hostaddr")
    if host:
        return f"{host}:{port}"
    if parts.get("service"):
        return f"the server of service {parts['service']!r}"
    if os.environ.get("PGHOST"):
        return f"{os.environ['PGHOST']}:{port}"
    return f"the local server (port {port})"


def role_name(parts: dict[str, str]) -> str:
    """The role libpq logs in as: the address's user, PGUSER, or the login name."""
    return parts.get("user") or os.environ.get("PGUSER") or login_name() or "?"
