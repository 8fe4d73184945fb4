"""Selecting, creating, saving and deleting records: the link between the three list panes
and their forms. What differs per kind of record lives in its handler (users.py, posts.py,
comments.py); the database work goes through the worker and nothing here waits on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from desktop.store.changes import ChangeSet
from desktop.store.errors import (
    ConnectionLostError,
    DeleteChangedError,
    NotFoundError,
    RecordLockedError,
    StaleRecordError,
    StoreError,
    ValidationError,
)
from desktop.store.records import Comment, DeleteReport, Post, User
from desktop.store.repository import Repository
from desktop.store.validation import trimmed
from desktop.ui import prompts
from desktop.ui.editing.comments import CommentHandler
from desktop.ui.editing.following import Follower
from desktop.ui.editing.handler import RecordHandler
from desktop.ui.editing.kinds import ORDER, Kind
from desktop.ui.editing.posts import PostHandler
from desktop.ui.editing.users import UserHandler
from desktop.ui.forms.base import RecordForm
from desktop.ui.forms.comment_form import CommentForm
from desktop.ui.forms.post_form import PostForm
from desktop.ui.forms.user_form import UserForm
from desktop.ui.models import CommentsModel, FirstRows, Listing, PostsModel, Query, UsersModel
from desktop.ui.views import ListPane
from desktop.ui.worker import Worker

Then = Callable[[], None]
AnyHandler = RecordHandler[Any]


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
        users, posts, comments = (panes[kind].table.paged_model for kind in ORDER)
        assert isinstance(users, UsersModel) and isinstance(posts, PostsModel)
        assert isinstance(comments, CommentsModel)
        self.users, self.posts, self.comments = users, posts, comments
        user_form, post_form, comment_form = (forms[kind] for kind in ORDER)
        assert isinstance(user_form, UserForm) and isinstance(post_form, PostForm)
        assert isinstance(comment_form, CommentForm)
        self.post_form = post_form
        self.handlers: dict[Kind, AnyHandler] = {
            Kind.USER: UserHandler(self, panes[Kind.USER], user_form),
            Kind.POST: PostHandler(self, panes[Kind.POST], post_form),
            Kind.COMMENT: CommentHandler(self, panes[Kind.COMMENT], comment_form),
        }
        self.current_user: User | None = None
        self.current_post: Post | None = None
        self._quiet = False  # selection changes made by the app itself, not the person
        # Kinds whose last create may or may not have reached the server (the connection
        # broke): the next save finds the stored twin instead of inserting a second one.
        self._uncertain: set[Kind] = set()
        self._pending_switch: tuple[Kind, int | None] | None = None  # waits to ask first
        self._filtering: dict[Kind, int] = {kind: 0 for kind in ORDER}  # the latest filter
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
        panes[Kind.USER].filter_changed.connect(self._filter_users)
        panes[Kind.POST].filter_changed.connect(self._filter_posts)
        for kind, pane in panes.items():
            pane.table.paged_model.order_chosen.connect(lambda _order, k=kind: self._resort(k))
        self.post_form.choose_author_requested.connect(self._choose_author)
        self.follower = Follower(self)

    def handler(self, kind: Kind) -> AnyHandler:
        return self.handlers[kind]

    # -- what depends on what ----------------------------------------------------------------
    def below(self, kind: Kind) -> list[RecordForm]:
        """The forms whose content goes away when `kind`'s selection changes."""
        return [self.forms[k] for k in ORDER[ORDER.index(kind) :]]

    def follow(self, changes: ChangeSet) -> None:
        """Someone else changed these records: bring the lists and open records up to date."""
        self.follower.follow(changes)

    def all_forms(self) -> list[RecordForm]:
        return self.below(Kind.USER)

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
        record = self.handler(kind).model.record(current.row()) if current.isValid() else None
        if record is not None and record is self._shown(kind):
            return
        if any(form.is_dirty() for form in self.below(kind)):
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
        if any(form.is_dirty() for form in self.below(kind)):
            return
        self._show(kind, self.handler(kind).model.record(row))

    def _switch_after_asking(self) -> None:
        """Put the selection back on the shown record, then switch if the person agrees."""
        if self._pending_switch is None:
            return
        kind, target = self._pending_switch
        self._pending_switch = None
        shown = self._shown(kind)
        row = self.handler(kind).model.row_of(shown.id) if shown is not None else None
        self._select_quietly(kind, -1 if row is None else row)
        self.leave(self.below(kind), lambda: self.select(kind, target))

    def select(self, kind: Kind, record_id: int | None) -> None:
        """Select a loaded record by id (None: nothing) as if the person had clicked it."""
        model = self.handler(kind).model
        row = model.row_of(record_id) if record_id is not None else None
        self._select_quietly(kind, -1 if row is None else row)
        self._show(kind, model.record(row) if row is not None else None)

    def select_first(self, kind: Kind) -> bool:
        first = self.handler(kind).model.record(0)
        if first is None:
            return False
        self.select(kind, first.id)
        return True

    def _select_quietly(self, kind: Kind, row: int) -> None:
        with self.quietly():
            self.panes[kind].table.select_row(row)

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Selection changes made inside are the app's own: nothing is opened or asked."""
        was, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = was

    def _shown(self, kind: Kind) -> Any:
        return self.handler(kind).shown()

    def _show(self, kind: Kind, record: Any) -> None:
        self.handler(kind).show(record)

    def filter_text(self, kind: Kind) -> str:
        box = self.panes[kind].filter
        return trimmed(box.text()) if box is not None else ""

    # -- filters -----------------------------------------------------------------------------
    def _filter_users(self, text: str) -> None:
        self._refilter(Kind.USER, Query(None, trimmed(text)))

    def _filter_posts(self, text: str) -> None:
        if self.current_user is not None:
            self._refilter(Kind.POST, Query(self.current_user.id, trimmed(text)))

    def _resort(self, kind: Kind) -> None:
        """The list's order changed: read it again in the new order, keeping the shown
        record selected and in view (every order lists the same records)."""
        model = self.handler(kind).model
        way = "descending" if model.order.descending else "ascending"
        column = model.headers[model.sort_column()]
        self.message.emit(f"{kind.value.capitalize()}s sorted by {column}, {way}.")
        query = model.query
        if query is None:  # the next list comes in the new order
            return
        query = Query(query.parent_id, query.filter_text)
        if self.handler(kind).shown() is None:
            self._resort_keeping_top(kind, query)
        else:
            self._refilter(kind, query)

    def _resort_keeping_top(self, kind: Kind, query: Query) -> None:
        """Nothing chosen: the record at the top of the screen stays at the top (at the
        very top of the list, the new first rows show)."""
        handler, table = self.handler(kind), self.panes[kind].table
        first, _last = table.visible_rows()
        top = handler.model.record(first) if first > 0 else None

        def ready(listing: Listing[Any]) -> None:
            handler.model.show_listing(listing)
            if listing.position is not None:
                table.show_row_at_top(listing.position)

        handler.model.read_listing(query, top.id if top is not None else None, ready)

    def _refilter(self, kind: Kind, query: Query) -> None:
        """List `query`; the shown record stays shown (and selected) when the new list holds
        it, and only when it does not are its unsaved edits asked about."""
        handler = self.handler(kind)
        self._filtering[kind] += 1
        generation = self._filtering[kind]

        def drop_selection(listed: Listing[Any] | None = None) -> None:
            handler.show(None)
            model = handler.model
            if listed is not None and model.is_latest(listed):
                model.show_listing(listed)  # its first page came with the answer
                return
            model.read_listing(query, None, model.show_listing)  # the old rows stay till then

        shown = handler.shown()
        if shown is None:
            self.leave(self.below(kind), drop_selection)
            return

        def ready(listing: Listing[Any]) -> None:
            if generation != self._filtering[kind]:
                return  # the person typed on meanwhile
            if listing.position is None:
                if any(form.is_dirty() for form in self.below(kind)):
                    # Asked first: a save may change what the list holds, so read it after.
                    self.leave(self.below(kind), drop_selection)
                else:
                    drop_selection(listing)
                return
            handler.model.show_listing(listing)
            self._select_quietly(kind, listing.position)

        handler.model.read_listing(query, shown.id, ready)

    def _select_row_when_counted(self, kind: Kind, row: int, show: bool = False) -> None:
        """Select `row` of the list just queried once its length is known (the model's page
        and count were asked for first, and the worker answers in order)."""
        model = self.handler(kind).model

        def select(_: None) -> None:
            self._select_quietly(kind, row)
            model.ensure_rows(row, row)
            record = model.record(row)
            if show and record is not None:
                self._show(kind, record)  # a placeholder is shown by _rows_loaded instead

        self.worker.submit(lambda _repo: None, select, owner=self)

    def reset(self, first_users: FirstRows[User] | None = None) -> None:
        """A new database: every list starts again from the top (`first_users`: the users
        list's first rows, when the open read them already)."""
        for form in self.all_forms():
            form.clear()
        self.current_user = self.current_post = None
        self.users.set_query(Query(None, self.filter_text(Kind.USER)), first_users)
        self._show(Kind.USER, None)

    def refresh(self) -> None:
        """Reload the lists (asking about unsaved edits first), keeping the user selected."""
        keep = self.current_user

        def again() -> None:
            self.reset()
            if keep is None:
                return
            query = self.users.query
            assert query is not None
            handler = self.handler(Kind.USER)

            def found(position: int | None) -> None:
                if position is not None and self.users.query is query:
                    self._select_row_when_counted(Kind.USER, position, show=True)

            self.worker.submit(lambda repo: handler.position(repo, keep, query), found, owner=self)

        self.leave(self.all_forms(), again)

    # -- opening a search result --------------------------------------------------------------
    def open_found(self, post_id: int, comment_id: int | None) -> None:
        """Show a found post in the three panes: its author selected, the post selected, and
        the matching comment selected when the match was in a comment."""
        self.leave(self.all_forms(), lambda: self._locate_found(post_id, comment_id))

    def _locate_found(self, post_id: int, comment_id: int | None) -> None:
        user_filter, post_filter = self.filter_text(Kind.USER), self.filter_text(Kind.POST)
        self.worker.submit(
            lambda repo: _locate(repo, post_id, comment_id, user_filter, post_filter),
            self._show_found,
            owner=self,
        )

    def _show_found(self, found: _Found | None) -> None:
        if found is None:
            self.message.emit("That post is gone: someone else deleted it.")
            return
        self._set_filter_quietly(Kind.USER, found.user_filter)
        self._set_filter_quietly(Kind.POST, found.post_filter)
        self.users.set_query(Query(None, found.user_filter))
        self._select_row_when_counted(Kind.USER, found.user_row)
        self._show(Kind.USER, found.user)  # lists the author's posts
        self._select_row_when_counted(Kind.POST, found.post_row)
        self._show(Kind.POST, found.post)  # lists the post's comments
        if found.comment is not None and found.comment_row is not None:
            self._select_row_when_counted(Kind.COMMENT, found.comment_row)
            self._show(Kind.COMMENT, found.comment)
        focus = Kind.COMMENT if found.comment_row is not None else Kind.POST
        self.panes[focus].table.setFocus()

    def _set_filter_quietly(self, kind: Kind, text: str) -> None:
        """Put `text` in a filter box without it asking for a new list."""
        box = self.panes[kind].filter
        if box is not None and trimmed(box.text()) != text:
            box.blockSignals(True)
            box.setText(text)
            box.blockSignals(False)

    # -- new ----------------------------------------------------------------------------------
    def new(self, kind: Kind) -> None:
        reason = self.handler(kind).cannot_start_new()
        if reason is not None:
            self.message.emit(reason)
            return
        self.leave(self.below(kind), lambda: self._start_new(kind))

    def _start_new(self, kind: Kind) -> None:
        self._select_quietly(kind, -1)
        self.handler(kind).start_new()

    # -- save -----------------------------------------------------------------------------------
    def save_changes(self, focused: Kind) -> None:
        """Ctrl+S: save the form with unsaved changes, the one in focus first; any other
        is asked about after it. Always says what happened."""
        dirty = [kind for kind in ORDER if self.forms[kind].is_dirty()]
        if not dirty:
            self.message.emit("Nothing to save: no form has unsaved changes.")
            return
        first = focused if focused in dirty else dirty[0]
        if self.forms[first].saving:
            self.message.emit(f"Still saving the {first.value}…")
            return
        rest = [self.forms[kind] for kind in dirty if kind is not first]
        self.message.emit(f"Saving the {first.value}…")
        self.save(first, then=(lambda: self.leave(rest, lambda: None)) if rest else None)

    def save(self, kind: Kind, then: Then | None = None) -> None:
        handler = self.handler(kind)
        form = handler.form
        if not form.is_dirty() or form.saving:
            if then is not None and not form.saving:
                then()
            return
        sent = form.values()
        operation = handler.save_operation(kind in self._uncertain)
        if operation is None:
            return
        form.set_saving(True)
        form.clear_errors()

        def done(record: Any) -> None:
            form.set_saving(False)
            self._uncertain.discard(kind)
            self._saved(kind, record, sent)
            if then is not None:
                then()

        def failed(error: StoreError) -> None:
            form.set_saving(False)
            self._save_failed(kind, form, error, then)

        self.worker.submit(operation, done, failed, owner=form, write=True)

    def _saved(self, kind: Kind, record: Any, sent: dict[str, str]) -> None:
        form = self.forms[kind]
        typed_since = form.values() != sent
        if typed_since:
            # Text typed while the save was on its way stays, unsaved, on top of what
            # was stored.
            with form.keeping_text():
                self.show_stored(kind, record)
            self.message.emit(f"Saved the {kind.value}; what you typed since is not saved yet.")
        else:
            self.show_stored(kind, record)
            self.message.emit(f"Saved the {kind.value}.")

    def show_stored(self, kind: Kind, record: Any) -> None:
        """Show a record as stored now: in its form, and in its list where a fresh query
        would put it."""
        if kind is Kind.POST and self.current_user is not None:
            user_id = self.current_user.id
            if record.user_id != user_id:  # the post moved to another author: it leaves
                self.posts.remove_record(record.id)
                self._show(Kind.POST, None)
                self.refresh_user(record.user_id)
            else:
                self.handler(kind).adopt(record)
                self.place(kind, record)
            self.refresh_user(user_id)
            return
        self.handler(kind).adopt(record)
        self.place(kind, record)

    def place(self, kind: Kind, record: Any) -> None:
        """Put `record` in its list where the database orders it among the rows, loaded or
        not, and select it there if it is still the one shown."""
        handler = self.handler(kind)
        model, query = handler.model, handler.model.query
        if query is None:
            return

        def arrived(position: int | None) -> None:
            if model.query is not query:
                return  # the list shows something else by now
            with self.quietly():
                row = model.place(record, position)
                shown = handler.shown()
                if shown is not None and shown.id == record.id:
                    self.panes[kind].table.select_row(-1 if row is None else row)
            if position is None and query.filter_text:
                self.message.emit(
                    f"The {kind.value} is saved; it does not match the filter, "
                    "so the list does not show it."
                )

        self.worker.submit(lambda repo: handler.position(repo, record, query), arrived, owner=self)

    def refresh_user(self, user_id: int) -> None:
        """Fetch a user again (their post count changed) and show it in place."""

        def arrived(user: User) -> None:
            if self.users.order.key == "posts":
                self.place(Kind.USER, user)  # the new count may move the user
            else:
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
            reason = _naming(kind, error)
            self.error.emit("Not Saved", f"{reason}\n\nYour changes are still in the form.")

    def _changed_elsewhere(
        self, kind: Kind, form: RecordForm, current: Any, then: Then | None
    ) -> None:
        """Someone else saved this record since it was opened: reload theirs or keep ours."""
        choice = prompts.ask_changed_elsewhere(self.window, form.describe())
        if choice is prompts.Choice.RELOAD:
            self._reload(kind, form, current.id)
        elif choice is prompts.Choice.OVERWRITE:
            form.rebase(current)
            self.save(kind, then)

    def _reload(self, kind: Kind, form: RecordForm, record_id: int) -> None:
        """Show the record as stored when the person chose to reload it: the version the
        save met may have been replaced again while the question was open."""
        handler = self.handler(kind)

        def arrived(record: Any) -> None:
            if record is None:  # deleted while the question was open
                self._deleted_elsewhere(kind, form, None)
                return
            self.show_stored(kind, record)
            self.message.emit(f"Reloaded the {kind.value} as it is stored now.")

        def failed(error: StoreError) -> None:
            self.error.emit("Not Reloaded", _naming(kind, error))

        self.worker.submit(lambda repo: handler.fetch(repo, record_id), arrived, failed, self)

    def _deleted_elsewhere(self, kind: Kind, form: RecordForm, then: Then | None) -> None:
        """Someone else deleted this record: save the text as a new one, or let it go."""
        choice = prompts.ask_deleted_elsewhere(self.window, form.describe())
        if choice is prompts.Choice.CANCEL:
            return
        if choice is prompts.Choice.SAVE_AS_NEW:
            self.save_as_new(kind, then)
            return
        gone = form.record
        with self.quietly():
            self.handler(kind).model.remove_record(gone.id)
            self.panes[kind].table.select_row(-1)
        form.clear()
        self._show(kind, None)

    def save_as_new(self, kind: Kind, then: Then | None = None) -> None:
        """The shown record was deleted elsewhere: store the form's text as a new one."""
        form = self.forms[kind]
        gone = form.record
        if gone is not None:
            with self.quietly():
                self.handler(kind).model.remove_record(gone.id)
                self.panes[kind].table.select_row(-1)
        form.detach()
        self.save(kind, then)

    # -- delete -----------------------------------------------------------------------------------
    def delete(self, kind: Kind) -> None:
        handler = self.handler(kind)
        record = handler.form.record
        if record is None:
            return
        focused = self._holds_focus(kind)
        self.worker.submit(
            lambda repo: handler.delete_report(repo, record),
            lambda found: self._confirm_delete(kind, record, found, focused),
            lambda error: self._delete_failed(kind, record, error, focused),
            owner=self,
        )

    def _confirm_delete(self, kind: Kind, record: Any, report: DeleteReport, focused: bool) -> None:
        handler = self.handler(kind)
        if not prompts.confirm_delete(self.window, handler.question(record, report)):
            return

        def operation(repo: Repository) -> DeleteReport:
            # Deletes nothing unless what goes with the record is still what was named.
            return handler.delete(repo, record, report)

        self.worker.submit(
            operation,
            lambda _deleted: self._deleted(kind, record, focused),
            lambda error: self._delete_failed(kind, record, error, focused),
            owner=self,
            write=True,
        )

    def _delete_failed(self, kind: Kind, record: Any, error: StoreError, focused: bool) -> None:
        if isinstance(error, DeleteChangedError):  # ask again, with what is there now
            self.message.emit(str(error))
            self._confirm_delete(kind, record, error.current, focused)
            return
        if isinstance(error, NotFoundError):  # someone else was quicker: it is gone all the same
            self._deleted(kind, record, focused)
            self.message.emit(f"The {kind.value} had already been deleted elsewhere.")
            return
        self.error.emit("Not Deleted", _naming(kind, error))

    def _deleted(self, kind: Kind, record: Any, focused: bool) -> None:
        handler = self.handler(kind)
        model = handler.model
        with self.quietly():  # the person already agreed to lose this record's edits
            row = model.remove_record(record.id)
        handler.form.clear()
        neighbour = model.record(min(row or 0, model.rowCount() - 1))
        self.select(kind, neighbour.id if neighbour is not None else None)
        if focused:  # the keyboard stays where the person was: on the list, next row
            self.panes[kind].table.setFocus()
        handler.after_delete()
        self.message.emit(f"Deleted the {kind.value}.")

    def _holds_focus(self, kind: Kind) -> bool:
        """The keyboard focus is in `kind`'s pane or form."""
        widget = QApplication.focusWidget()
        while widget is not None:
            if widget is self.panes[kind] or widget is self.forms[kind]:
                return True
            widget = widget.parentWidget()
        return False

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


