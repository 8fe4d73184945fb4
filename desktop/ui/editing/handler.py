"""What the editing controller needs to know about one kind of record: how it is shown,
saved, placed in its list and deleted. One small subclass per kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from desktop.store.errors import NotFoundError
from desktop.store.records import Comment, DeleteReport, Post, User
from desktop.store.repository import Repository
from desktop.ui.editing.kinds import Kind
from desktop.ui.forms.base import RecordForm
from desktop.ui.models import PagedModel, Query
from desktop.ui.views import ListPane

if TYPE_CHECKING:
    from desktop.ui.editing.controller import Editing

R = TypeVar("R", User, Post, Comment)
Operation = Callable[[Repository], R]


def unless_deleted(read: Callable[[int], R], record_id: int) -> R | None:
    """`read(record_id)`, or None when the record is gone."""
    try:
        return read(record_id)
    except NotFoundError:
        return None


class RecordHandler(Generic[R]):
    kind: Kind

    def __init__(self, editing: Editing, pane: ListPane, form: RecordForm) -> None:
        self.editing = editing
        self.pane = pane
        self.form = form
        self.model.kept_id = self.shown_id  # its row is found by id when saved or deleted

    @property
    def model(self) -> PagedModel[R]:
        model: PagedModel[R] = self.pane.table.paged_model
        return model

    # -- showing ---------------------------------------------------------------------------
    def shown(self) -> R | None:
        """The record the form shows (None: none, or a new one)."""
        raise NotImplementedError

    def shown_id(self) -> int | None:
        shown = self.shown()
        return None if shown is None else shown.id

    def show(self, record: R | None) -> None:
        """Show `record` (None: nothing) in the form, and what depends on it below."""
        raise NotImplementedError

    def adopt(self, record: R) -> None:
        """A save stored `record`: show it as stored, in the form and what depends on it."""
        self.show(record)

    def fetch(self, repo: Repository, record_id: int) -> R | None:
        """On the worker: the record as stored now (None: it was deleted)."""
        raise NotImplementedError

    def follow(self, stored: R) -> bool:
        """Someone else changed the shown record and its form holds no edits: show it as
        stored. False when it no longer belongs where it is shown (the caller closes it)."""
        self.adopt(stored)
        return True

    def cannot_start_new(self) -> str | None:
        """Why a new record cannot be started now, or None."""
        return None

    def start_new(self) -> None:
        raise NotImplementedError

    # -- saving ----------------------------------------------------------------------------
    def save_operation(self, once: bool) -> Operation[R] | None:
        """The write that stores the form (None: nothing can be saved now). `once`: the
        last create may have reached the database; find it rather than store a twin."""
        raise NotImplementedError

    def position(self, repo: Repository, record: R, query: Query) -> int | None:
        """Where a fresh `query` would list `record` (None: it does not hold it)."""
        raise NotImplementedError

    # -- deleting --------------------------------------------------------------------------
    def delete_report(self, repo: Repository, record: R) -> DeleteReport:
        return DeleteReport(0, 0)

    def delete(self, repo: Repository, record: R, expected: DeleteReport) -> DeleteReport:
        raise NotImplementedError

    def question(self, record: R, report: DeleteReport) -> str:
        raise NotImplementedError

    def after_delete(self) -> None:
        """Whatever else a delete changed (a user's post count)."""
