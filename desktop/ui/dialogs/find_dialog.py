"""Edit ▸ Find in Posts and Comments…: a search box over every post and comment, and the
posts found, paged from the database as the list scrolls (desktop/store/search.py says what
the words typed mean). Enter or a double-click on a result opens it in the three panes."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.store.errors import StoreError
from desktop.store.records import Page
from desktop.store.repository import Repository
from desktop.store.search import SearchCursor, SearchHit, Snippet, parse
from desktop.ui.announce import announce
from desktop.ui.models import local_time
from desktop.ui.worker import Worker

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 50
SEARCH_DELAY_MS = 250
# The heading counts this far and then says "more than": a common word matches most of a
# million posts, and counting them all would hold the worker (and the next page) for seconds.
COUNT_AT_MOST = 1000
SnippetRole = Qt.ItemDataRole.UserRole + 1
HitRole = Qt.ItemDataRole.UserRole
# The roles data() answers, as plain ints (as desktop/ui/models.py has them): comparing the
# int Qt passes with an enum member costs more than the rest of a cell's answer, and a
# page of results asks a few hundred times at each paint.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
_HIT = int(HitRole)
_SNIPPET = int(SnippetRole)


def snippet_html(found: Snippet) -> str:
    """The snippet with its matched words in bold, everything else escaped."""
    parts: list[str] = []
    last = 0
    for start, end in found.marks:
        parts.append(html.escape(found.text[last:start]))
        parts.append(f"<b>{html.escape(found.text[start:end])}</b>")
        last = end
    parts.append(html.escape(found.text[last:]))
    return "".join(parts)


class SearchResults(QAbstractTableModel):
    """The posts found, a keyset page at a time (one query a page); the total comes after
    the first page, in a query of its own that counts no further than COUNT_AT_MOST + 1."""

    headers = ("Title", "Author", "Date", "Match")
    total_changed = Signal(object)  # int, or None while counting
    failed = Signal(object)

    def __init__(self, worker: Worker, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.worker = worker
        self.page_size = page_size
        self.text = ""
        self.total: int | None = None
        self._hits: list[SearchHit] = []
        self._cells: list[tuple[str, str, str, str]] = []
        self._after: SearchCursor | None = None
        self._ended = True
        self._loading = False
        self._generation = 0

    def search(self, text: str) -> None:
        self._generation += 1
        self.beginResetModel()
        self.text = text
        self._hits, self._cells = [], []
        self._after, self._ended, self._loading = None, False, False
        self.endResetModel()
        self._set_total(None)
        if parse(text).empty:
            self._ended = True
            self._set_total(0)
            return
        self._fetch()
        generation = self._generation
        self.worker.submit(
            lambda repo: repo.count_search(text, at_most=COUNT_AT_MOST),
            lambda total: self._counted(generation, total),
            lambda error: self._failed(generation, error),
            owner=self,
        )

    @property
    def complete(self) -> bool:
        """Every page is in: the rows are the exact count."""
        return self._ended

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    # -- Qt's model interface ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

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
        row, column = index.row(), index.column()
        if role in (_DISPLAY, _TOOLTIP):
            return self._cells[row][column]
        if role == _ACCESSIBLE_TEXT:
            return f"{self.headers[column]}: {self._cells[row][column]}"
        if role == _HIT:
            return self._hits[row]
        if role == _SNIPPET and column == 3:
            return self._hits[row].snippet
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._ended and not self._loading

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._fetch()

    # -- pages -------------------------------------------------------------------------------
    def _fetch(self) -> None:
        text, after, limit = self.text, self._after, self.page_size
        generation = self._generation
        self._loading = True

        def operation(
            repo: Repository,
        ) -> tuple[Page[SearchHit, SearchCursor], list[tuple[str, str, str, str]]]:
            page = repo.search_posts(text, limit=limit, after=after)
            # The display strings are made here, on the worker: the GUI thread only paints.
            return page, [_cells(hit) for hit in page.items]

        self.worker.submit(
            operation,
            lambda answer: self._arrived(generation, *answer),
            lambda error: self._failed(generation, error),
            owner=self,
        )

    def _arrived(
        self,
        generation: int,
        page: Page[SearchHit, SearchCursor],
        cells: list[tuple[str, str, str, str]],
    ) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if page.items:
            first = len(self._hits)
            self.beginInsertRows(QModelIndex(), first, first + len(page.items) - 1)
            self._hits += page.items
            self._cells += cells
            self.endInsertRows()
        self._after = page.after
        self._ended = page.after is None
        if self._ended and self.total != len(self._hits):
            self._set_total(len(self._hits))

    def _counted(self, generation: int, total: int) -> None:
        if generation == self._generation:
            # Every page already here: their rows are the exact count, capped or not.
            self._set_total(len(self._hits) if self._ended else total)

    def _failed(self, generation: int, error: StoreError) -> None:
        if generation != self._generation:
            return
        self._loading, self._ended = False, True
        self.failed.emit(error)

    def _set_total(self, total: int | None) -> None:
        self.total = total
        self.total_changed.emit(total)


def _cells(hit: SearchHit) -> tuple[str, str, str, str]:
    where = "in a comment: " if hit.comment_id is not None else ""
    return (hit.title, hit.author_name, local_time(hit.created_at), where + hit.snippet.text)


# Laid-out snippets kept for repaints; past this many (a long scroll) they are laid out anew.
KEPT_SNIPPETS = 400


class SnippetDelegate(QStyledItemDelegate):
    """Draws the Match column with the matched words in bold. Each snippet's rich text is
    laid out once and kept: parsing and laying out its HTML at every paint cost about half
    a millisecond a row, and a page of results repainted whole for its count and for every
    change of selection stalled the window for 30 ms."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._documents: dict[tuple[Snippet, str, str, str], QTextDocument] = {}

    def _document(self, found: Snippet, prefix: str, color: str, font: QFont) -> QTextDocument:
        key = (found, prefix, color, font.key())
        document = self._documents.get(key)
        if document is None:
            if len(self._documents) >= KEPT_SNIPPETS:
                self._documents.clear()
            document = QTextDocument()
            document.setDefaultFont(font)
            document.setDocumentMargin(2)
            document.setHtml(
                f'<span style="color:{color}; white-space:pre">'
                f"<i>{html.escape(prefix)}</i>{snippet_html(found)}</span>"
            )
            self._documents[key] = document
        return document

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        found = index.data(SnippetRole)
        if not isinstance(found, Snippet):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget is not None else None
        text = option.text
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        prefix = text[: len(text) - len(found.text)]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        color = option.palette.color(role).name()
        document = self._document(found, prefix, color, option.font)
        painter.save()
        painter.translate(option.rect.topLeft())
        painter.translate(0, max(0.0, (option.rect.height() - document.size().height()) / 2))
        painter.setClipRect(QRectF(0, 0, option.rect.width(), option.rect.height()))
        document.drawContents(painter)
        painter.restore()


