"""Paged item models over the data layer.

Each model holds only the rows fetched so far, as records plus their display strings
(computed once per page, so `data()` does no work per cell). Pages come from the worker
thread through the repository's keyset cursors, as the view scrolls (`fetchMore`).
A new query (a filter, another user or post) starts a new generation: answers to the old
one that are still on their way are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop.store.errors import StoreError
from desktop.store.records import Comment, Page, Post, User
from desktop.store.repository import Repository
from desktop.ui.worker import Worker

Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R", User, Post, Comment)
PAGE_SIZE = 100
RecordRole = Qt.ItemDataRole.UserRole


def local_time(value: datetime | None) -> str:
    """A stored instant in the person's own time zone and date format."""
    if value is None:
        return ""
    moment = QDateTime.fromMSecsSinceEpoch(int(value.timestamp() * 1000)).toLocalTime()
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        # The C locale's own short format ("25 11 2026") reads like a typo.
        return moment.toString("yyyy-MM-dd HH:mm")
    return locale.toString(moment, QLocale.FormatType.ShortFormat)


def first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


@dataclass(frozen=True)
class Query:
    """What a model lists: its parent record (if any) and a filter text."""

    parent_id: int | None = None
    filter_text: str = ""


class PagedModel(QAbstractTableModel, Generic[R]):
    """Rows of one record type, loaded a page at a time through the worker."""

    headers: tuple[str, ...] = ()
    numeric_columns: frozenset[int] = frozenset()
    loading_changed = Signal(bool)
    total_changed = Signal(int)
    page_loaded = Signal()
    failed = Signal(object)

    def __init__(self, worker: Worker, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.worker = worker
        self.page_size = page_size
        self.query: Query | None = None
        self._records: list[R] = []
        self._cells: list[tuple[str, ...]] = []
        self._after: Any = None
        self._exhausted = True
        self._loading = False
        self._generation = 0
        self.total: int | None = None

    # -- what subclasses say -----------------------------------------------------------------
    def fetch_page(self, repo: Repository, query: Query, after: Any, limit: int) -> Page[R, Any]:
        raise NotImplementedError

    def count(self, repo: Repository, query: Query) -> int:
        raise NotImplementedError

    def cells(self, record: R) -> tuple[str, ...]:
        raise NotImplementedError

    def empty_text(self) -> str:
        return ""

    # -- queries -----------------------------------------------------------------------------
    def set_query(self, query: Query | None) -> None:
        """List something else (None: nothing); the rows reload from the first page."""
        self._generation += 1
        self.beginResetModel()
        self.query = query
        self._records, self._cells = [], []
        self._after = None
        self._exhausted = query is None
        self.endResetModel()
        self._set_total(None)
        self._set_loading(False)
        if query is not None:
            self._request_count()
            self.fetchMore(QModelIndex())

    def reload(self) -> None:
        self.set_query(self.query)

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    # -- Qt's model interface ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cells[index.row()][index.column()]
        if role == RecordRole:
            return self._records[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.numeric_columns:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent) or self.query is None:
            return
        generation, query, after, limit = self._generation, self.query, self._after, self.page_size
        self._set_loading(True)
        self.worker.submit(
            lambda repo: self.fetch_page(repo, query, after, limit),
            lambda page: self._page_arrived(generation, page),
            lambda error: self._page_failed(generation, error),
            owner=self,
        )

    # -- rows --------------------------------------------------------------------------------
    def record(self, row: int) -> R | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def row_of(self, record_id: int) -> int | None:
        for row, record in enumerate(self._records):
            if record.id == record_id:
                return row
        return None

    def update_record(self, record: R) -> None:
        """Show a saved record in place; its row keeps its position and selection."""
        row = self.row_of(record.id)
        if row is None:
            return
        self._records[row] = record
        self._cells[row] = self.cells(record)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.headers) - 1))

    def insert_record(self, record: R, row: int) -> int:
        row = max(0, min(row, len(self._records)))
        self.beginInsertRows(QModelIndex(), row, row)
        self._records.insert(row, record)
        self._cells.insert(row, self.cells(record))
        self.endInsertRows()
        if self.total is not None:
            self._set_total(self.total + 1)
        return row

    def remove_record(self, record_id: int) -> int | None:
        row = self.row_of(record_id)
        if row is None:
            return None
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._records[row]
        del self._cells[row]
        self.endRemoveRows()
        if self.total is not None:
            self._set_total(max(0, self.total - 1))
        return row

    # -- arrivals ------------------------------------------------------------------------------
    def _page_arrived(self, generation: int, page: Page[R, Any]) -> None:
        if generation != self._generation:
            return
        known = {record.id for record in self._records}
        fresh = [record for record in page.items if record.id not in known]
        if fresh:
            first = len(self._records)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._records.extend(fresh)
            self._cells.extend(self.cells(record) for record in fresh)
            self.endInsertRows()
        self._after = page.after
        self._exhausted = page.after is None
        self._set_loading(False)
        self.page_loaded.emit()

    def _page_failed(self, generation: int, error: StoreError) -> None:
        if generation != self._generation:
            return
        self._exhausted = True  # stop asking until the person refreshes
        self._set_loading(False)
        self.failed.emit(error)

    def _request_count(self) -> None:
        generation, query = self._generation, self.query
        assert query is not None
        self.worker.submit(
            lambda repo: self.count(repo, query),
            lambda total: self._count_arrived(generation, total),
            lambda error: self._page_failed(generation, error),
            owner=self,
        )

    def _count_arrived(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self._set_total(total)

    def _set_total(self, total: int | None) -> None:
        self.total = total
        self.total_changed.emit(-1 if total is None else total)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)


