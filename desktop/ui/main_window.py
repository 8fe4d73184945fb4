"""The main window: three linked panes (users, posts, the post with its comments), menus,
the status bar, and what is remembered between launches."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__, paths
from desktop.store.errors import PasswordNeededError, StoreError
from desktop.store.urls import DatabaseUrl, conninfo_parts
from desktop.ui import prompts
from desktop.ui.announce import announce
from desktop.ui.dialogs.list_files import ListFiles
from desktop.ui.editing import Editing, Kind
from desktop.ui.forms.comment_form import CommentForm
from desktop.ui.forms.post_form import PostForm
from desktop.ui.forms.user_form import UserForm
from desktop.ui.live import LiveChanges
from desktop.ui.models import CommentsModel, PostsModel, UsersModel
from desktop.ui.settings import Settings
from desktop.ui.switching import DatabaseSwitcher, Opened, first_look
from desktop.ui.views import ListPane
from desktop.ui.worker import Worker

if TYPE_CHECKING:  # imported when first used: the dialog (and html) cost every start otherwise
    from desktop.ui.dialogs.find_dialog import FindDialog

log = logging.getLogger(__name__)
BUSY_DELAY_MS = 150
READ_ONLY_STYLE = "background: #fff4ce; color: #3d3000; padding: 4px 8px; font-weight: bold;"


class MainWindow(QMainWindow):
    def __init__(self, worker: Worker, settings: Settings) -> None:
        super().__init__()
        self.worker = worker
        self.find_dialog: FindDialog | None = None
        self.settings = settings
        self.url: DatabaseUrl | None = None
        self.opened: Opened | None = None
        self._may_close = False
        self._focus_kind = Kind.USER  # the pane to focus once a database has opened
        # False for unattended runs (--screenshot): failures are logged, never asked about.
        self.interactive = True
        self.setWindowTitle("Postdesk[*]")
        self.resize(1200, 760)

        self.users = UsersModel(worker)
        self.posts = PostsModel(worker)
        self.comments = CommentsModel(worker)
        for model in (self.users, self.posts, self.comments):
            # Gone with the window: a page (or a live change) answered after it closed
            # then finds no model to fill instead of a deleted table to repaint.
            model.setParent(self)
        self.panes = {
            Kind.USER: ListPane("Users", self.users, filter_placeholder="Filter by name or email"),
            Kind.POST: ListPane("Posts", self.posts, filter_placeholder="Filter by title"),
            Kind.COMMENT: ListPane("Comments", self.comments),
        }
        self.forms = {Kind.USER: UserForm(), Kind.POST: PostForm(), Kind.COMMENT: CommentForm()}
        self._restore_orders()
        self._build_layout()
        self.editing = Editing(self, worker, self.panes, self.forms)
        self.switcher = DatabaseSwitcher(self, worker, first_look(self.users))
        self.live = LiveChanges(worker, self)  # other people's changes, shown as they come
        self.live.changed.connect(self.editing.follow)
        self._build_actions()
        self._build_status_bar()

        self.editing.message.connect(self.say)
        self.editing.error.connect(lambda title, text: prompts.show_error(self, title, text))
        worker.unhandled_error.connect(lambda error: self._show_error("Postdesk", error))
        for model in (self.users, self.posts, self.comments):
            model.failed.connect(lambda error: self._show_error("Could Not Load", error))
        for form in self.forms.values():
            form.modified_changed.connect(lambda _dirty: self._update_modified())
        self.switcher.opened.connect(self._database_opened)
        self.switcher.failed.connect(self._open_failed)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)
        self._restore_layout()
        self._update_actions()
        self.panes[Kind.USER].table.setFocus()

    # -- layout ---------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        users_column = _column(self.panes[Kind.USER], self.forms[Kind.USER])
        self.post_splitter = QSplitter(Qt.Orientation.Vertical)
        self.post_splitter.setObjectName("postSplitter")
        self.post_splitter.addWidget(_column(self.forms[Kind.POST]))
        self.post_splitter.addWidget(_column(self.panes[Kind.COMMENT], self.forms[Kind.COMMENT]))
        self.post_splitter.setStretchFactor(0, 3)
        self.post_splitter.setStretchFactor(1, 2)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(users_column)
        self.splitter.addWidget(_column(self.panes[Kind.POST]))
        self.splitter.addWidget(self.post_splitter)
        self.splitter.setSizes([380, 330, 490])
        self.splitter.setChildrenCollapsible(False)
        # One line under the menu bar says why nothing can be changed, for as long as that
        # is so (a role without write privileges, a read-only file); the status bar's
        # permanent labels would cut a sentence this long.
        self.read_only_label = QLabel()
        self.read_only_label.setObjectName("readOnlyLine")
        self.read_only_label.setAccessibleName("Read-only")
        self.read_only_label.setWordWrap(True)
        self.read_only_label.setStyleSheet(READ_ONLY_STYLE)
        self.read_only_label.hide()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.read_only_label)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        users_header = self.panes[Kind.USER].table.horizontalHeader()
        users_header.setStretchLastSection(False)
        users_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        users_header.resizeSection(0, 150)
        users_header.resizeSection(2, 56)
        posts_header = self.panes[Kind.POST].table.horizontalHeader()
        posts_header.setStretchLastSection(False)
        posts_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        posts_header.resizeSection(1, 130)
        # Tab order follows reading order: users, their form, posts, the post, comments.
        order: list[QWidget] = []
        for pane, form in (
            (self.panes[Kind.USER], self.forms[Kind.USER]),
            (self.panes[Kind.POST], None),
            (None, self.forms[Kind.POST]),
            (self.panes[Kind.COMMENT], self.forms[Kind.COMMENT]),
        ):
            if pane is not None:
                order += [w for w in (pane.filter, pane.table) if w is not None]
            if form is not None:
                order += form.focus_chain()
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&New Local Database…", self.new_local_database)
        self._action(
            file_menu,
            "&Open Local Database…",
            self.open_local_database,
            QKeySequence.StandardKey.Open,
        )
        self._action(
            file_menu, "&Connect to Server…", self.connect_to_server, QKeySequence("Ctrl+Shift+O")
        )
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self._action(file_menu, "Cop&y This Database To…", self.copy_database_to)
        self._action(file_menu, "&Merge Into…", self.merge_database_into)
        self.list_files = ListFiles(self)
        self.export_action = self._action(file_menu, "&Export List…", self.list_files.export)
        self.import_action = self._action(
            file_menu, "&Import Users…", lambda: self.list_files.import_rows("users")
        )
        self.import_posts_action = self._action(
            file_menu, "Import &Posts…", lambda: self.list_files.import_rows("posts")
        )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit_menu = self.menuBar().addMenu("&Edit")
        self.new_action = self._action(edit_menu, "&New", self._new, QKeySequence.StandardKey.New)
        self.save_action = self._action(
            edit_menu, "&Save", self._save, QKeySequence.StandardKey.Save
        )
        self.delete_action = self._action(
            edit_menu, "&Delete", self._delete, QKeySequence.StandardKey.Delete
        )
        edit_menu.addSeparator()
        # One "New …" entry per kind; the one the pane in focus names is Ctrl+N's, above.
        self.new_kind_actions = {
            kind: self._action(edit_menu, label, self._new_of(kind))
            for kind, label in (
                (Kind.USER, "New &User"),
                (Kind.POST, "New &Post"),
                (Kind.COMMENT, "New &Comment"),
            )
        }
        edit_menu.addSeparator()
        self._action(edit_menu, "&Find", self._find, QKeySequence.StandardKey.Find)
        self._action(
            edit_menu,
            "Find in Posts and C&omments…",
            self.find_everywhere,
            QKeySequence("Ctrl+Shift+F"),
        )
        self._action(edit_menu, "&Refresh", self.editing.refresh, QKeySequence.StandardKey.Refresh)

        go_menu = self.menuBar().addMenu("&Go")
        targets: list[tuple[str, Callable[[], QWidget]]] = [
            ("&Users", lambda: self.panes[Kind.USER].table),
            ("&Posts", lambda: self.panes[Kind.POST].table),
            ("Post &Form", lambda: self.forms[Kind.POST].editor("title")),
            ("&Comments", lambda: self.panes[Kind.COMMENT].table),
        ]
        for number, (label, target) in enumerate(targets, start=1):
            self._action(go_menu, label, _focuser(target), QKeySequence(f"Ctrl+{number}"))

        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Postdesk", self.show_about)

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def say(self, text: str) -> None:
        """A word in the status bar for five seconds, spoken by a screen reader as it shows."""
        self.statusBar().showMessage(text, 5000)
        announce(self.statusBar(), text)

    def _build_status_bar(self) -> None:
        self.database_label = QLabel("No database open")
        self.database_label.setAccessibleName("Open database")
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setAccessibleName("Working")
        self.busy_bar.setFormat("Working…")
        self.busy_bar.hide()
        self.connection_label = QLabel("Connection lost — reconnecting…")
        self.connection_label.setAccessibleName("Connection state")
        self.connection_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.connection_label.hide()
        self.statusBar().addPermanentWidget(self.connection_label)
        self.statusBar().addPermanentWidget(self.busy_bar)
        self.statusBar().addPermanentWidget(self.database_label)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self.busy_bar.show)
        self.worker.busy_changed.connect(self._busy_changed)
        self.worker.connection_lost.connect(lambda _reason: self.connection_label.show())
        self.worker.connection_restored.connect(self._connection_restored)

    def _connection_restored(self) -> None:
        self.connection_label.hide()
        self.say("The connection to the server is back.")

    def _busy_changed(self, busy: bool) -> None:
        # A short delay keeps quick answers from flickering the indicator.
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy_bar.hide()

    # -- actions on the pane in focus ---------------------------------------------------------
    def active_kind(self) -> Kind:
        """The pane the keyboard focus is in (posts when the focus is elsewhere)."""
        widget = QApplication.focusWidget()
        while widget is not None:
            for kind in Kind:
                if widget is self.panes[kind] or widget is self.forms[kind]:
                    return kind
            widget = widget.parentWidget()
        return Kind.POST

    def _new(self) -> None:
        self.editing.new(self.active_kind())

    def _new_of(self, kind: Kind) -> Callable[[], None]:
        return lambda: self.editing.new(kind)

    def _save(self) -> None:
        self.editing.save_changes(self.active_kind())

    def _delete(self) -> None:
        self.editing.delete(self.active_kind())

    def _find(self) -> None:
        kind = Kind.POST if self.active_kind() is Kind.POST else Kind.USER
        box = self.panes[kind].filter
        if box is not None:
            box.setFocus()
            box.selectAll()

    def find_everywhere(self) -> None:
        """The search dialog, kept from one use to the next with its last search."""
        if self.find_dialog is None:
            from desktop.ui.dialogs.find_dialog import FindDialog

            self.find_dialog = FindDialog(self.worker, self)
            self.find_dialog.open_requested.connect(self.editing.open_found)
        self.find_dialog.show()
        self.find_dialog.activateWindow()

    def _focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        self._update_actions()

    def _show_error(self, title: str, error: object) -> None:
        prompts.show_error(self, title, str(error))

    def _update_actions(self) -> None:
        kind = self.active_kind()
        name = kind.value.capitalize()
        self.new_action.setText(f"&New {name}")
        self.save_action.setText(f"&Save {name}")
        self.delete_action.setText(f"&Delete {name}")
        for other, action in self.new_kind_actions.items():
            action.setVisible(other is not kind)
        writable = self.read_only_reason is None
        for action in (self.new_action, self.save_action, self.delete_action):
            action.setEnabled(writable)
        for action in (self.import_action, self.import_posts_action):
            action.setEnabled(writable)
        for action in self.new_kind_actions.values():
            action.setEnabled(writable)

    @property
    def read_only_reason(self) -> str | None:
        """Why the open database may only be read; None when it may be changed."""
        return self.opened.read_only_reason if self.opened is not None else None

    def _update_modified(self) -> None:
        self.setWindowModified(self.editing.any_dirty())

    # -- databases ------------------------------------------------------------------------------
    def open_database(self, url: DatabaseUrl, *, create: bool = False) -> None:
        """Switch to `url` once unsaved edits are dealt with; migrations run first."""
        self._focus_kind = self.active_kind()
        self.editing.leave(self.editing.all_forms(), lambda: self.switcher.open(url, create=create))

    def new_local_database(self) -> None:
        path = prompts.choose_new_database_file(self, self._file_dialog_folder())
        if path is None:
            return
        if path.suffix == "":
            path = path.with_suffix(".sqlite3")
        if path.exists():
            prompts.show_error(
                self,
                "New Local Database",
                f"{path} already exists. Use Open Local Database to open it; "
                "Postdesk never overwrites a file.",
            )
            return
        self.open_database(DatabaseUrl("sqlite", str(path)), create=True)

    def open_local_database(self) -> None:
        path = prompts.choose_existing_database_file(self, self._file_dialog_folder())
        if path is not None:
            self.open_database(DatabaseUrl("sqlite", str(path)))

    def connect_to_server(self, initial: dict[str, str] | None = None) -> None:
        from desktop.ui.dialogs.connect_dialog import ConnectDialog

        if initial is None and self.url is not None and self.url.dialect == "postgresql":
            initial = conninfo_parts(self.url.redacted())
        dialog = ConnectDialog(self, initial)
        dialog.setObjectName("connectDialog")
        dialog.accepted.connect(lambda: self.open_database(dialog.url()))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()

    def copy_database_to(self) -> None:
        from desktop.ui.dialogs.copy_dialog import copy_to

        if self.url is not None:
            copy_to(self, self.url, self._file_dialog_folder(), self.open_database)

    def merge_database_into(self) -> None:
        from desktop.ui.dialogs.merge_dialog import merge_into

        if self.url is not None:
            merge_into(self, self.url, self._file_dialog_folder())

    def _file_dialog_folder(self) -> str:
        if self.url is not None and self.url.dialect == "sqlite":
            return str(Path(self.url.target).parent)
        return str(paths.data_dir())

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent()
        for url in recent:
            label = url.display().replace("&", "&&")
            action = self.recent_menu.addAction(label)
            action.triggered.connect(lambda _checked=False, url=url: self.open_database(url))
        if not recent:
            self.recent_menu.addAction("No recent databases").setEnabled(False)
        self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("&Clear Menu")
        clear.setEnabled(bool(recent))
        clear.triggered.connect(self.settings.clear_recent)

    def _database_opened(self, opened: Opened) -> None:
        self.opened = opened
        self.url = opened.url
        # Following other people's changes starts before the first users are read, so
        # that nothing changed in between is missed: from where the open's look found the
        # change log before it read them, or else from a read the worker makes first.
        looked = opened.looked
        self.live.start(opened.url, looked.since if looked is not None else None)
        # The first page is asked for next (or shown, when the open read it with its
        # checks): the database reads it while the rest of this (about 5 ms of the
        # window's time) is done.
        self.editing.reset(looked.users if looked is not None else None)
        self._show_read_only(opened.read_only_reason)
        self.settings.remember_database(opened.url)
        if self.find_dialog is not None:  # its results were another database's
            self.find_dialog.search_now()
        # The keyboard stays in the pane it was in, not in whatever Qt picks as the
        # cleared forms give up the focus.
        self.panes[self._focus_kind].table.setFocus()
        kind = "SQLite" if opened.url.dialect == "sqlite" else "PostgreSQL"
        version = opened.version or "none"
        self.database_label.setText(f"{kind}: {opened.url.display()} · schema {version}")
        self.setWindowTitle(f"{_short_name(opened.url)}[*] — Postdesk")
        count = len(opened.applied)
        plural = "s" if count != 1 else ""
        note = f" and applied {count} migration{plural}" if count else ""
        if opened.read_only_reason is not None:
            note += ", read-only"
        self.say(f"Opened the database{note}.")

    def _show_read_only(self, reason: str | None) -> None:
        self.read_only_label.setText(reason or "")
        self.read_only_label.setVisible(reason is not None)
        for form in self.forms.values():
            form.set_read_only(reason is not None)
        self._update_actions()

    def _open_failed(self, url: DatabaseUrl, error: StoreError) -> None:
        log.warning("could not open %s: %s", url.display(), error)
        if not self.interactive:
            return
        if isinstance(error, PasswordNeededError):
            from desktop.ui.dialogs.password_dialog import ask_password

            ask_password(self, url, error)
            return
        still = f"\n\n{self.url.display()} is still open." if self.url is not None else ""
        prompts.show_error(self, "Could Not Open Database", f"{error}{still}")

    # -- about ------------------------------------------------------------------------------------
    def about_text(self) -> str:
        import platform  # only for this box: its patterns cost every start otherwise

        database = self.url.display() if self.url else "none"
        engine = self.opened.engine if self.opened else "—"
        version = self.opened.version if self.opened else "—"
        return (
            f"<h3>Postdesk {__version__}</h3>"
            "<p>Users, their posts and the comments on them, in a local file or on a "
            "PostgreSQL server.</p>"
            f"<p>Python {platform.python_version()}<br>Qt {qVersion()}<br>"
            f"PySide6 {pyside_version}</p>"
            f"<p>Database: {_escape(database)}<br>{engine}, schema version {version}</p>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self, "About Postdesk", self.about_text())

    # -- leaving --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close or not self.editing.any_dirty():
            self._save_layout()
            self.switcher.cancel()
            self.live.stop()
            event.accept()
            return
        event.ignore()
        self.editing.leave(self.editing.all_forms(), self._close_now)

    def _close_now(self) -> None:
        self._may_close = True
        # Not from inside closeEvent(): Qt ignores a close() made there.
        QTimer.singleShot(0, self.close)

    def _save_layout(self) -> None:
        self.settings.set_value("window/geometry", self.saveGeometry())
        self.settings.set_value("window/mainSplitter", self.splitter.saveState())
        self.settings.set_value("window/postSplitter", self.post_splitter.saveState())

    def _restore_orders(self) -> None:
        """Each list in the order last chosen for it, remembered as soon as it changes."""
        for name, pane in (
            ("users", self.panes[Kind.USER]),
            ("posts", self.panes[Kind.POST]),
            ("comments", self.panes[Kind.COMMENT]),
        ):
            model = pane.table.paged_model
            remembered = self.settings.list_order(name)
            if remembered is not None:
                model.set_order(remembered)
                pane.table.show_order()
            model.order_chosen.connect(
                lambda order, name=name: self.settings.remember_list_order(name, order)
            )

    def _restore_layout(self) -> None:
        geometry = self.settings.bytes_value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for key, splitter in (
            ("window/mainSplitter", self.splitter),
            ("window/postSplitter", self.post_splitter),
        ):
            state = self.settings.bytes_value(key)
            if state is not None:
                splitter.restoreState(state)


def _column(*widgets: QWidget) -> QWidget:
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(6, 6, 6, 6)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, ListPane | PostForm) else 0)
    return column


def _focuser(target: Callable[[], QWidget]) -> Callable[[], None]:
    return lambda: target().setFocus()


def _short_name(url: DatabaseUrl) -> str:
    return Path(url.target).name if url.dialect == "sqlite" else url.display()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