class ResultsTable(QTableView):
    """Enter opens the current result, as a double-click does."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class SearchBox(QLineEdit):
    """Down moves to the results, so the keyboard goes from typing to choosing; Enter
    searches at once and goes no further (a dialog would press its default button)."""

    down = Signal()
    entered = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.entered.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class FindDialog(QDialog):
    """Kept by the main window: opened again, it shows the last search."""

    open_requested = Signal(int, object)  # post id, matching comment id or None

    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find in Posts and Comments")
        self.setAccessibleName("Find in posts and comments")
        self.results = SearchResults(worker)
        self.box = SearchBox()
        self.box.setAccessibleName("Search posts and comments")
        self.box.setAccessibleDescription(
            'Words or the start of words, all of which must be found; "a phrase" in quotes'
        )
        self.box.setPlaceholderText('Words, beginnings of words, or "a phrase"')
        self.box.setClearButtonEnabled(True)
        box_label = QLabel("&Search for:")
        box_label.setBuddy(self.box)
        self.heading = QLabel("Results")
        self.heading.setAccessibleName("Results heading")
        self.table = self._make_table()
        self.heading.setBuddy(self.table)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = self.buttons.addButton("&Open", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setAccessibleName("Open the selected post")
        self.open_button.setEnabled(False)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        for button in (self.open_button, close):
            button.setAutoDefault(False)  # Enter belongs to the box and the list
        self.open_button.clicked.connect(self._open_current)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(box_label)
        layout.addWidget(self.box)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(SEARCH_DELAY_MS)
        self._delay.timeout.connect(self.search_now)
        self.box.textChanged.connect(lambda _text: self._delay.start())
        self.box.entered.connect(self.search_now)
        self.box.down.connect(self._to_results)
        self.results.total_changed.connect(self._show_total)
        self.results.failed.connect(self._show_failure)
        self.resize(820, 480)

    def _make_table(self) -> ResultsTable:
        table = ResultsTable()
        table.setModel(self.results)
        table.setAccessibleName("Posts found")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        for column, width in enumerate((220, 130, 120)):
            table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        table.setItemDelegateForColumn(3, SnippetDelegate(table))
        table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        table.activated_row.connect(self._open_row)
        table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.open_button.setEnabled(current.isValid())
        )
        return table

    def search_now(self) -> None:
        self._delay.stop()
        self.open_button.setEnabled(False)
        self.results.search(self.box.text())

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.box.setFocus(Qt.FocusReason.OtherFocusReason)
        self.box.selectAll()

    def _to_results(self) -> None:
        if self.results.rowCount():
            self.table.setFocus(Qt.FocusReason.TabFocusReason)
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)

    def _show_total(self, total: int | None) -> None:
        if total is None:
            self.heading.setText("Results (searching…)")
            return
        if total == 0:
            said = "No posts match" if self.results.text else "Results"
            self.heading.setText(said)
        else:
            said = (
                f"more than {COUNT_AT_MOST:,} posts match"
                if total > COUNT_AT_MOST and not self.results.complete
                else f"{total:,} {'post matches' if total == 1 else 'posts match'}"
            )
            self.heading.setText(f"Results ({said})")
        if self.results.text:
            announce(self.table, said + ".")

    def _show_failure(self, error: StoreError) -> None:
        self.heading.setText(f"The search did not finish: {error}")

    def _open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._open_row(index.row())

    def _open_row(self, row: int) -> None:
        hit = self.results.hit(row)
        if hit is None:
            return
        self.open_requested.emit(hit.post_id, hit.comment_id)
        self.accept()
