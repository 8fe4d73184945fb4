"""The named queries of db/queries/*.sql, as callables: `queries.get_user(conn, id=1)`.

Their typed surface is desktop.store.query_types.Queries: `typed(load(...))` is what a
Backend holds, so mypy checks every call.

A file holds blocks that each start with a name line, in the format aiosql uses:

    -- name: get_user(id)^
    SELECT ... WHERE id = :id;

The suffix says what a call returns: none, the rows; `^`, the first row or None; `$`, the
first column of the first row or None; `!`, the number of rows changed. Parameters are
written `:name` and always go to the driver as parameters, never into the text.

A file named `NAME.sqlite.sql` or `NAME.postgresql.sql` is read for that dialect only, where
the dialects must differ (row locks); the two files of a pair define the same queries.

Why not aiosql itself: it reads files in exactly this format, but importing it loads
importlib.metadata (about 0.09 s here, a quarter of the start-up budget) to learn its own
version; this module is the subset the app uses, and reads the same files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar, cast, get_args

from desktop.store.query_types import Queries
from desktop.store.urls import Dialect

ParamStyle = Literal["named", "pyformat"]
P = ParamSpec("P")
T = TypeVar("T")

_HEADER = re.compile(
    r"^--\s*name:\s*(?P<name>[A-Za-z_]\w*)\((?P<params>[^)]*)\)(?P<kind>[\^$!]?)\s*$"
)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_PARAMETER = re.compile(r"(?<![:\w]):(?P<name>[A-Za-z_]\w*)")


class QueryFileError(ValueError):
    """A query file does not follow the format above."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    params: tuple[str, ...]
    kind: str  # "", "^", "$" or "!"
    sql: str  # in the driver's parameter style

    def __call__(self, conn: Any, **params: Any) -> Any:
        return self.start(conn, params)()

    def start(self, conn: Any, params: dict[str, Any]) -> Callable[[], Any]:
        """Send the statement now; the returned call reads its answer (see send)."""
        if set(params) != set(self.params):
            raise TypeError(f"{self.name}() takes {self.params}, not {tuple(sorted(params))}")
        cursor = conn.cursor()
        try:
            cursor.execute(self.sql, params)
        except BaseException:
            cursor.close()
            raise

        def answer() -> Any:
            try:
                if self.kind == "!":
                    return cursor.rowcount
                if self.kind == "":
                    return cursor.fetchall()
                row = cursor.fetchone()
                if self.kind == "^" or row is None:
                    return row
                return row[0]
            finally:
                cursor.close()

        return answer


@dataclass(frozen=True)
class _Block:
    """A query's text as its file has it, built into a NamedQuery when first used."""

    header: re.Match[str]
    body: tuple[str, ...]
    source: str

    def build(self, style: ParamStyle) -> NamedQuery:
        return _build(self.header, self.body, style, self.source)


class QueryFolder:
    """Every named query of a folder, as attributes. A query is checked and put in its
    driver's style when first used: an open uses a handful of the 130, and building them
    all cost the first open of a session (at start-up) about 5 ms."""

    def __init__(self, blocks: Mapping[str, _Block], style: ParamStyle) -> None:
        self._blocks = dict(blocks)
        self._style: ParamStyle = style
        self._queries: dict[str, NamedQuery] = {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        query = self._queries.get(name)
        if query is not None:
            return query
        try:
            block = self._blocks[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r} in db/queries") from None
        query = self._queries[name] = block.build(self._style)
        return query

    def names(self) -> list[str]:
        return sorted(self._blocks)


@cache
def load(directory: Path, style: ParamStyle, dialect: Dialect) -> QueryFolder:
    """The queries of the *.sql files in `directory` for a dialect, in its driver's
    parameter style."""
    found: dict[str, _Block] = {}
    for path in query_files(directory, dialect):
        for block in _blocks(path.read_text(encoding="utf-8"), path.name):
            name = block.header["name"]
            if name in found:
                raise QueryFileError(f"{path.name}: the query {name} is defined twice")
            found[name] = block
    return QueryFolder(found, style)


def typed(folder: QueryFolder) -> Queries:
    """The loaded queries seen through their Protocol (tests/store/test_queries.py proves
    that the files and the Protocol name the same queries with the same parameters)."""
    return cast(Queries, folder)


def send(query: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Callable[[], T]:
    """Start a named query, typed as `Queries` has it (`send(q.count_all_users, conn)`), and
    read its answer later by calling what this returns. The queries started inside
    `Backend.pipeline()` and answered after it cost one round trip together on PostgreSQL;
    elsewhere each runs as it is started."""
    if not isinstance(query, NamedQuery) or len(args) != 1:
        raise TypeError("send() takes a named query and its connection, then its parameters")
    return cast(Callable[[], T], query.start(args[0], dict(kwargs)))


def query_files(directory: Path, dialect: Dialect) -> list[Path]:
    """The shared files and this dialect's own, in name order."""
    files = []
    for path in sorted(directory.glob("*.sql")):
        parts = path.name.split(".")
        if len(parts) == 3 and parts[1] in get_args(Dialect) and parts[1] != dialect:
            continue
        files.append(path)
    return files


def parse(text: str, style: ParamStyle, source: str = "<text>") -> list[NamedQuery]:
    return [block.build(style) for block in _blocks(text, source)]


def _blocks(text: str, source: str) -> list[_Block]:
    blocks: list[_Block] = []
    header: re.Match[str] | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("-- name:"):
            if header is not None:
                blocks.append(_Block(header, tuple(body), source))
            header = _HEADER.match(line.strip())
            if header is None:
                raise QueryFileError(f"{source}:{number}: cannot read the name line {line!r}")
            body = []
        elif header is not None and not line.lstrip().startswith("--"):
            body.append(line)
    if header is not None:
        blocks.append(_Block(header, tuple(body), source))
    return blocks


def _build(
    header: re.Match[str], body: Sequence[str], style: ParamStyle, source: str
) -> NamedQuery:
    name = header["name"]
    declared = tuple(p.strip() for p in header["params"].split(",") if p.strip())
    sql = "\n".join(body).strip().rstrip(";").strip()
    if not sql:
        raise QueryFileError(f"{source}: the query {name} has no SQL")
    used = set(_parameters(sql))
    if used != set(declared):
        raise QueryFileError(
            f"{source}: {name} declares {sorted(declared)} but uses {sorted(used)}"
        )
    return NamedQuery(name, declared, header["kind"], _styled(sql, style))


def _outside_literals(sql: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the SQL text between string literals only."""
    pieces: list[str] = []
    last = 0
    for literal in _LITERAL.finditer(sql):
        pieces.append(change(sql[last : literal.start()]))
        pieces.append(literal.group())
        last = literal.end()
    pieces.append(change(sql[last:]))
    return "".join(pieces)


def _parameters(sql: str) -> list[str]:
    names: list[str] = []

    def collect(part: str) -> str:
        names.extend(_PARAMETER.findall(part))
        return part

    _outside_literals(sql, collect)
    return names


def _styled(sql: str, style: ParamStyle) -> str:
    if style == "named":  # sqlite3 reads :name itself
        return sql

    def pyformat(part: str) -> str:
        return _PARAMETER.sub(r"%(\g<name>)s", part.replace("%", "%%"))

    return _outside_literals(sql, pyformat)
