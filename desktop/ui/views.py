"""The list panes: a heading with the count, a filter box answered by the database, and a
table with fixed row heights that says what to do when it is empty."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.announce import announce
from desktop.ui.focus_frame import PaintedFocusFrame
from desktop.ui.models import PagedModel
from desktop.ui.scroll_bars import keep_grooves

FILTER_DELAY_MS = 250


class RecordTable(QTableView):
    """A table of one model's rows; paints the model's empty-state text when it has none."""

    def __init__(self, model: PagedModel[Any], name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.paged_model = model
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self._focus_frame = PaintedFocusFrame(self)
        # The scroll bar is always there: shown and hidden as lists of a few rows and of
        # many follow each other, it resized the viewport, moved the columns and laid out
        # and repainted the whole window at each change of selection.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        keep_grooves(self.verticalScrollBar(), self.horizontalScrollBar())
        rows = self.verticalHeader()
        rows.setVisible(False)
        # Fixed heights: the view never measures rows, however many there are.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        columns = self.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setHighlightSections(False)
        # Every column sorts: a click on its header (again: the other way), or Ctrl+Alt+n
        # for the n-th column from the keyboard, which a header cannot take focus for.
        columns.setSectionsClickable(True)
        columns.setSortIndicatorShown(True)
        self.show_order()
        columns.sortIndicatorChanged.connect(model.sort)
        model.order_chosen.connect(self._order_chosen)
        self.sort_actions: list[QAction] = []
        for column, header in enumerate(model.headers):
            action = QAction(f"Sort by {header}", self)
            action.setShortcut(QKeySequence(f"Ctrl+Alt+{column + 1}"))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, c=column: self.sort_by(c))
            self.addAction(action)
            self.sort_actions.append(action)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        model.modelReset.connect(self.viewport().update)
        # Only an empty list says whether it is loading (paintEvent): rows on show stay as
        # they are while the next ones are read, and repainting them then cost a whole
        # viewport's paint at every click.
        model.loading_changed.connect(
            lambda _loading: None if model.rowCount() else self.viewport().update()
        )
        # The rows on screen are the rows to load; asked once per turn of the event loop.
        self._want_visible = QTimer(self)
        self._want_visible.setSingleShot(True)
        self._want_visible.setInterval(0)
        self._want_visible.timeout.connect(self._load_visible)
        self.verticalScrollBar().valueChanged.connect(lambda _value: self._want_visible.start())
        model.rowsInserted.connect(lambda *_args: self._want_visible.start())
        model.modelReset.connect(self._want_visible.start)

    def sort_by(self, column: int) -> None:
        """Sort by a column: ascending, or the other way when it sorts by it already."""
        model = self.paged_model
        ascending = Qt.SortOrder.AscendingOrder
        if model.sort_column() == column and not model.order.descending:
            model.sort(column, Qt.SortOrder.DescendingOrder)
        else:
            model.sort(column, ascending)

    def show_order(self) -> None:
        model, columns = self.paged_model, self.horizontalHeader()
        way = (
            Qt.SortOrder.DescendingOrder if model.order.descending else Qt.SortOrder.AscendingOrder
        )
        columns.blockSignals(True)
        columns.setSortIndicator(model.sort_column(), way)
        columns.blockSignals(False)
        columns.viewport().update()

    def _order_chosen(self, _order: object) -> None:
        self.show_order()  # the status bar says it, and a screen reader with it (Editing)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._want_visible.start()

    def event(self, event: QEvent) -> bool:
        # The table's own paint events are its frame's (the rows paint in paintEvent, for
        # the viewport): the focus frame goes over the plain frame Qt drew. Qt repaints the
        # whole widget when the focus comes or goes.
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint:
            self._focus_frame.paint()
        return handled

    def visible_rows(self) -> tuple[int, int]:
        """The first and last row on screen (-1, -1 when there are none)."""
        count = self.model().rowCount()
        if count == 0:
            return -1, -1
        first = max(0, self.rowAt(0))
        last = self.rowAt(self.viewport().height() - 1)
        return first, count - 1 if last < 0 else last

    def _load_visible(self) -> None:
        first, last = self.visible_rows()
        if first >= 0:
            # A little beyond the screen, so scrolling on by a page finds its rows ready.
            extra = max(1, last - first)
            self.paged_model.ensure_rows(first, last + extra)

    def reset(self) -> None:
        super().reset()
        # After a reset Qt makes the first row current as soon as the table gets the focus
        # from the keyboard (Tab, Go ▸ Posts) or because the focused button was disabled.
        # The current row is the record the form shows, so that opened a record nobody chose
        # (or asked about unsaved edits). Nothing is current until the person picks a row.
        self.setCurrentIndex(QModelIndex())

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # One record a row: Home and End go to the first and last row, as in a list.
        action = QAbstractItemView.CursorAction
        rows = self.model().rowCount()
        if cursorAction in (action.MoveHome, action.MoveEnd) and rows:
            if not self.currentIndex().isValid():
                # Qt would start from row 0 and stay there: End with nothing chosen yet
                # still means the last row.
                return self.model().index(rows - 1 if cursorAction is action.MoveEnd else 0, 0)
            modifiers |= Qt.KeyboardModifier.ControlModifier
        return super().moveCursor(cursorAction, modifiers)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.paged_model
        if model.rowCount() or model.loading:
            return
        text = model.empty_text()
        if not text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().placeholderText().color())
        area = self.viewport().rect().adjusted(12, 12, -12, -12)
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), text)
        painter.end()

    def current_row(self) -> int:
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def show_row_at_top(self, row: int) -> None:
        """Scroll so that `row` is the first on screen. Rows just inserted are laid out
        later (a posted event): until then the scroll bar's range is the old one and would
        clamp the scroll, so the layout is done now."""
        if 0 <= row < self.model().rowCount():
            self.executeDelayedItemsLayout()
            self.scrollTo(self.model().index(row, 0), self.ScrollHint.PositionAtTop)

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model().rowCount():
            self.executeDelayedItemsLayout()  # as in show_row_at_top: no clamped scroll
            self.setCurrentIndex(self.model().index(row, 0))
            self.scrollTo(self.model().index(row, 0))
        else:
            self.clearSelection()
            self.setCurrentIndex(QModelIndex())


class ListPane(QWidget):
    """Heading (with the count), optional filter box and the table."""

    filter_changed = Signal(str)

    def __init__(
        self,
        title: str,
        model: PagedModel[Any],
        *,
        filter_placeholder: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._title = title
        # A filter asked for: the count of the next list that starts is spoken when it comes.
        self._filter_asked = False
        self._count_to_say = False
        self.heading = QLabel(title)
        self.heading.setObjectName("paneHeading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.table = RecordTable(model, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        self.filter: QLineEdit | None = None
        if filter_placeholder is not None:
            self.filter = QLineEdit()
            self.filter.setPlaceholderText(filter_placeholder)
            self.filter.setAccessibleName(f"Filter {title.lower()}")
            # Said as it is, never left to Qt's fallback of reading the placeholder.
            self.filter.setAccessibleDescription(filter_placeholder)
            self.filter.setClearButtonEnabled(True)
            self._delay = QTimer(self)
            self._delay.setSingleShot(True)
            self._delay.setInterval(FILTER_DELAY_MS)
            self._delay.timeout.connect(self._emit_filter)
            self.filter.textChanged.connect(lambda _text: self._delay.start())
            self.filter.returnPressed.connect(self._emit_filter)
            layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        model.total_changed.connect(self._show_total)
        self.heading.setBuddy(self.table)

    def set_title(self, title: str) -> None:
        self._title = title
        self._show_total(self.table.paged_model.total)

    def _show_total(self, total: int | None) -> None:
        shown = "" if total is None or total < 0 else f" ({total:,})"
        self.heading.setText(f"{self._title}{shown}")
        if total is None or total < 0:  # a new list starts: the filter's, if one was asked for
            self._count_to_say, self._filter_asked = self._filter_asked, False
        elif self._count_to_say:
            self._count_to_say = False
            filtered = self.filter is not None and bool(self.filter.text().strip())
            announce(self.table, f"{self._title}: {_count_said(total, filtered)}.")

    def _emit_filter(self) -> None:
        self._delay.stop()
        self._filter_asked = True
        assert self.filter is not None
        self.filter_changed.emit(self.filter.text())


def _count_said(total: int, filtered: bool) -> str:
    if not filtered:
        return f"{total:,} in all"
    if total == 0:
        return "none match the filter"
    return f"{total:,} {'matches' if total == 1 else 'match'} the filter"