@dataclass(frozen=True)
class _Found:
    """A search result located in the three lists, with the filters that list it."""

    user: User
    post: Post
    comment: Comment | None
    user_filter: str
    post_filter: str
    user_row: int
    post_row: int
    comment_row: int | None


def _locate(
    repo: Repository, post_id: int, comment_id: int | None, user_filter: str, post_filter: str
) -> _Found | None:
    """Where a found post, its author and the matching comment stand in their lists; a
    filter that hides one of them is dropped. None: the post is gone."""
    try:
        post = repo.get_post(post_id)
        user = repo.get_user(post.user_id)
        comment = repo.get_comment(comment_id) if comment_id is not None else None
    except NotFoundError:
        return None
    user_row = repo.user_position(user.id, user_filter)
    if user_row is None:
        user_filter, user_row = "", repo.user_position(user.id, "")
    post_row = repo.post_position(post.id, user.id, post_filter)
    if post_row is None:
        post_filter, post_row = "", repo.post_position(post.id, user.id, "")
    if user_row is None or post_row is None:
        return None
    comment_row = None
    if comment is not None and comment.post_id == post.id:
        comment_row = repo.comment_position(comment.id, post.id)
    return _Found(user, post, comment, user_filter, post_filter, user_row, post_row, comment_row)


def _naming(kind: Kind, error: StoreError) -> str:
    """The error's sentence, naming the kind of record where the store could not."""
    if isinstance(error, RecordLockedError):
        return str(error.about(kind.value))
    return str(error)
