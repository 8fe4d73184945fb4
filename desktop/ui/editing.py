"""Selecting, creating, saving and deleting records: the link between the three list panes
and their forms. The database work goes through the worker; nothing here waits on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from desktop.store.errors import (
    ConnectionLostError,
    NotFoundError,
    StaleRecordError,
    StoreError,
    ValidationError,
)
from desktop.store.records import Comment, DeleteReport, Post, User
from desktop.store.repository import Repository
from desktop.store.validation import trimmed
from desktop.ui import prompts
from desktop.ui.forms.base import RecordForm
from desktop.ui.forms.comment_form import CommentForm
from desktop.ui.forms.post_form import PostForm
from desktop.ui.forms.user_form import UserForm
from desktop.ui.models import CommentsModel, PagedModel, PostsModel, Query, UsersModel
from desktop.ui.views import ListPane
from desktop.ui.worker import Worker

Then = Callable[[], None]


class Kind(Enum):
    USER = "user"
    POST = "post"
    COMMENT = "comment"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


class Editing(QObject):
    """Owns what is selected and what the forms show."""

    message = Signal(str)  # a short note for the status bar
    error = Signal(str, str)  # title, message: shown to the person

    def __init__(
        self,
        window: QWidget,
        worker: Worker,
        panes: dict[Kind, ListPane],
        forms: dict[Kind, RecordForm],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.worker = worker
        self.panes = panes
        self.forms = forms
        self.users: UsersModel = panes[Kind.USER].table.paged_model  # type: ignore[assignment]
        self.posts: PostsModel = panes[Kind.POST].table.paged_model  # type: ignore[assignment]
        self.comments: CommentsModel = panes[Kind.COMMENT].table.paged_model  # type: ignore[assignment]
        self.user_form: UserForm = forms[Kind.USER]  # type: ignore[assignment]
        self.post_form: PostForm = forms[Kind.POST]  # type: ignore[assignment]
        self.comment_form: CommentForm = forms[Kind.COMMENT]  # type: ignore[assignment]
        self.current_user: User | None = None
        self.current_post: Post | None = None
        self._quiet = False  # selection changes made by the app itself, not the person
        # Kinds whose last create may or may not have reached the server (the connection
        # broke): the next save finds the stored twin instead of inserting a second one.
        self._uncertain: set[Kind] = set()
        self._pending_switch: tuple[Kind, int | None] | None = None  # waits to ask first
        for kind, pane in panes.items():
            pane.table.selectionModel().currentRowChanged.connect(
                lambda current, previous, kind=kind: self._row_changed(kind, current, previous)
            )
            pane.table.paged_model.rows_loaded.connect(
                lambda first, last, kind=kind: self._rows_loaded(kind, first, last)
            )
        for kind, form in forms.items():
            form.save_requested.connect(lambda kind=kind: self.save(kind))
            form.delete_requested.connect(lambda kind=kind: self.delete(kind))
        assert panes[Kind.USER].filter is not None and panes[Kind.POST].filter is not None
        panes[Kind.USER].filter_changed.connect(self._filter_users)
        panes[Kind.POST].filter_changed.connect(self._filter_posts)
        self.post_form.choose_author_requested.connect(self._choose_author)

    # -- what depends on what ----------------------------------------------------------------
    def _below(self, kind: Kind) -> list[RecordForm]:
        """The forms whose content goes away when `kind`'s selection changes."""
        order = [Kind.USER, Kind.POST, Kind.COMMENT]
        return [self.forms[k] for k in order[order.index(kind) :]]

    def all_forms(self) -> list[RecordForm]:
        return self._below(Kind.USER)

    def any_dirty(self) -> bool:
        return any(form.is_dirty() for form in self.all_forms())

    # -- leaving unsaved edits -----------------------------------------------------------------
    def leave(self, forms: list[RecordForm], then: Then) -> None:
        """Run `then` once no form in `forms` holds unsaved edits, asking the person first."""
        dirty = [form for form in forms if form.is_dirty()]
        if not dirty:
            then()
            return
        form = dirty[0]
        choice = prompts.ask_save_changes(self.window, form.describe())
        if choice is prompts.Choice.DISCARD:
            form.revert()
            # Go on once the question is over, as after Save: the caller may be inside an
            # event handler that cannot run `then` itself (Qt ignores a close() made
            # inside closeEvent(), so Discard on quit left the window open).
            QTimer.singleShot(0, self, lambda: self.leave(forms, then))
        elif choice is prompts.Choice.SAVE:
            self.save(self._kind_of(form), then=lambda: self.leave(forms, then))

    def _kind_of(self, form: RecordForm) -> Kind:
        return next(kind for kind, candidate in self.forms.items() if candidate is form)

    # -- selection -------------------------------------------------------------------------------
    def _row_changed(self, kind: Kind, current: QModelIndex, previous: QModelIndex) -> None:
        if self._quiet:
            return
        model = self.panes[kind].table.paged_model
        record = model.record(current.row()) if current.isValid() else None
        if record is not None and record is self._shown(kind):
            return
        forms = self._below(kind)
        if any(form.is_dirty() for form in forms):
            # A mouse press selects the clicked row only after this signal: putting the
            # selection back now would leave that row highlighted beside the shown record.
            # Ask once the click is over (and only once for a burst of clicks).
            pending = self._pending_switch is not None
            self._pending_switch = (kind, record.id if record is not None else None)
            if not pending:
                QTimer.singleShot(0, self, self._switch_after_asking)
            return
        self._show(kind, record)

    def _rows_loaded(self, kind: Kind, first: int, last: int) -> None:
        """The current row was a placeholder (Ctrl+End before its page came): show it now."""
        row = self.panes[kind].table.current_row()
        if not first <= row <= last or self._shown(kind) is not None:
            return
        if any(form.is_dirty() for form in self._below(kind)):
            return
        self._show(kind, self.panes[kind].table.paged_model.record(row))

    def _switch_after_asking(self) -> None:
        """Put the selection back on the shown record, then switch if the person agrees."""
        if self._pending_switch is None:
            return
        kind, target = self._pending_switch
        self._pending_switch = None
        shown = self._shown(kind)
        row = self.panes[kind].table.paged_model.row_of(shown.id) if shown is not None else None
        self._select_quietly(kind, -1 if row is None else row)
        self.leave(self._below(kind), lambda: self.select(kind, target))

    def select(self, kind: Kind, record_id: int | None) -> None:
        """Select a record by id (None: nothing) as if the person had clicked it."""
        model = self.panes[kind].table.paged_model
        row = model.row_of(record_id) if record_id is not None else None
        self._select_quietly(kind, -1 if row is None else row)
        self._show(kind, model.record(row) if row is not None else None)

    def select_first(self, kind: Kind) -> bool:
        model = self.panes[kind].table.paged_model
        first = model.record(0)
        if first is None:
            return False
        self.select(kind, first.id)
        return True

    def _select_quietly(self, kind: Kind, row: int) -> None:
        with self._quietly():
            self.panes[kind].table.select_row(row)

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Selection changes made inside are the app's own: nothing is opened or asked."""
        was, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = was

    def _shown(self, kind: Kind) -> Any:
        return {Kind.USER: self.current_user, Kind.POST: self.current_post}.get(
            kind, self.comment_form.record
        )

    def _show(self, kind: Kind, record: Any) -> None:
        if kind is Kind.USER:
            self._show_user(record)
        elif kind is Kind.POST:
            self._show_post(record)
        elif record is None:
            self._ready_for_comment()
        else:
            self.comment_form.show_comment(record)

    def _show_user(self, user: User | None) -> None:
        self.current_user = user
        self.user_form.show_user(user)
        posts_pane = self.panes[Kind.POST]
        posts_pane.set_title(f"Posts by {user.name}" if user else "Posts")
        self.posts.set_query(Query(user.id, self._filter_text(Kind.POST)) if user else None)
        self._show_post(None)

    def _show_post(self, post: Post | None) -> None:
        self.current_post = post
        self.post_form.show_post(post, self.current_user if post else None)
        self.comments.set_query(Query(post.id) if post else None)
        self._ready_for_comment()

    def _ready_for_comment(self) -> None:
        """With a post open, the comment form is ready for a new comment."""
        if self.current_post is None:
            self.comment_form.show_comment(None)
        else:
            self.comment_form.start_new({"body": ""}, focus=False)

    def _filter_text(self, kind: Kind) -> str:
        box = self.panes[kind].filter
        return trimmed(box.text()) if box is not None else ""

    def _filter_users(self, text: str) -> None:
        def apply() -> None:
            self.users.set_query(Query(None, trimmed(text)))
            self._show_user(None)

        self.leave(self._below(Kind.USER), apply)

    def _filter_posts(self, text: str) -> None:
        if self.current_user is None:
            return
        user_id = self.current_user.id

        def apply() -> None:
            self.posts.set_query(Query(user_id, trimmed(text)))
            self._show_post(None)

        self.leave(self._below(Kind.POST), apply)

    def reset(self) -> None:
        """A new database: every list starts again from the top."""
        for form in self.all_forms():
            form.clear()
        self.current_user = self.current_post = None
        self.users.set_query(Query(None, self._filter_text(Kind.USER)))
        self._show_user(None)

    def refresh(self) -> None:
        """Reload the lists (asking about unsaved edits first), keeping the user selected."""
        keep = self.current_user.id if self.current_user else None

        def reselect() -> None:
            self.users.page_loaded.disconnect(reselect)
            if keep is not None and self.users.row_of(keep) is not None:
                self.select(Kind.USER, keep)

        def again() -> None:
            self.users.page_loaded.connect(reselect)
            self.reset()

        self.leave(self.all_forms(), again)

    # -- new ----------------------------------------------------------------------------------
    def new(self, kind: Kind) -> None:
        if kind is Kind.POST and self.current_user is None:
            self.message.emit("Select the user who writes the post first.")
            return
        if kind is Kind.COMMENT and self.current_post is None:
            self.message.emit("Select the post to comment on first.")
            return
        self.leave(self._below(kind), lambda: self._start_new(kind))

    def _start_new(self, kind: Kind) -> None:
        self._select_quietly(kind, -1)
        if kind is Kind.USER:
            self._show_user(None)
            self.user_form.start_new({"name": "", "email": ""})
        elif kind is Kind.POST:
            assert self.current_user is not None
            self._show_post(None)
            self.post_form.start_new_post(self.current_user)
        else:
            self.comment_form.start_new({"body": ""})

    # -- save -----------------------------------------------------------------------------------
    def save(self, kind: Kind, then: Then | None = None) -> None:
        form = self.forms[kind]
        if not form.is_dirty():
            if then is not None:
                then()
            return
        operation = self._save_operation(kind, form)
        if operation is None:
            return
        form.set_saving(True)
        form.clear_errors()

        def done(record: Any) -> None:
            form.set_saving(False)
            self._uncertain.discard(kind)
            self._saved(kind, record)
            if then is not None:
                then()

        def failed(error: StoreError) -> None:
            form.set_saving(False)
            self._save_failed(kind, form, error, then)

        self.worker.submit(operation, done, failed, owner=form, write=True)

    def _save_operation(self, kind: Kind, form: RecordForm) -> Callable[[Repository], Any] | None:
        # Updates carry the record as it was read, so someone else's change meanwhile is
        # never overwritten silently.
        values = form.values()
        record = form.record
        once = kind in self._uncertain
        if kind is Kind.USER:
            name, email = values["name"], values["email"]
            if record is None:
                return lambda repo: repo.create_user(name, email, unless_exists=once)
            return lambda repo: repo.update_user(record.id, name, email, expected=record)
        if kind is Kind.POST:
            title, content, author = values["title"], values["content"], self.post_form.author_id
            if author is None:
                return None
            if record is None:
                return lambda repo: repo.create_post(author, title, content, unless_exists=once)
            return lambda repo: repo.update_post(
                record.id, title, content, user_id=author, expected=record
            )
        body = values["body"]
        if record is None:
            post = self.current_post
            if post is None:
                return None
            return lambda repo: repo.create_comment(post.id, body, unless_exists=once)
        return lambda repo: repo.update_comment(record.id, body, expected=record)

    def _saved(self, kind: Kind, record: Any) -> None:
        self._show_stored(kind, record)
        self.message.emit(f"Saved the {kind.value}.")

    def _show_stored(self, kind: Kind, record: Any) -> None:
        """Show a record as stored now, in its list (in place) and in its form."""
        if kind is Kind.USER:
            self._user_saved(record)
        elif kind is Kind.POST:
            self._post_saved(record)
        else:
            self._comment_saved(record)

    def _user_saved(self, user: User) -> None:
        if self.users.row_of(user.id) is None:
            self.users.insert_record(user, self.users.insertion_row(user))
            self.select(Kind.USER, user.id)
        else:
            self.users.update_record(user)
            self.current_user = user
            self.user_form.show_user(user)
            self.panes[Kind.POST].set_title(f"Posts by {user.name}")

    def _post_saved(self, post: Post) -> None:
        user = self.current_user
        if user is not None and post.user_id != user.id:
            # The post moved to another author: it leaves this list.
            self.posts.remove_record(post.id)
            self._show_post(None)
            self._refresh_user(post.user_id)
        elif self.posts.row_of(post.id) is None:
            self.posts.insert_record(post, 0)
            self.select(Kind.POST, post.id)
        else:
            self.posts.update_record(post)
            self.current_post = post
            self.post_form.show_post(post, user)
        if user is not None:
            self._refresh_user(user.id)

    def _comment_saved(self, comment: Comment) -> None:
        if self.comments.row_of(comment.id) is None:
            self.comments.insert_record(comment, self.comments.rowCount())
            self.select(Kind.COMMENT, comment.id)
        else:
            self.comments.update_record(comment)
            self.comment_form.show_comment(comment)

    def _refresh_user(self, user_id: int) -> None:
        """Fetch a user again (their post count changed) and show it in place."""

        def arrived(user: User) -> None:
            self.users.update_record(user)
            if self.current_user is not None and self.current_user.id == user.id:
                self.current_user = user

        self.worker.submit(lambda repo: repo.get_user(user_id), arrived, lambda _e: None, self)

    def _save_failed(
        self, kind: Kind, form: RecordForm, error: StoreError, then: Then | None
    ) -> None:
        if isinstance(error, ValidationError):
            form.show_errors(error.errors)
        elif isinstance(error, StaleRecordError):
            self._changed_elsewhere(kind, form, error.current, then)
        elif isinstance(error, NotFoundError) and form.record is not None:
            self._deleted_elsewhere(kind, form, then)
        elif isinstance(error, ConnectionLostError):
            if form.record is None:
                self._uncertain.add(kind)
            self.error.emit("Connection Lost", str(error))
        else:
            self.error.emit("Not Saved", f"{error}\n\nYour changes are still in the form.")

    def _changed_elsewhere(
        self, kind: Kind, form: RecordForm, current: Any, then: Then | None
    ) -> None:
        """Someone else saved this record since it was opened: reload theirs or keep ours."""
        choice = prompts.ask_changed_elsewhere(self.window, form.describe())
        if choice is prompts.Choice.RELOAD:
            self._show_stored(kind, current)
            self.message.emit(f"Reloaded the {kind.value} as it is stored now.")
        elif choice is prompts.Choice.OVERWRITE:
            form.rebase(current)
            self.save(kind, then)

    def _deleted_elsewhere(self, kind: Kind, form: RecordForm, then: Then | None) -> None:
        """Someone else deleted this record: save the text as a new one, or let it go."""
        choice = prompts.ask_deleted_elsewhere(self.window, form.describe())
        if choice is prompts.Choice.CANCEL:
            return
        gone = form.record
        with self._quietly():
            self.panes[kind].table.paged_model.remove_record(gone.id)
            self.panes[kind].table.select_row(-1)
        if choice is prompts.Choice.SAVE_AS_NEW:
            form.detach()
            self.save(kind, then)
        else:
            form.clear()
            self._show(kind, None)

    # -- delete -----------------------------------------------------------------------------------
    def delete(self, kind: Kind) -> None:
        record = self.forms[kind].record
        if record is None:
            return
        if kind is Kind.COMMENT:  # nothing goes with a comment
            self._confirm_delete(kind, record, DeleteReport(0, 0))
            return

        def report(repo: Repository) -> DeleteReport:
            if kind is Kind.USER:
                return repo.user_delete_report(record.id)
            return repo.post_delete_report(record.id)

        self.worker.submit(
            report,
            lambda found: self._confirm_delete(kind, record, found),
            lambda error: self._delete_failed(kind, record, error),
            owner=self,
        )

    def _confirm_delete(self, kind: Kind, record: Any, report: DeleteReport) -> None:
        question = delete_question(kind, record, report)
        if not prompts.confirm_delete(self.window, question):
            return

        def operation(repo: Repository) -> DeleteReport | None:
            if kind is Kind.USER:
                return repo.delete_user(record.id, cascade=True)
            if kind is Kind.POST:
                return repo.delete_post(record.id, cascade=True)
            repo.delete_comment(record.id)
            return None

        self.worker.submit(
            operation,
            lambda _report: self._deleted(kind, record),
            lambda error: self._delete_failed(kind, record, error),
            owner=self,
            write=True,
        )

    def _delete_failed(self, kind: Kind, record: Any, error: StoreError) -> None:
        if isinstance(error, NotFoundError):  # someone else was quicker: it is gone all the same
            self._deleted(kind, record)
            self.message.emit(f"The {kind.value} had already been deleted elsewhere.")
            return
        self.error.emit("Not Deleted", str(error))

    def _deleted(self, kind: Kind, record: Any) -> None:
        model: PagedModel[Any] = self.panes[kind].table.paged_model
        with self._quietly():  # the person already agreed to lose this record's edits
            row = model.remove_record(record.id)
        form = self.forms[kind]
        form.clear()
        neighbour = model.record(min(row or 0, model.rowCount() - 1))
        self.select(kind, neighbour.id if neighbour is not None else None)
        if kind is Kind.POST and self.current_user is not None:
            self._refresh_user(self.current_user.id)
        self.message.emit(f"Deleted the {kind.value}.")

    # -- author ---------------------------------------------------------------------------------
    def _choose_author(self) -> None:
        from desktop.ui.dialogs.choose_user import ChooseUserDialog

        dialog = ChooseUserDialog(self.worker, self.window)
        dialog.setObjectName("chooseAuthorDialog")

        def chosen() -> None:
            user = dialog.chosen()
            if user is not None:
                self.post_form.set_author(user)
            dialog.deleteLater()

        dialog.accepted.connect(chosen)
        dialog.rejected.connect(dialog.deleteLater)
        dialog.open()


def delete_question(kind: Kind, record: Any, report: DeleteReport) -> str:
    """The confirmation, naming what goes with the record."""
    if kind is Kind.USER:
        if report.posts == 0:
            return f"Delete {record.name}?"
        comments = f" and their {_plural(report.comments, 'comment')}" if report.comments else ""
        return f"Delete {record.name}, with {_plural(report.posts, 'post')}{comments}?"
    if kind is Kind.POST:
        if report.comments == 0:
            return f"Delete the post “{record.title}”?"
        return f"Delete the post “{record.title}” and its {_plural(report.comments, 'comment')}?"
    return "Delete this comment?"
