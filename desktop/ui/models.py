"""Paged item models over the data layer.

Each model holds only the rows fetched so far, as records plus their display strings
(computed once per page, so `data()` does no work per cell). Pages come from the worker
thread through the repository's keyset cursors, as the view scrolls (`fetchMore`).
Scrolling through a long list keeps at most about `keep_rows` of them: rows far from the
ones on screen become placeholders again and are read again if they come back into view,
so memory stays bounded however many rows a person scrolls past.
A new query (a filter, another user or post) starts a new generation: answers to the old
one that are still on their way are dropped.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from desktop.store.errors import StoreError
from desktop.store.records import (
    COMMENTS_AS_WRITTEN,
    POSTS_NEWEST_FIRST,
    USERS_BY_NAME,
    Comment,
    CommentCursor,
    KeyCursor,
    Order,
    Page,
    Post,
    PostCursor,
    User,
    UserCursor,
)
from desktop.store.repository import Counted, Repository
from desktop.store.sorting import Later
from desktop.store.validation import trimmed
from desktop.ui.worker import Worker

Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R", User, Post, Comment)
PAGE_SIZE = 100
# Loaded rows kept around the rows on screen. A row costs about 600 bytes (a post: record,
# strings, date, display strings, index entry): 10,000 rows are a few MB, while the heavy
# user's 100,000 posts scrolled through held 64 MB. Kept rows scroll back without a read.
KEEP_ROWS = 10_000
RESYNC_MARGIN = 10  # rows above the first one on screen read again after an outside change
# Cells repainted per turn of the event loop after an outside change. Qt lays out each
# cell's text as it paints it (some 80 µs a cell here): a screenful of renamed users
# repainted at once stalled the window 3-7 ms, more on a loaded machine; a few rows per
# turn keep each turn short, and the last of them is painted a few milliseconds later.
REPAINT_CELLS = 24
RecordRole = Qt.ItemDataRole.UserRole
# The roles data() answers, as plain ints: comparing the int Qt passes with an enum member
# costs more than the rest of a cell's answer.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
_RECORD = int(RecordRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


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
    return trimmed(text).split("\n", 1)[0]


@dataclass(frozen=True)
class Query:
    """What a model lists: its parent record (if any), a filter text and the order (None:
    the model's current one; set_query fills it in)."""

    parent_id: int | None = None
    filter_text: str = ""
    order: Order | None = None


@dataclass(frozen=True)
class Resync(Generic[R]):
    """The part of a list on screen as the database has it now, read after someone else
    changed the list (see PagedModel.read_window)."""

    query: Query
    total: int
    start: int  # the row of records[0]
    records: list[R]
    cells: list[tuple[str, ...]]  # each record's display strings, made on the worker
    anchor: tuple[int, int] | None  # a record that was on screen, and its row now
    selected: tuple[int, int | None, R | None] | None  # id, row now (None: gone), record


@dataclass(frozen=True)
class FirstRows(Generic[R]):
    """A list's first page, its rows' display strings and the list's length, read before
    the list asked for them (an open reads the users' with its checks, in the same round
    trip): set_query shows them instead of reading."""

    page: Page[R, Any]
    cells: list[tuple[str, ...]]
    total: int
    limit: int  # the page size they were read with


@dataclass(frozen=True)
class Listing(Generic[R]):
    """A whole new list read at once (see PagedModel.read_listing): its length, one page of
    it around the kept record and where that record stands (None: not listed, or none
    was asked for)."""

    query: Query
    total: int | None  # None: not counted yet (a filtered list)
    start: int  # the row of page.items[0]
    page: Page[R, Any]
    cells: list[tuple[str, ...]]
    position: int | None
    token: int


class PagedModel(QAbstractTableModel, Generic[R]):
    """Rows of one record type, loaded a page at a time through the worker.

    The first page comes by keyset; once the database has said how many rows there are,
    `rowCount()` is that number, so the scroll bar shows the whole list from the start.
    Rows not loaded yet are placeholders (None); the view asks for the rows it shows
    (`ensure_rows`): right after loaded rows they come by keyset from the last one, anywhere
    else (a scroll-bar drag, Ctrl+End) from their position.
    """

    headers: tuple[str, ...] = ()
    numeric_columns: frozenset[int] = frozenset()
    order_keys: tuple[str, ...] = ()  # the Order key each column sorts by
    default_order: Order = USERS_BY_NAME
    order_chosen = Signal(object)  # the new Order, once the person picked it
    loading_changed = Signal(bool)
    total_changed = Signal(int)
    page_loaded = Signal()
    rows_loaded = Signal(int, int)  # first and last row that just got their records
    failed = Signal(object)

    def __init__(
        self, worker: Worker, page_size: int = PAGE_SIZE, keep_rows: int = KEEP_ROWS
    ) -> None:
        super().__init__()
        self.worker = worker
        self.page_size = page_size
        self.keep_rows = max(keep_rows, 2 * page_size)
        # The id of a record whose row is never dropped (the one a form shows): saving or
        # deleting it finds its row by id, and a placeholder there would make a second row.
        self.kept_id: Callable[[], int | None] = _no_record
        self.query: Query | None = None
        self._rows: list[R | None] = []
        self._cells: list[tuple[str, ...] | None] = []
        # record id -> row, kept as rows are filled; None once rows moved (rebuilt when
        # next asked): selecting by id must not walk 100,000 loaded rows.
        self._where: dict[int, int] | None = {}
        self._cursors: dict[int, Any] = {}  # row -> the cursor a page ended with there
        self._inflight: list[tuple[int, int]] = []  # [start, end) ranges being fetched
        self._ended = False  # a page said there is nothing after it
        self._generation = 0
        self._listing = 0  # read_listing's newest request: an older answer is dropped
        self._wanted: tuple[int, int] | None = None  # the rows the view last asked for
        self._spread = (0, 0)  # [low, high): every loaded row lies within
        self._arrived = 0  # rows that came in pages since the farthest were last dropped
        self.total: int | None = None
        self.order = self.default_order
        self._placeholder = ("…",) + ("",) * (len(self.headers) - 1)
        # Cells whose text changed, still to be repainted: (first row, last row, first
        # column, last column), one piece per turn of the event loop.
        self._repaints: deque[tuple[int, int, int, int]] = deque()
        self._repaint_pump = QTimer(self)
        self._repaint_pump.setSingleShot(True)
        self._repaint_pump.setInterval(0)
        self._repaint_pump.timeout.connect(self._repaint_next)

    # -- what subclasses say -----------------------------------------------------------------
    def fetch_page(self, repo: Repository, query: Query, after: Any, limit: int) -> Page[R, Any]:
        raise NotImplementedError

    def fetch_at(
        self, repo: Repository, query: Query, position: int, limit: int, total: int | None
    ) -> Page[R, Any]:
        """Rows from `position`; with the list's `total`, one near the end may be read from
        there."""
        raise NotImplementedError

    def start_count(self, repo: Repository, query: Query) -> Later[int]:
        """The list's length, started now and read when called (Repository.together())."""
        raise NotImplementedError

    def start_first_page(self, repo: Repository, query: Query, limit: int) -> Later[Page[R, Any]]:
        """fetch_page's first page, started now and read when called."""
        raise NotImplementedError

    def start_position(self, repo: Repository, query: Query, record_id: int) -> Later[int | None]:
        """Where a fresh `query` lists the record (None: it does not), started now and read
        when called."""
        raise NotImplementedError

    def count(self, repo: Repository, query: Query) -> int:
        with repo.reading():
            return self.start_count(repo, query)()

    def fetch_counted(self, repo: Repository, query: Query, limit: int) -> Counted[R, Any]:
        """The first page of an unfiltered list in the default order and the list's length,
        read together."""
        raise NotImplementedError

    def cells(self, record: R) -> tuple[str, ...]:
        raise NotImplementedError

    def cursor_of(self, record: R) -> Any:
        """The keyset cursor that continues after `record`."""
        raise NotImplementedError

    def position_of(self, repo: Repository, query: Query, record_id: int) -> int | None:
        """Where a fresh `query` lists the record (None: it does not)."""
        with repo.reading():
            return self.start_position(repo, query, record_id)()

    def empty_text(self) -> str:
        return ""

    # -- order -------------------------------------------------------------------------------
    def order_of(self, query: Query) -> Order:
        return query.order or self.order

    def set_order(self, order: Order) -> None:
        """Sort the next list this way (a remembered order); the rows on show stay."""
        if order.key in self.order_keys:
            self.order = order

    def sort_column(self) -> int:
        return self.order_keys.index(self.order.key)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click or a shortcut: from now on list in this order. The rows are read
        again by whoever listens to order_chosen (the database sorts, never Python)."""
        if not 0 <= column < len(self.order_keys):
            return
        chosen = Order(self.order_keys[column], order == Qt.SortOrder.DescendingOrder)
        if chosen != self.order:
            self.order = chosen
            self.order_chosen.emit(chosen)

    # -- queries -----------------------------------------------------------------------------
    def set_query(self, query: Query | None, first: FirstRows[R] | None = None) -> None:
        """List something else (None: nothing); the rows reload from the first page, or are
        `first` where that is the list asked for (unfiltered, in the default order)."""
        if query is not None:
            if query.order is None:
                query = replace(query, order=self.order)
            else:
                self.order = query.order
        self._listing += 1  # a listing read before this must not replace it
        self.beginResetModel()
        self._new_list(query, 0)
        self._ended = query is None
        self.endResetModel()
        self._set_total(None)
        self.loading_changed.emit(False)
        if query is None:
            return
        if trimmed(query.filter_text) or query.order != self.default_order:
            self._fetch(0, None)  # the first page before the count: it is what people see
            self._request_count()
        elif first is not None and first.limit == self.page_size:
            self._show_first(first)
        else:
            self._fetch(0, None, counted=True)  # both cheap: one round trip for the two

    def _show_first(self, first: FirstRows[R]) -> None:
        """Rows read ahead, shown as a worker's answer is: from the event loop, after the
        caller of set_query has done what follows it."""
        generation, span = self._generation, (0, first.limit)
        self._on_its_way(span)
        QTimer.singleShot(
            0,
            self,
            lambda: self._counted_arrived(generation, span, first.page, first.cells, first.total),
        )

    def read_listing(
        self,
        query: Query,
        keep_id: int | None,
        ready: Callable[[Listing[R]], None],
    ) -> None:
        """Read `query` in one worker operation: where record `keep_id` stands in it and the
        page around that place (the first page without it), with the list's length when
        that is cheap (no filter). The rows on show stay until `ready` is called with the
        answer, which shows it with show_listing (or not): a new order or filter costs one
        trip to the database, one reset and one paint, with no placeholder rows painted in
        between. When the list does not hold the kept record, the answer has no position
        and its first page (what the list shows once the record is let go). A filtered
        list is counted after it is shown, as set_query does: the count tries the filter
        on every row."""
        if query.order is None:
            query = replace(query, order=self.order)
        self._listing += 1
        token, limit = self._listing, self.page_size
        # Another order of the rows on show (a sort): their number is known, and counting
        # them again cost a server a scan of the list (100,000 users: 4 ms) at every sort.
        known = self.total if self._same_rows(query) else None
        counted = known is None and not trimmed(query.filter_text)

        def operation(repo: Repository) -> Listing[R]:
            with repo.reading():
                return read(repo)

        def read(repo: Repository) -> Listing[R]:
            # The place, the length and the first page travel to a server together, one
            # round trip: the first page is the one shown unless the kept record stands
            # further down (then one more). Where reads do not travel together, the page
            # waits for the place, and is read only where it is the one shown.
            first: Later[Page[R, Any]] | None = None
            with repo.together():
                placed = None if keep_id is None else self.start_position(repo, query, keep_id)
                length = self.start_count(repo, query) if counted else None
                if placed is None or repo.reads_travel_together:
                    first = self.start_first_page(repo, query, limit)
            position = None if placed is None else placed()
            total = known if length is None else length()
            # The kept row with rows on both sides of it: it may end up at the top of the
            # screen (the top record kept) or anywhere on it (the selection kept).
            start = 0 if position is None else max(0, position - limit // 2)
            if start > 0:
                page = self.fetch_at(repo, query, start, limit, total)
            elif first is not None:
                page = first()
            else:
                page = self.fetch_page(repo, query, None, limit)
            cells = [self.cells(record) for record in page.items]
            return Listing(query, total, start, page, cells, position, token)

        def arrived(listing: Listing[R]) -> None:
            self.loading_changed.emit(self.loading)
            if listing.token == self._listing:
                ready(listing)

        def failed(error: StoreError) -> None:
            self.loading_changed.emit(self.loading)
            if token == self._listing:
                self.failed.emit(error)

        self.loading_changed.emit(True)
        self.worker.submit(operation, arrived, failed, owner=self)

    def _same_rows(self, query: Query) -> bool:
        """Whether `query` lists the rows on show (in any order), counted already."""
        shown = self.query
        return (
            shown is not None
            and self.total is not None
            and self.total >= 0
            and (shown.parent_id, shown.filter_text) == (query.parent_id, query.filter_text)
        )

    def is_latest(self, listing: Listing[R]) -> bool:
        """Whether no other listing was asked for since `listing` (show_listing shows it)."""
        return listing.token == self._listing

    def show_listing(self, listing: Listing[R]) -> None:
        """Show what read_listing read, in place of whatever is shown (unless another
        listing was asked for since)."""
        if not self.is_latest(listing):
            return
        page, start = listing.page, listing.start
        end = start + len(page.items)
        total = end if listing.total is None else max(listing.total, end)
        self.beginResetModel()
        self._new_list(listing.query, total)
        self.order = listing.query.order or self.order
        for offset, (record, cells) in enumerate(zip(page.items, listing.cells, strict=True)):
            self._put(start + offset, record, cells)
        self._spread = (start, end)
        if page.after is not None and page.items:
            self._cursors[end - 1] = page.after
        self.endResetModel()
        self._set_total(None)  # a new list, as set_query says (a filter's count is announced)
        if page.after is None:
            self._set_total(total)
            self._list_ends_at(end)  # rows counted past the last page went since
        elif listing.total is None:
            self._request_count()  # the rows after the page stay unknown till it comes
        else:
            self._set_total(total)
        self.loading_changed.emit(False)
        if page.items:
            self.rows_loaded.emit(start, min(end, len(self._rows)) - 1)
        self.page_loaded.emit()

    def _new_list(self, query: Query | None, size: int) -> None:
        """Inside a model reset: `query`'s list of `size` rows, none of them loaded yet, and
        nothing still on its way or queued for the list before it."""
        self._generation += 1
        self._forget_repaints()
        self.query = query
        self._rows, self._cells = [None] * size, [None] * size
        self._where = {}
        self._cursors.clear()
        self._inflight.clear()
        self._ended = False
        self._wanted, self._spread, self._arrived = None, (0, 0), 0

    @property
    def loading(self) -> bool:
        return bool(self._inflight)

    @property
    def exhausted(self) -> bool:
        """True once every row of the list is known (loaded or counted)."""
        return self._ended or self.total is not None

    @property
    def loaded_count(self) -> int:
        return sum(record is not None for record in self._rows)

    # -- Qt's model interface ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

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
        return self._answer(index.row(), index.column(), int(role))

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        """Every role a delegate asks for a cell, in one call: painting a cell asks for
        seven, and seven calls into Python per cell is most of what a repaint costs."""
        if not index.isValid():
            return
        row, column = index.row(), index.column()
        for role_data in roleDataSpan:
            value = self._answer(row, column, role_data.role())
            # Qt hands the same span from cell to cell: a role left unanswered must be
            # cleared, or the previous cell's answer (a right alignment) stays.
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def _answer(self, row: int, column: int, role: int) -> Any:
        if role in (_DISPLAY, _TOOLTIP):
            cells = self._cells[row]
            if cells is None:
                # Not loaded, or kept from before someone else's change until read again.
                record = self._rows[row]
                cells = self._placeholder if record is None else self.cells(record)
            return cells[column]
        if role == _ALIGNMENT:
            return _RIGHT if column in self.numeric_columns else None
        if role == _RECORD:
            return self._rows[row]
        if role == _ACCESSIBLE_TEXT:
            # A screen reader reads a row cell by cell: "Email: ada@…" says what "ada@…" is.
            cells = self._cells[row] or self._placeholder
            return f"{self.headers[column]}: {cells[column]}"
        return None

    def canFetchMore(self, parent: Index) -> bool:
        # Only until the count is known: after that every row is there as a placeholder.
        return not parent.isValid() and not self.exhausted and not self._inflight

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent) and self._rows:
            last = len(self._rows) - 1
            self._fetch(last + 1, self._cursor_after(last))

    def ensure_rows(self, first: int, last: int) -> None:
        """Load whatever rows in first..last are still placeholders (or kept from before
        someone else's change: their cells are None until they are read again)."""
        if self.query is None or not self._rows:
            return
        first, last = max(0, first), min(len(self._rows) - 1, last)
        self._wanted = (first, last)
        row = first
        while row <= last:
            if self._cells[row] is not None or self._in_flight(row):
                row += 1
                continue
            end = row + 1
            while (
                end < len(self._rows)
                and end - row < self.page_size
                and self._cells[end] is None
                and not self._in_flight(end)
            ):
                end += 1
            self._fetch(row, self._cursor_after(row - 1) if row > 0 else None)
            row = end

    # -- rows --------------------------------------------------------------------------------
    def record(self, row: int) -> R | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, record_id: int) -> int | None:
        for _attempt in range(2):
            where = self._where
            if where is None:
                where = self._where = {}
                for at, record in enumerate(self._rows):
                    if record is not None:
                        where.setdefault(record.id, at)
            row = where.get(record_id)
            if row is None:
                return None
            found = self._rows[row] if row < len(self._rows) else None
            if found is not None and found.id == record_id:
                return row
            self._where = None  # a row was overwritten since: look again, from scratch
        return None

    def _put(self, row: int, record: R, cells: tuple[str, ...]) -> None:
        self._rows[row] = record
        self._cells[row] = cells
        if self._where is not None:
            self._where[record.id] = row

    def _rows_moved(self) -> None:
        self._where = None
        self._spread = (0, len(self._rows))  # rows shifted: any row may hold a record
        self._forget_repaints()

    def _loaded_between(self, first: int, end: int) -> None:
        low, high = self._spread
        self._spread = (first, end) if low == high else (min(low, first), max(high, end))

    def _drop_far_rows(self, start: int, end: int) -> None:
        """Once half a window of rows came in pages, forget the loaded rows farther than
        half a window from the rows the view last asked for (or from the page just in,
        rows start..end-1)."""
        self._arrived += end - start
        if self._arrived < self.keep_rows // 2:
            return
        self._arrived = 0
        first, last = self._wanted or (start, end - 1)
        # Never the rows asked for: nothing would ask for them again until the next scroll.
        keep_from = max(0, min(first, (first + last) // 2 - self.keep_rows // 2))
        keep_to = max(last + 1, keep_from + self.keep_rows)
        low, high = self._spread
        self._spread = (0, 0)  # made again from the rows that stay
        inner = max(low, keep_from), min(high, keep_to)
        if inner[0] < inner[1]:
            self._loaded_between(*inner)
        self._forget(low, min(high, keep_from))
        self._forget(max(low, keep_to), high)

    def _forget(self, first: int, end: int) -> None:
        """Rows first..end-1 become placeholders (but the kept record's), read again when
        seen."""
        rows, cells, where = self._rows, self._cells, self._where
        end = min(end, len(rows))
        kept = self.kept_id()
        dropped = []
        for row in range(first, end):
            record = rows[row]
            if record is None:
                continue
            if record.id == kept:
                self._loaded_between(row, row + 1)
                continue
            rows[row] = cells[row] = None
            dropped.append(row)
            if where is not None and where.get(record.id) == row:
                del where[record.id]
        if not dropped:
            return
        for row in [row for row in self._cursors if first <= row < end]:
            del self._cursors[row]
        self.dataChanged.emit(
            self.index(dropped[0], 0), self.index(dropped[-1], len(self.headers) - 1)
        )

    def update_record(self, record: R) -> None:
        """Show a saved record in place; its row keeps its position and selection."""
        row = self.row_of(record.id)
        if row is None:
            return
        self._put(row, record, self.cells(record))
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.headers) - 1))

    def place(self, record: R, position: int | None) -> int | None:
        """Put a saved record at `position`, where the database orders it in this list
        (None: the list does not hold it, so it leaves). The rows before it need not be
        loaded: the loaded rows stay those a fresh query gives. Returns its row, or None
        when it is not among the rows (yet: a later page brings it)."""
        old = self.row_of(record.id)
        if old is not None and old == position:
            self.update_record(record)
            return old
        if old is not None:
            self.remove_record(record.id)
        if position is None or position > len(self._rows):
            return None
        if position == len(self._rows) and not self.exhausted:
            return None  # after the last loaded row of a list that goes on: fetchMore brings it
        return self.insert_record(record, position)

    def insert_record(self, record: R, row: int) -> int:
        row = max(0, min(row, len(self._rows)))
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, record)
        self._cells.insert(row, self.cells(record))
        self._rows_moved()
        self._cursors.clear()  # rows moved; cursors come from the records again
        self.endInsertRows()
        if self.total is not None:
            self._set_total(self.total + 1)
        return row

    def remove_record(self, record_id: int) -> int | None:
        row = self.row_of(record_id)
        if row is None:
            return None
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        del self._cells[row]
        self._rows_moved()
        self._cursors.clear()
        self.endRemoveRows()
        if self.total is not None:
            self._set_total(max(0, self.total - 1))
        return row

    # -- following someone else's changes --------------------------------------------------
    def read_window(
        self,
        repo: Repository,
        query: Query,
        anchors: list[int],
        selected: int | None,
        fallback: int,
    ) -> Resync[R]:
        """On the worker: the list's length now, where the first of `anchors` (records on
        screen, top first) and `selected` stand now, and a page of rows from just above
        the anchor (or from row `fallback` when none of them is listed any more). Rows
        elsewhere are not read: a change there costs nothing until they are seen."""
        total = self.count(repo, query)
        anchor = None
        for record_id in anchors:
            position = self.position_of(repo, query, record_id)
            if position is not None:
                anchor = (record_id, position)
                break
        first = anchor[1] if anchor is not None else min(fallback, max(0, total - 1))
        start = max(0, first - RESYNC_MARGIN)
        records = self.fetch_at(repo, query, start, self.page_size, total).items if total else []
        chosen = None
        if selected is not None:
            at = self.position_of(repo, query, selected)
            record = None
            if at is not None:
                near = [r for r in records if r.id == selected]
                if not near:
                    near = self.fetch_at(repo, query, at, 1, total).items
                    near = [r for r in near if r.id == selected]
                record = near[0] if near else None
            chosen = (selected, at, record)
        cells = [self.cells(record) for record in records]
        return Resync(query, total, start, records, cells, anchor, chosen)

    def apply_resync(self, fresh: Resync[R]) -> int | None:
        """Show what read_window found. Rows that came or went above the anchor are
        inserted or removed at the top, so the rows on screen keep their records; returns
        their number (the view scrolls by it), or None when the list shows something
        else by now. Rows outside the fresh window become placeholders, loaded when seen."""
        if fresh.query is not self.query:
            return None
        self._generation += 1  # pages still on their way describe the list as it was
        if self._inflight:
            self._inflight.clear()
            self.loading_changed.emit(False)
        shift = 0
        if fresh.anchor is not None:
            old = self.row_of(fresh.anchor[0])
            shift = 0 if old is None else fresh.anchor[1] - old
        if shift > 0:
            self.beginInsertRows(QModelIndex(), 0, shift - 1)
            self._rows[:0] = [None] * shift
            self._cells[:0] = [None] * shift
            self._rows_moved()
            self.endInsertRows()
        elif shift < 0:
            self._drop_rows(0, -shift)
        total = max(fresh.total, fresh.start + len(fresh.records))
        if len(self._rows) < total:
            self._grow(total)
        elif len(self._rows) > total:
            self._drop_rows(total, len(self._rows) - total)
        window = range(fresh.start, min(total, fresh.start + len(fresh.records)))
        old_cells = self._cells
        before = {row: (self._rows[row], old_cells[row]) for row in window}
        self._cells = [None] * total
        for offset, (record, cells) in enumerate(zip(fresh.records, fresh.cells, strict=True)):
            self._put(fresh.start + offset, record, cells)
        self._loaded_between(window.start, window.stop)
        if fresh.selected is not None:
            _id, at, chosen = fresh.selected
            if at is not None and chosen is not None and at < total:
                before.setdefault(at, (self._rows[at], old_cells[at]))
                self._put(at, chosen, self.cells(chosen))
                self._loaded_between(at, at + 1)
        self._cursors.clear()
        self._ended = False
        # Rows outside the window keep their records and so look the same: no repaint.
        self._repaint_changed(before)
        self._set_total(total)
        return shift

    def _repaint_changed(self, before: dict[int, tuple[R | None, tuple[str, ...] | None]]) -> None:
        """dataChanged for the cells whose text differs from `before` (row -> record and
        its display strings then), in runs of rows over the columns that changed: a burst
        of outside changes costs the window the repaint of what looks different and no
        more (a rename repaints a name, a new version of the same text nothing). The runs
        go out in pieces of about REPAINT_CELLS cells, the first now and one per turn of
        the event loop after it."""
        spans: dict[int, tuple[int, int]] = {}
        for row, (old, old_cells) in before.items():
            span = self._changed_columns(old, old_cells, row)
            if span is not None:
                spans[row] = span
        rows = sorted(spans)
        while rows:
            first = last = rows.pop(0)
            low, high = spans[first]
            while rows and rows[0] == last + 1:
                last = rows.pop(0)
                low, high = min(low, spans[last][0]), max(high, spans[last][1])
            self._repaints.extend(_pieces(first, last, low, high))
        if not self._repaint_pump.isActive():
            self._repaint_next()

    def _repaint_next(self) -> None:
        if not self._repaints:
            return
        first, last, low, high = self._repaints.popleft()
        last = min(last, len(self._rows) - 1)
        if first <= last:
            self.dataChanged.emit(self.index(first, low), self.index(last, high))
        if self._repaints:
            self._repaint_pump.start()

    def _forget_repaints(self) -> None:
        """Rows came, went or moved: the view repaints all it shows by itself (Qt lays the
        rows out again), and the pieces still to go name rows that may stand elsewhere."""
        self._repaints.clear()
        self._repaint_pump.stop()

    def _changed_columns(
        self, old: R | None, old_cells: tuple[str, ...] | None, row: int
    ) -> tuple[int, int] | None:
        """The first and last column whose text at `row` changed (None: none did)."""
        new, cells = self._rows[row], self._cells[row]
        if old is None or new is None or old_cells is None or cells is None:
            return None if old == new else (0, len(self.headers) - 1)
        pairs = enumerate(zip(old_cells, cells, strict=True))
        differ = [column for column, (was, now) in pairs if was != now]
        return (differ[0], differ[-1]) if differ else None

    def _drop_rows(self, first: int, count: int) -> None:
        self.beginRemoveRows(QModelIndex(), first, first + count - 1)
        del self._rows[first : first + count]
        del self._cells[first : first + count]
        self._rows_moved()
        self.endRemoveRows()

    # -- fetching ------------------------------------------------------------------------------
    def _cursor_after(self, row: int) -> Any:
        """A keyset cursor after `row`, or None when that row is not loaded (or may stand
        elsewhere since someone else's change)."""
        record = self.record(row)
        if record is None or self._cells[row] is None:
            return None
        return self._cursors.get(row) or self.cursor_of(record)

    def _in_flight(self, row: int) -> bool:
        return any(start <= row < end for start, end in self._inflight)

    def _fetch(self, start: int, after: Any, *, counted: bool = False) -> None:
        """One page from row `start`: by keyset after `after`, or by position without it;
        `counted`: the first page with the list's length."""
        query = self.query
        assert query is not None
        generation, limit, total = self._generation, self.page_size, self.total
        span = (start, start + limit)
        self._on_its_way(span)
        if counted:
            self.worker.submit(
                lambda repo: self._with_cells(self.fetch_counted(repo, query, limit)),
                lambda answer: self._counted_arrived(generation, span, *answer),
                lambda error: self._page_failed(generation, span, error),
                owner=self,
            )
            return

        def operation(repo: Repository) -> tuple[Page[R, Any], list[tuple[str, ...]]]:
            if after is not None or start == 0:
                page = self.fetch_page(repo, query, after, limit)
            else:
                page = self.fetch_at(repo, query, start, limit, total)
            # The display strings are made here, on the worker: the GUI thread only paints.
            return page, [self.cells(record) for record in page.items]

        self.worker.submit(
            operation,
            lambda answer: self._page_arrived(generation, span, *answer),
            lambda error: self._page_failed(generation, span, error),
            owner=self,
        )

    def _on_its_way(self, span: tuple[int, int]) -> None:
        """The rows of `span` are on their way: the list is loading until they land."""
        was_loading = self.loading
        self._inflight.append(span)
        if not was_loading:
            self.loading_changed.emit(True)

    def _with_cells(
        self, counted: Counted[R, Any]
    ) -> tuple[Page[R, Any], list[tuple[str, ...]], int]:
        """On the worker, as for any page: the display strings of the first page's rows."""
        page, total = counted
        return page, [self.cells(record) for record in page.items], total

    def _counted_arrived(
        self,
        generation: int,
        span: tuple[int, int],
        page: Page[R, Any],
        cells: list[tuple[str, ...]],
        total: int,
    ) -> None:
        if generation == self._generation and page.after is not None and total > len(self._rows):
            # The whole length in one insert, before the page fills its first rows: the view
            # lays the list out once, not for the page and again for the count.
            self._grow(total)
        self._page_arrived(generation, span, page, cells)
        self._count_arrived(generation, total)

    def _landed(self, span: tuple[int, int]) -> None:
        if span in self._inflight:
            self._inflight.remove(span)
        if not self._inflight:
            self.loading_changed.emit(False)

    def _page_arrived(
        self,
        generation: int,
        span: tuple[int, int],
        page: Page[R, Any],
        cells: list[tuple[str, ...]],
    ) -> None:
        if generation != self._generation:
            return
        self._landed(span)
        start, count = span[0], len(page.items)
        end = start + count
        if end > len(self._rows):
            self._grow(end)
        for offset, (record, shown) in enumerate(zip(page.items, cells, strict=True)):
            self._put(start + offset, record, shown)
        self._loaded_between(start, end)
        if page.after is not None and count:
            self._cursors[end - 1] = page.after
        elif page.after is None:
            self._list_ends_at(end)
        if count:
            last = min(end, len(self._rows)) - 1
            self.dataChanged.emit(self.index(start, 0), self.index(last, len(self.headers) - 1))
            self.rows_loaded.emit(start, last)
            self._drop_far_rows(start, last + 1)
        self.page_loaded.emit()

    def _list_ends_at(self, end: int) -> None:
        """A page said nothing follows row end-1: rows counted beyond it were deleted since."""
        self._ended = True
        if self.total is not None and end < len(self._rows):
            self._forget_repaints()
            self.beginRemoveRows(QModelIndex(), end, len(self._rows) - 1)
            del self._rows[end:]
            del self._cells[end:]
            self.endRemoveRows()
            self._set_total(end)

    def _grow(self, size: int) -> None:
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, size - 1)
        if first == 0:
            # A list's whole length at once (its count with its first page): new lists of
            # placeholders are made at memory speed, where extending the empty ones went
            # through temporary lists (1 ms of the window's time for 100,000 rows).
            self._rows, self._cells = [None] * size, [None] * size
        else:
            self._rows.extend(itertools.repeat(None, size - first))
            self._cells.extend(itertools.repeat(None, size - first))
        self.endInsertRows()

    def _page_failed(self, generation: int, span: tuple[int, int], error: StoreError) -> None:
        if generation != self._generation:
            return
        self._landed(span)
        self.failed.emit(error)

    def _request_count(self) -> None:
        generation, query = self._generation, self.query
        assert query is not None
        self.worker.submit(
            lambda repo: self.count(repo, query),
            lambda total: self._count_arrived(generation, total),
            lambda error: self._page_failed(generation, (-1, -1), error),
            owner=self,
        )

    def _count_arrived(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        if self._ended:  # the pages already reached the end: that is the true length
            total = len(self._rows)
        elif total > len(self._rows):
            self._grow(total)
        self._set_total(max(total, len(self._rows)))

    def _set_total(self, total: int | None) -> None:
        self.total = total
        self.total_changed.emit(-1 if total is None else total)


def _no_record() -> int | None:
    return None


def _pieces(first: int, last: int, low: int, high: int) -> Iterator[tuple[int, int, int, int]]:
    """Rows first..last over columns low..high, cut into pieces of about REPAINT_CELLS."""
    step = max(1, REPAINT_CELLS // (high - low + 1))
    for top in range(first, last + 1, step):
        yield top, min(last, top + step - 1), low, high


class UsersModel(PagedModel[User]):
    headers = ("Name", "Email", "Posts")
    numeric_columns = frozenset({2})
    order_keys = ("name", "email", "posts")
    default_order = USERS_BY_NAME

    def fetch_page(self, repo: Repository, query: Query, after: Any, limit: int) -> Page[User, Any]:
        return repo.list_users(query.filter_text, limit, after, order=self.order_of(query))

    def fetch_at(
        self, repo: Repository, query: Query, position: int, limit: int, total: int | None
    ) -> Page[User, Any]:
        order = self.order_of(query)
        return repo.users_at(position, query.filter_text, limit, order=order, total=total)

    def cursor_of(self, record: User) -> UserCursor | KeyCursor:
        order = self.order_of(self.query or Query())
        if order == USERS_BY_NAME:
            return UserCursor(record.name, record.id)
        values: dict[str, str | int] = {
            "name": record.name,
            "email": record.email,
            "posts": record.post_count,
        }
        return KeyCursor(values[order.key], record.id)

    def start_count(self, repo: Repository, query: Query) -> Later[int]:
        return repo.start_count_users(query.filter_text)

    def start_first_page(
        self, repo: Repository, query: Query, limit: int
    ) -> Later[Page[User, Any]]:
        return repo.start_first_users(query.filter_text, limit, self.order_of(query))

    def fetch_counted(self, repo: Repository, query: Query, limit: int) -> Counted[User, Any]:
        return repo.first_users(limit)

    def start_first_rows(self, repo: Repository) -> Later[FirstRows[User]]:
        """The first rows of all users by name and their number, started now and read when
        called (FirstRows; Repository.start_counted_users). Called from the thread that
        opens a database: it reads nothing of the model but its page size."""
        limit = self.page_size
        counted = repo.start_counted_users(limit)

        def rows() -> FirstRows[User]:
            return FirstRows(*self._with_cells(counted()), limit)

        return rows

    def start_position(self, repo: Repository, query: Query, record_id: int) -> Later[int | None]:
        return repo.start_user_position(record_id, query.filter_text, order=self.order_of(query))

    def cells(self, record: User) -> tuple[str, ...]:
        return record.name, record.email, f"{record.post_count:,}"

    def empty_text(self) -> str:
        if self.query and self.query.filter_text:
            return f"No user has a name or email containing “{self.query.filter_text}”."
        return "No users yet — press Ctrl+N to add one."


class PostsModel(PagedModel[Post]):
    headers = ("Title", "Date")
    order_keys = ("title", "date")
    default_order = POSTS_NEWEST_FIRST

    def fetch_page(self, repo: Repository, query: Query, after: Any, limit: int) -> Page[Post, Any]:
        assert query.parent_id is not None
        order = self.order_of(query)
        return repo.list_posts(query.parent_id, query.filter_text, limit, after, order=order)

    def fetch_at(
        self, repo: Repository, query: Query, position: int, limit: int, total: int | None
    ) -> Page[Post, Any]:
        assert query.parent_id is not None
        order = self.order_of(query)
        return repo.posts_at(
            query.parent_id, position, query.filter_text, limit, order=order, total=total
        )

    def cursor_of(self, record: Post) -> PostCursor | KeyCursor:
        if self.order_of(self.query or Query()).key == "title":
            return KeyCursor(record.title, record.id)
        return PostCursor(record.created_at, record.id)

    def start_count(self, repo: Repository, query: Query) -> Later[int]:
        assert query.parent_id is not None
        return repo.start_count_posts(query.parent_id, query.filter_text)

    def start_first_page(
        self, repo: Repository, query: Query, limit: int
    ) -> Later[Page[Post, Any]]:
        assert query.parent_id is not None
        order = self.order_of(query)
        return repo.start_first_posts(query.parent_id, query.filter_text, limit, order)

    def fetch_counted(self, repo: Repository, query: Query, limit: int) -> Counted[Post, Any]:
        assert query.parent_id is not None
        return repo.first_posts(query.parent_id, limit)

    def start_position(self, repo: Repository, query: Query, record_id: int) -> Later[int | None]:
        assert query.parent_id is not None
        order = self.order_of(query)
        return repo.start_post_position(record_id, query.parent_id, query.filter_text, order=order)

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
    order_keys = ("written",)
    default_order = COMMENTS_AS_WRITTEN

    def fetch_page(
        self, repo: Repository, query: Query, after: Any, limit: int
    ) -> Page[Comment, Any]:
        assert query.parent_id is not None
        return repo.list_comments(query.parent_id, limit, after, order=self.order_of(query))

    def fetch_at(
        self, repo: Repository, query: Query, position: int, limit: int, total: int | None
    ) -> Page[Comment, Any]:
        assert query.parent_id is not None
        order = self.order_of(query)
        return repo.comments_at(query.parent_id, position, limit, order=order, total=total)

    def cursor_of(self, record: Comment) -> CommentCursor:
        return CommentCursor(record.id)

    def start_count(self, repo: Repository, query: Query) -> Later[int]:
        assert query.parent_id is not None
        return repo.start_count_comments(query.parent_id)

    def start_first_page(
        self, repo: Repository, query: Query, limit: int
    ) -> Later[Page[Comment, Any]]:
        assert query.parent_id is not None
        return repo.start_first_comments(query.parent_id, limit, self.order_of(query))

    def fetch_counted(self, repo: Repository, query: Query, limit: int) -> Counted[Comment, Any]:
        assert query.parent_id is not None
        return repo.first_comments(query.parent_id, limit)

    def start_position(self, repo: Repository, query: Query, record_id: int) -> Later[int | None]:
        assert query.parent_id is not None
        order = self.order_of(query)
        return repo.start_comment_position(record_id, query.parent_id, order=order)

    def cells(self, record: Comment) -> tuple[str, ...]:
        return (first_line(record.body),)

    def _answer(self, row: int, column: int, role: int) -> Any:
        if role == _TOOLTIP:
            comment = self._rows[row]
            return comment.body if comment is not None else None
        return super()._answer(row, column, role)

    def empty_text(self) -> str:
        if self.query is None:
            return "Select a post to see its comments."
        return "No comments yet — write the first one below."
