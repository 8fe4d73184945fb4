"""Read a CSV file of users (name, email) or of posts (author email, title, content, optional
created_at), say what is wrong with it line by line, and only then add its rows: all of them
in one transaction, or none.

`preview_import` reads and checks the whole file without writing anything: every row is
held to the store's own rules (desktop.store.validation), emails are compared with the
database's unique index under its own case rule (one round trip per thousand rows), and each
problem is named with its line in the file. `run_import` then adds the rows with the
backend's bulk path inside one transaction, checking again inside it what the database may
have changed since the preview; any failure, or Cancel, leaves the database as it was.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from desktop.store.backend import LONG_WORK, Backend
from desktop.store.errors import StoreError, ValidationError
from desktop.store.query_types import EmailUse
from desktop.store.sqlite import format_time
from desktop.store.validation import clean_post, clean_user, trimmed

ImportKind = Literal["users", "posts"]
Progress = Callable[[int, int], None]  # rows done, rows in all
Cancelled = Callable[[], bool]

IMPORT_KINDS: tuple[ImportKind, ...] = ("users", "posts")
PREVIEW_ROWS = 20  # rows of the file the preview shows
LOOKUP_BATCH = 1000  # emails checked against the database per round trip
PROGRESS_EVERY = 5000  # rows between two progress reports
# A post's content may be long; the csv module refuses fields over 128 KiB by default.
MAX_FIELD = 64 * 1024 * 1024

REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    "users": ("name", "email"),
    "posts": ("author_email", "title", "content"),
}
OPTIONAL: dict[ImportKind, tuple[str, ...]] = {"users": (), "posts": ("created_at",)}
# Other spellings of a column's name a spreadsheet may carry.
_ALIASES = {"author": "author_email", "e_mail": "email", "date": "created_at"}


class ImportCancelled(StoreError):
    def __init__(self) -> None:
        super().__init__("The import was stopped; nothing was added.")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in the file, at a line as a text editor counts them (1: the header)."""

    line: int
    text: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.text}"


