"""Write what a list shows (users, a user's posts, a post's comments) to a CSV or JSON file.

The rows come a keyset page at a time through the Repository, exactly as the window's lists
get them, so a list of a million rows never sits in memory whole. CSV follows RFC 4180
(comma, double-quote quoting, CRLF line ends) and starts with a UTF-8 byte-order mark: the
mark is how spreadsheet programs know the text is UTF-8 rather than the system's old code
page. JSON is one array of objects, UTF-8 without a mark (RFC 8259 forbids one).

The file appears only when it is complete: the rows go to a temporary file beside it, which
replaces the destination at the end. A failure or a cancel leaves whatever was there before.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

from desktop.store.errors import StoreError, ValidationError
from desktop.store.records import Comment, Page, Post, User
from desktop.store.repository import Repository

R = TypeVar("R")
ListKind = Literal["users", "posts", "comments"]
Format = Literal["csv", "json"]
Progress = Callable[[int, int], None]  # rows written, rows in the list (as counted first)
Cancelled = Callable[[], bool]

PAGE = 1000
LIST_KINDS: tuple[ListKind, ...] = ("users", "posts", "comments")
FORMATS: tuple[Format, ...] = ("csv", "json")

USER_COLUMNS = ("id", "name", "email", "created_at", "post_count")
POST_COLUMNS = ("id", "author_email", "title", "content", "created_at", "comment_count")
COMMENT_COLUMNS = ("id", "post_id", "body")


class ExportCancelled(StoreError):
    """The person stopped the export; the destination file was left as it was."""

    def __init__(self) -> None:
        super().__init__("The export was stopped; no file was written.")


@dataclass(frozen=True)
class ListSpec:
    """Which list: users (filtered by name or email), one user's posts (filtered by title)
    or one post's comments."""

    kind: ListKind
    filter_text: str = ""
    user_id: int | None = None
    post_id: int | None = None

    def describe(self) -> str:
        if self.kind == "users":
            return "users" + (f" matching “{self.filter_text}”" if self.filter_text else "")
        if self.kind == "posts":
            shown = f" titled like “{self.filter_text}”" if self.filter_text else ""
            return f"posts of user #{self.user_id}{shown}"
        return f"comments of post #{self.post_id}"


@dataclass(frozen=True)
class ExportReport:
    rows: int
    seconds: float
    path: Path

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float(self.rows)


def user_id_by_email(repo: Repository, email: str) -> int:
    """The id of the user with this email (any case), for `export --user-email`."""
    with repo.db.reading():
        found = repo.q.user_id_by_email(repo.db.conn, email=email.strip())
    if found is None:
        raise ValidationError.single("user_email", f"No user has the email {email.strip()}.")
    return int(found)


def export_list(
    repo: Repository,
    spec: ListSpec,
    fmt: Format,
    destination: Path,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ExportReport:
    """Write the list to `destination` and say how many rows went and how fast."""
    started = time.perf_counter()
    columns, total, rows = _rows_of(repo, spec)
    folder = destination.parent
    if not folder.is_dir():
        raise StoreError(f"The folder {folder} does not exist.")
    written = 0
    try:
        handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".part", dir=folder)
    except OSError as exc:
        raise StoreError(f"Postdesk cannot write in the folder {folder}: {exc.strerror}.") from exc
    try:
        # newline="": the csv module writes its own CRLF, which must not become CRCRLF.
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        with open(handle, "w", encoding=encoding, newline="") as out:
            write = _csv_writer(out, columns) if fmt == "csv" else _json_writer(out, columns)
            for page in rows:
                if cancelled is not None and cancelled():
                    raise ExportCancelled()
                write(page)
                written += len(page)
                if progress is not None:
                    progress(written, max(total, written))
            write(None)
        os.replace(temporary, destination)
    except OSError as exc:
        _remove(temporary)
        raise StoreError(f"{destination} could not be written: {exc.strerror}.") from exc
    except BaseException:
        _remove(temporary)
        raise
    return ExportReport(written, time.perf_counter() - started, destination)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


Values = Sequence[Any]
Writer = Callable[[list[Values] | None], None]  # a page of rows; None: the end


def _csv_writer(out: IO[str], columns: Sequence[str]) -> Writer:
    # QUOTE_MINIMAL quotes exactly what RFC 4180 says must be quoted: a field holding a
    # comma, a double quote or a line break; a quote inside is doubled.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)

    def write(page: list[Values] | None) -> None:
        if page is not None:
            writer.writerows(page)

    return write


def _json_writer(out: IO[str], columns: Sequence[str]) -> Writer:
    out.write("[")
    first = True

    def write(page: list[Values] | None) -> None:
        nonlocal first
        if page is None:
            out.write("\n]\n" if not first else "]\n")
            return
        for row in page:
            out.write("\n" if first else ",\n")
            first = False
            out.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False))

    return write


def time_text(value: datetime | None) -> str | None:
    """UTC ISO-8601 with milliseconds and a Z, as the local database stores it; what
    importing.parse_time reads back."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _rows_of(repo: Repository, spec: ListSpec) -> tuple[Sequence[str], int, Iterator[list[Values]]]:
    """The list's columns, how many rows it holds now, and its rows a page at a time."""
    text = spec.filter_text
    if spec.kind == "users":
        users = _pages(lambda after: repo.list_users(text, PAGE, after), _user_row)
        return USER_COLUMNS, repo.count_users(text), users
    if spec.kind == "posts":
        if spec.user_id is None:
            raise ValidationError.single("user", "Choose whose posts to export.")
        author = repo.get_user(spec.user_id)
        posts = _pages(
            lambda after: repo.list_posts(author.id, text, PAGE, after),
            lambda post: _post_row(post, author.email),
        )
        return POST_COLUMNS, repo.count_posts(author.id, text), posts
    if spec.post_id is None:
        raise ValidationError.single("post", "Choose the post whose comments to export.")
    post_id = repo.get_post(spec.post_id).id
    comments = _pages(lambda after: repo.list_comments(post_id, PAGE, after), _comment_row)
    return COMMENT_COLUMNS, repo.count_comments(post_id), comments


def _pages(
    fetch: Callable[[Any], Page[R, Any]], row: Callable[[R], Values]
) -> Iterator[list[Values]]:
    """Every page of a keyset-paged list, each page's records as rows of values."""
    page = fetch(None)
    yield [row(record) for record in page.items]
    while page.after is not None:
        page = fetch(page.after)
        yield [row(record) for record in page.items]


def _user_row(user: User) -> Values:
    return (user.id, user.name, user.email, time_text(user.created_at), user.post_count)


def _post_row(post: Post, email: str) -> Values:
    created = time_text(post.created_at)
    return (post.id, email, post.title, post.content, created, post.comment_count)


def _comment_row(comment: Comment) -> Values:
    return (comment.id, comment.post_id, comment.body)
