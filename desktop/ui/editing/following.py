"""Someone else's changes, followed: the lists, their counts and the open records catch up
without moving the person's selection or scroll position, and a form with unsaved edits is
never touched: it shows its ChangedBar and the person chooses.

A change set names records, not rows: each list that could hold one of them reads again
the part of it on screen (PagedModel.read_window, on the worker), and each open record
named is read again and compared by version. So a burst of any size costs each list one
window and each open record one read; rows not loaded cost nothing until seen. What the
worker brings back is applied once all of these reads have answered, one list or record per
turn of the event loop, so three lists answering at once never add up to one long stall,
and the repaints that follow never wait for the worker: painting a cell calls into Python,
and while the worker runs Python (building the next list's records) each of those calls
can wait for the GIL, which made one repaint of a list take from 3 ms to over 200 ms.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import QAbstractItemView

from desktop.store.changes import ChangeSet
from desktop.store.errors import StoreError
from desktop.store.repository import Repository
from desktop.ui.editing.kinds import ORDER, Kind
from desktop.ui.forms.changed_bar import ChangedBar
from desktop.ui.models import PagedModel, Resync
from desktop.ui.views import RecordTable

if TYPE_CHECKING:
    from desktop.ui.editing.controller import Editing

log = logging.getLogger(__name__)

TABLE = {Kind.USER: "users", Kind.POST: "posts", Kind.COMMENT: "comments"}
# The tables whose changes a list shows: a user's row holds their number of posts.
LISTS = {Kind.USER: ("users", "posts"), Kind.POST: ("posts",), Kind.COMMENT: ("comments",)}
ANCHORS = 20  # records on screen whose new rows are looked for, top first
T = TypeVar("T")


class Follower:
    def __init__(self, editing: Editing) -> None:
        self.editing = editing
        self._due: deque[Callable[[], None]] = deque()
        self._reading = 0  # reads on the worker whose answers are not in yet
        self._pump = QTimer(editing)
        self._pump.setSingleShot(True)
        self._pump.setInterval(0)
        self._pump.timeout.connect(self._apply_next)
        editing.worker.busy_changed.connect(self._worker_busy)
        for kind, form in editing.forms.items():
            form.changed_bar.chosen.connect(lambda choice, kind=kind: self._chosen(kind, choice))

    def follow(self, changes: ChangeSet) -> None:
        for kind in ORDER:
            if any(changes.ids(table) for table in LISTS[kind]):
                self._reread_list(kind)
        for kind in ORDER:
            self._reread_shown(kind, changes.ids(TABLE[kind]))

    def _read(self, operation: Callable[[Repository], T], then: Callable[[T], None]) -> None:
        """Run `operation` on the worker; `then(answer)` once every read asked for has
        answered, one step per turn of the event loop."""
        self._reading += 1
        self.editing.worker.submit(
            operation,
            lambda answer: self._answered(lambda: then(answer)),
            self._not_followed,
            owner=self.editing,
        )

    def _answered(self, step: Callable[[], None] | None) -> None:
        self._reading = max(0, self._reading - 1)
        if step is not None:
            self._due.append(step)
        if not self._reading:
            self._answered_all()

    def _answered_all(self) -> None:
        if self._due and not self._pump.isActive():
            self._pump.start()

    def _worker_busy(self, busy: bool) -> None:
        if not busy and self._reading:
            # Every read has answered by now, even one that met a bug (whose error went to
            # the uncaught-exception dialog instead of _not_followed): apply the others.
            self._reading = 0
            self._answered_all()

    def _apply_next(self) -> None:
        if self._reading:
            return  # more answers are coming: applied with them, once the worker is done
        if self._due:
            self._due.popleft()()
        if self._due:
            self._pump.start()

    # -- lists -----------------------------------------------------------------------------
    def _reread_list(self, kind: Kind) -> None:
        editing = self.editing
        handler = editing.handler(kind)
        model: PagedModel[Any] = handler.model
        query = model.query
        if query is None:
            return
        table = editing.panes[kind].table
        first, last = table.visible_rows()
        rows = range(max(first, 0), min(max(last, first) + 1, model.rowCount()))
        anchors = [r.id for r in map(model.record, rows) if r is not None][:ANCHORS]
        if not anchors:  # not on screen (a hidden pane): the first loaded record will do
            anchors = [r.id for r in map(model.record, range(model.rowCount())) if r][:1]
        shown = handler.shown()
        selected = shown.id if shown is not None else None
        fallback = max(first, 0)
        self._read(
            lambda repo: model.read_window(repo, query, anchors, selected, fallback),
            lambda fresh: self._show_window(kind, fresh),
        )

    def _show_window(self, kind: Kind, fresh: Resync[Any]) -> None:
        table = self.editing.panes[kind].table
        model = table.paged_model
        bar = table.verticalScrollBar()
        before = bar.value()
        # Removing the current row makes Qt choose and scroll to another: none of that.
        table.setAutoScroll(False)
        try:
            with self.editing.quietly():
                shift = model.apply_resync(fresh)
                if shift is None:
                    return
                # Rows that came or went are laid out later by Qt, with a repaint of all
                # the list shows, and another one then: laid out now, the scroll below
                # is not clamped to the old length and the list is repainted once.
                table.executeDelayedItemsLayout()
                bar.setValue(before + shift * _scroll_step(table))
                self._keep_selection(table, fresh)
        finally:
            table.setAutoScroll(True)
        first, last = table.visible_rows()
        model.ensure_rows(first, last)

    def _keep_selection(self, table: RecordTable, fresh: Resync[Any]) -> None:
        if fresh.selected is None:
            return
        _id, row, _record = fresh.selected
        selection = table.selectionModel()
        if row is None:  # gone from this list; the open record's own check says why
            selection.clearSelection()
            selection.setCurrentIndex(QModelIndex(), selection.SelectionFlag.NoUpdate)
            return
        flags = selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows
        selection.setCurrentIndex(table.model().index(row, 0), flags)

    # -- open records ------------------------------------------------------------------------
    def _reread_shown(self, kind: Kind, ids: frozenset[int]) -> None:
        handler = self.editing.handler(kind)
        shown = handler.shown()
        if shown is None or shown.id not in ids or handler.form.saving:
            return  # a save on its way answers for itself
        record_id = shown.id
        self._read(
            lambda repo: handler.fetch(repo, record_id),
            lambda stored: self._stored_now(kind, record_id, stored),
        )

    def _stored_now(self, kind: Kind, record_id: int, stored: Any) -> None:
        editing = self.editing
        handler = editing.handler(kind)
        form = handler.form
        shown = handler.shown()
        if shown is None or shown.id != record_id or form.saving:
            return
        if stored is not None and stored.version == shown.version:
            return  # our own save, or a change already shown
        if form.is_dirty():
            if stored is None:
                form.changed_bar.show_deleted()
            else:
                form.changed_bar.show_changed(stored)
            editing.message.emit(form.changed_bar.message)
            return
        if stored is not None and handler.follow(stored):
            return
        if any(other.is_dirty() for other in editing.below(kind)):
            return  # what hangs on it holds edits: that form shows its own bar
        handler.show(None)
        what = "deleted" if stored is None else "moved to another user"
        editing.message.emit(f"The {kind.value} you had open was {what} by someone else.")

    # -- the bar's choices -------------------------------------------------------------------
    def _chosen(self, kind: Kind, choice: str) -> None:
        editing = self.editing
        handler = editing.handler(kind)
        form = handler.form
        stored = form.changed_bar.stored
        form.changed_bar.dismiss()
        if choice == ChangedBar.RELOAD and stored is not None:
            editing.show_stored(kind, stored)
            editing.message.emit(f"Reloaded the {kind.value} as it is stored now.")
        elif choice == ChangedBar.KEEP_MINE and stored is not None:
            form.rebase(stored)
            editing.message.emit(
                f"Your text stays; saving the {kind.value} replaces the other version."
            )
        elif choice == ChangedBar.SAVE_AS_NEW:
            editing.save_as_new(kind)
        elif choice == ChangedBar.DISCARD:
            form.clear()
            handler.show(None)

    def _not_followed(self, error: StoreError) -> None:
        # The next change, or the person's next step, reads again; nothing was lost.
        log.info("could not follow a change made elsewhere: %s", error)
        self._answered(None)


def _scroll_step(table: RecordTable) -> int:
    if table.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
        return 1
    return max(1, int(table.verticalHeader().defaultSectionSize()))