class UsersModel(PagedModel[User]):
    headers = ("Name", "Email", "Posts")
    numeric_columns = frozenset({2})

    def fetch_page(self, repo: Repository, query: Query, after: Any, limit: int) -> Page[User, Any]:
        return repo.list_users(query.filter_text, limit, after)

    def count(self, repo: Repository, query: Query) -> int:
        return repo.count_users(query.filter_text)

    def cells(self, record: User) -> tuple[str, ...]:
        return record.name, record.email, f"{record.post_count:,}"

    def insertion_row(self, user: User) -> int:
        """Where a new user goes among the loaded rows, in name order."""
        for row, record in enumerate(self._records):
            if (record.name, record.id) > (user.name, user.id):
                return row
        return len(self._records)

    def empty_text(self) -> str:
        if self.query and self.query.filter_text:
            return f"No user has a name or email containing “{self.query.filter_text}”."
        return "No users yet — press Ctrl+N to add one."


class PostsModel(PagedModel[Post]):
    headers = ("Title", "Date")

    def fetch_page(self, repo: Repository, query: Query, after: Any, limit: int) -> Page[Post, Any]:
        assert query.parent_id is not None
        return repo.list_posts(query.parent_id, query.filter_text, limit, after)

    def count(self, repo: Repository, query: Query) -> int:
        assert query.parent_id is not None
        return repo.count_posts(query.parent_id, query.filter_text)

    def cells(self, record: Post) -> tuple[str, ...]:
        return record.title, local_time(record.created_at)

    def empty_text(self) -> str:
        if self.query is None:
            return "Select a user to see their posts."
        if self.query.filter_text:
            return f"No post title contains “{self.query.filter_text}”."
        return "No posts yet — press Ctrl+N to write one."


class CommentsModel(PagedModel[Comment]):
    headers = ("Comment",)

    def fetch_page(
        self, repo: Repository, query: Query, after: Any, limit: int
    ) -> Page[Comment, Any]:
        assert query.parent_id is not None
        return repo.list_comments(query.parent_id, limit, after)

    def count(self, repo: Repository, query: Query) -> int:
        assert query.parent_id is not None
        return repo.count_comments(query.parent_id)

    def cells(self, record: Comment) -> tuple[str, ...]:
        return (first_line(record.body),)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            return self._records[index.row()].body
        return super().data(index, role)

    def empty_text(self) -> str:
        if self.query is None:
            return "Select a post to see its comments."
        return "No comments yet — write the first one below."