class ImportChangedError(StoreError):
    """Since the preview the database changed so that some rows no longer fit."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        more = f" ({len(problems) - 1:,} more like it)" if len(problems) > 1 else ""
        super().__init__(
            "Since the preview the database has changed, so nothing was added; preview the "
            f"file again. {problems[0]}{more}"
        )


@dataclass
class ImportPlan:
    """What a file holds and what is wrong with it; `ready` when it can be added as it is."""

    kind: ImportKind
    path: Path
    header: list[str] = field(default_factory=list)
    first_rows: list[list[str]] = field(default_factory=list)
    first_lines: list[int] = field(default_factory=list)  # the line each of them starts on
    rows: int = 0  # rows of data read (blank lines not counted)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    # One entry per row that passed its own checks: cleaned values and the row's line.
    # users: name, email; posts: author email, title, content, created_at text or None.
    values: list[list[Any]] = field(default_factory=list, repr=False)
    lines: list[int] = field(default_factory=list, repr=False)
    dated: bool = False  # the file has a created_at column
    author_ids: dict[str, int] = field(default_factory=dict, repr=False)  # posts: email -> id

    @property
    def ready(self) -> bool:
        return not self.problems and self.rows > 0

    def problem(self, line: int, text: str) -> None:
        self.problems.append(Problem(line, text))

    def summary(self) -> str:
        what = "user" if self.kind == "users" else "post"
        rows = f"{self.rows:,} {what}{'' if self.rows == 1 else 's'}"
        if self.ready:
            return f"{self.path.name}: {rows} ready to add."
        count = len(self.problems)
        if count == 0:
            return f"{self.path.name}: no rows to add."
        return (
            f"{self.path.name}: {rows}, {count:,} problem{'' if count == 1 else 's'}. "
            "Nothing can be added until the file is corrected."
        )


@dataclass(frozen=True)
class ImportReport:
    kind: ImportKind
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float(self.rows)


# -- preview -----------------------------------------------------------------------------------
def preview_import(
    backend: Backend,
    path: Path,
    kind: ImportKind,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ImportPlan:
    """Read and check `path` as a file of `kind`; nothing is written."""
    started = time.perf_counter()
    plan = ImportPlan(kind, path)
    text = _read_text(path, plan)
    if text is not None:
        _read_rows(text, plan, progress, cancelled)
    if plan.values:
        with backend.reading():
            if kind == "users":
                _check_users(backend, plan)
            else:
                _check_authors(backend, plan)
    plan.problems.sort(key=lambda problem: problem.line)
    plan.seconds = time.perf_counter() - started
    return plan


def _read_text(path: Path, plan: ImportPlan) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"{path} could not be read: {exc.strerror}.") from exc
    try:
        # utf-8-sig: a byte-order mark (spreadsheets write one) is not part of the header.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        plan.problem(
            line,
            "This line is not UTF-8 text. Save the file as “CSV UTF-8” and preview it again.",
        )
        return None


def _read_rows(
    text: str, plan: ImportPlan, progress: Progress | None, cancelled: Cancelled | None
) -> None:
    total = text.count("\n") + 1
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    # strict: a stray quote is reported rather than guessed around.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns: dict[str, int] | None = None
    ended = 0  # the line the previous record ended on
    try:
        for record in reader:
            line, ended = ended + 1, reader.line_num
            if columns is None:
                columns = _header(record, plan)
                if columns is None:
                    return
                continue
            if not any(trimmed(value) for value in record):
                continue  # a blank line, or a spreadsheet's empty row of commas
            plan.rows += 1
            if len(plan.first_rows) < PREVIEW_ROWS:
                plan.first_rows.append(record)
                plan.first_lines.append(line)
            _check_row(record, line, columns, plan)
            if plan.rows % PROGRESS_EVERY == 0:
                if cancelled is not None and cancelled():
                    raise ImportCancelled()
                if progress is not None:
                    progress(ended, total)
    except csv.Error:
        # Which quote went wrong is in the module's message only; the line is ours to give.
        plan.problem(
            ended + 1,
            "A quoted value is not closed, or has text right after its closing quote.",
        )
    if columns is None:
        plan.problem(1, "The file is empty; its first line must name the columns.")
    elif plan.rows == 0:
        plan.problem(2, "The file has no rows below its first line.")
    if progress is not None:
        progress(total, total)


def column_key(name: str) -> str:
    """A header cell as a column name: any case, spaces or hyphens for underscores."""
    key = trimmed(name).lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, key)


def _header(record: list[str], plan: ImportPlan) -> dict[str, int] | None:
    """Where each known column is; None (and a problem) when a needed one is missing."""
    plan.header = record
    columns: dict[str, int] = {}
    for index, name in enumerate(record):
        key = column_key(name)
        if key in columns:
            plan.problem(1, f"The column “{key}” appears twice in the first line.")
        columns.setdefault(key, index)
    required = REQUIRED[plan.kind]
    missing = [name for name in required if name not in columns]
    if missing:
        wanted = ", ".join(required + OPTIONAL[plan.kind])
        plan.problem(
            1,
            f"The first line names no {_either(missing)} column. A file of {plan.kind} needs "
            f"the columns {wanted} (optional ones may be left out), named in its first line.",
        )
        return None
    plan.dated = "created_at" in columns
    return columns


def _either(names: list[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _check_row(record: list[str], line: int, columns: dict[str, int], plan: ImportPlan) -> None:
    if len(record) != len(plan.header):
        plan.problem(
            line,
            f"This row has {len(record)} values; the first line names {len(plan.header)} "
            "columns (a value holding a comma must be in double quotes).",
        )
        return
    values = {name: record[index] for name, index in columns.items()}
    try:
        if plan.kind == "users":
            cleaned: list[Any] = list(clean_user(values["name"], values["email"]))
        else:
            cleaned = _clean_post_row(values)
    except ValidationError as exc:
        for message in exc.errors.values():
            plan.problem(line, message)
        return
    plan.values.append(cleaned)
    plan.lines.append(line)


def _clean_post_row(values: dict[str, str]) -> list[Any]:
    errors: dict[str, str] = {}
    author = trimmed(values["author_email"])
    if not author:
        errors["author_email"] = "The author email cannot be empty."
    try:
        title, content = clean_post(values["title"], values["content"])
    except ValidationError as exc:
        errors.update(exc.errors)
    created = None
    raw_time = trimmed(values.get("created_at", ""))
    if raw_time:
        try:
            created = format_time(parse_time(raw_time))
        except ValueError as exc:
            errors["created_at"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return [author, title, content, created]


def parse_time(text: str) -> datetime:
    """An ISO-8601 date or date and time; one without a zone is taken as UTC (what Postdesk
    exports, and what a spreadsheet's date cell gives)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"“{text}” is not a date; write it like 2026-12-04T14:30:00Z or 2026-12-04 14:30."
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _batches(count: int) -> Iterator[range]:
    for start in range(0, count, LOOKUP_BATCH):
        yield range(start, min(start + LOOKUP_BATCH, count))


def _emails_in_use(backend: Backend, emails: Sequence[str]) -> list[EmailUse]:
    answer = backend.queries.emails_in_use(backend.conn, emails=json.dumps(list(emails)))
    if len(answer) != len(emails):  # the query answers each email once, in order
        raise StoreError("The database answered the email check with the wrong number of rows.")
    return answer


def _check_users(backend: Backend, plan: ImportPlan) -> list[Problem]:
    """Each email against the others in the file and against the stored users, under the
    unique index's case rule. Adds the problems to the plan and returns them."""
    found: list[Problem] = []
    first_line: dict[str, int] = {}
    for batch in _batches(len(plan.values)):
        emails = [plan.values[i][1] for i in batch]
        for i, (email, key, holder) in zip(batch, _emails_in_use(backend, emails), strict=True):
            line = plan.lines[i]
            if key in first_line:
                found.append(
                    Problem(line, f"The email {email} is already on line {first_line[key]}.")
                )
            else:
                first_line[key] = line
            if holder is not None:
                found.append(Problem(line, f"A user with the email {email} already exists."))
    plan.problems += found
    return found


def _check_authors(backend: Backend, plan: ImportPlan) -> list[Problem]:
    """Each author email must belong to a stored user; their ids replace the emails in
    the plan's values. Adds the problems to the plan and returns them."""
    authors = sorted({row[0] for row in plan.values})
    ids: dict[str, int] = {}
    for start in range(0, len(authors), LOOKUP_BATCH):
        for email, _key, holder in _emails_in_use(backend, authors[start : start + LOOKUP_BATCH]):
            if holder is not None:
                ids[email] = int(holder)
    found = [
        Problem(line, f"No user has the email {row[0]}; add the author first.")
        for row, line in zip(plan.values, plan.lines, strict=True)
        if row[0] not in ids
    ]
    plan.problems += found
    plan.author_ids = ids
    return found


# -- import ------------------------------------------------------------------------------------
def run_import(
    backend: Backend,
    plan: ImportPlan,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ImportReport:
    """Add every row of a ready plan in one transaction, or none of them."""
    if not plan.ready:
        raise ValidationError.single("file", plan.summary())
    started = time.perf_counter()
    table = plan.kind
    # A large file is long work: the per-save time limits would cut it short.
    with backend.transaction(LONG_WORK):
        backend.lock_for_bulk_load([table])
        # What the preview checked against the database may have changed since.
        recheck = ImportPlan(plan.kind, plan.path, values=plan.values, lines=plan.lines)
        changed = (_check_users if plan.kind == "users" else _check_authors)(backend, recheck)
        if changed:
            raise ImportChangedError(sorted(changed, key=lambda problem: problem.line))
        columns, rows = _insert_rows(recheck, plan.dated)
        with backend.bulk_load([table], set_indexes_aside=False):
            backend.bulk_insert(
                table, columns, _counted(rows, len(plan.values), progress, cancelled)
            )
        # Fresh statistics: planned on the old ones, a page of a list that just grew by
        # 100,000 rows cost PostgreSQL 100 ms of JIT compilation (export: 10 s, not 2).
        backend.after_bulk_insert(table)
    return ImportReport(plan.kind, len(plan.values), time.perf_counter() - started)


def _insert_rows(plan: ImportPlan, dated: bool) -> tuple[list[str], Iterable[Sequence[Any]]]:
    if plan.kind == "users":
        return ["name", "email"], plan.values
    ids = plan.author_ids
    if not dated:
        return ["user_id", "title", "content"], (
            (ids[author], title, content) for author, title, content, _ in plan.values
        )
    # One column for every row: a row without a date gets the moment of the import, as the
    # column's default would give it.
    now = format_time(datetime.now(UTC))
    return ["user_id", "title", "content", "created_at"], (
        (ids[author], title, content, created or now)
        for author, title, content, created in plan.values
    )


def _counted(
    rows: Iterable[Sequence[Any]],
    total: int,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> Iterator[Sequence[Any]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            if cancelled is not None and cancelled():
                raise ImportCancelled()
            if progress is not None:
                progress(done, total)
    if progress is not None and done % PROGRESS_EVERY:
        progress(done, total)
