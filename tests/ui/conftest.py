"""Fixtures for driving the main window as a person would: a window open on a seeded
database, the questions the app asks (answered by the test instead of a dialog), and small
helpers for clicking, typing and waiting until the database thread is idle.

What the window did is checked through a separate connection (`peek`), never through the
window's own models alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView, QWidget

from desktop.store.connection import open_database
from desktop.store.repository import Repository
from desktop.store.urls import DatabaseUrl, parse_url
from desktop.ui import prompts
from desktop.ui.editing import Kind
from desktop.ui.forms.base import RecordForm
from desktop.ui.main_window import MainWindow
from desktop.ui.prompts import Choice
from desktop.ui.settings import Settings
from desktop.ui.views import RecordTable
from desktop.ui.worker import Worker
from tests.support.dbtools import run

WAIT_MS = 15_000


class Bot(Protocol):
    """What the tests use of pytest-qt's `qtbot`, typed (it passes QTest's methods on untyped)."""

    def addWidget(self, widget: QWidget, *, before_close_func: Any = None) -> None: ...
    def waitExposed(self, widget: QWidget, *, timeout: int = ...) -> Any: ...
    def waitSignal(self, signal: Any, *, timeout: int = ...) -> Any: ...
    def waitUntil(self, callback: Callable[[], bool | None], *, timeout: int = ...) -> None: ...
    def keyClicks(self, widget: QWidget, text: str) -> None: ...
    def keyClick(
        self,
        widget: QWidget,
        key: Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None: ...
    def mouseClick(
        self,
        widget: QWidget,
        button: Qt.MouseButton,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
        pos: QPoint = ...,
    ) -> None: ...


# -- waiting, clicking, typing -------------------------------------------------------------------


def wait_idle(qtbot: Bot, worker: Worker, timeout: int = WAIT_MS) -> None:
    """Until the database thread has answered everything asked of it so far."""
    qtbot.waitUntil(lambda: not worker.busy, timeout=timeout)


def click_row(qtbot: Bot, table: QAbstractItemView, row: int, column: int = 0) -> None:
    """A real left click in the middle of a row's cell."""
    index = table.model().index(row, column)
    assert index.isValid(), f"row {row} is not in the table ({table.model().rowCount()} rows)"
    table.scrollTo(index)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )


def type_into(qtbot: Bot, widget: QWidget, text: str, *, replace: bool = True) -> None:
    """Focus a field, select what it holds (Ctrl+A) and type over it, key by key."""
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    if replace:
        qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def field_text(form: RecordForm, key: str) -> str:
    """What a form's field shows."""
    return form.values()[key]


def cells(table: QAbstractItemView, column: int = 0) -> list[str]:
    model = table.model()
    return [str(model.index(row, column).data()) for row in range(model.rowCount())]


# -- the questions the app asks ---------------------------------------------------------------


@dataclass
class Prompts:
    """Stand-ins for desktop.ui.prompts: queued answers, and a record of every question.

    A question with no queued answer fails the test (a real dialog would hang it); errors
    shown are recorded in `errors` and must be taken (`take_errors`) by the test expecting
    them: any left over fail the test at teardown.
    """

    save_answers: list[Choice] = field(default_factory=list)
    delete_answers: list[bool] = field(default_factory=list)
    existing_files: list[Path | None] = field(default_factory=list)
    new_files: list[Path | None] = field(default_factory=list)
    adopt_answers: list[bool] = field(default_factory=list)
    adopt_questions: list[tuple[str, str]] = field(default_factory=list)
    save_questions: list[str] = field(default_factory=list)
    delete_questions: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    on_teardown: bool = False

    def ask_save_changes(self, _parent: object, what: str) -> Choice:
        self.save_questions.append(what)
        if self.on_teardown:
            return Choice.DISCARD
        assert self.save_answers, f"unexpected question: save the changes to {what}?"
        return self.save_answers.pop(0)

    def confirm_delete(self, _parent: object, question: str) -> bool:
        self.delete_questions.append(question)
        assert self.delete_answers, f"unexpected question: {question}"
        return self.delete_answers.pop(0)

    def ask_adopt(self, _parent: object, database: str, summary: str) -> bool:
        self.adopt_questions.append((database, summary))
        assert self.adopt_answers, f"unexpected question: adopt {database}?"
        return self.adopt_answers.pop(0)

    def show_error(self, _parent: object, title: str, message: str) -> None:
        self.errors.append((title, message))

    def choose_existing_database_file(self, _parent: object, _folder: str) -> Path | None:
        assert self.existing_files, "unexpected question: which file to open?"
        return self.existing_files.pop(0)

    def choose_new_database_file(self, _parent: object, _folder: str) -> Path | None:
        assert self.new_files, "unexpected question: where to create a database?"
        return self.new_files.pop(0)

    def stop_asking(self) -> None:
        """The test is over: unsaved edits are discarded without a question."""
        self.on_teardown = True

    def take_errors(self) -> list[tuple[str, str]]:
        taken, self.errors = self.errors, []
        return taken


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Prompts]:
    """Every question the window asks goes to the test instead of a modal dialog."""
    fake = Prompts()
    for name in (
        "ask_save_changes",
        "confirm_delete",
        "show_error",
        "choose_existing_database_file",
        "choose_new_database_file",
        "ask_adopt",
    ):
        monkeypatch.setattr(prompts, name, getattr(fake, name))
    yield fake
    fake.stop_asking()
    assert not fake.errors, f"errors shown that the test did not expect: {fake.errors}"


# -- settings ---------------------------------------------------------------------------------


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "s.ini"


@pytest.fixture
def settings(settings_path: Path) -> Settings:
    """Throw-away settings in an ini file: never the person's own."""
    return Settings(QSettings(str(settings_path), QSettings.Format.IniFormat))


# -- data ---------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SeedPost:
    title: str
    days_ago: int
    comments: tuple[str, ...] = ()


# Users come back in name order; posts newest first. The posts are written in an order
# other than their dates, so "newest first" is not the same as "last written first".
SEED: dict[tuple[str, str], tuple[SeedPost, ...]] = {
    ("Ada Lovelace", "ada@example.com"): (
        SeedPost("Notes on the Analytical Engine", 30, ("Brilliant.", "Translate more!")),
        SeedPost("On Bernoulli numbers", 10, ("Table of values, please.",)),
    ),
    ("Alan Turing", "alan@example.com"): (
        SeedPost("On Computable Numbers", 300),
        SeedPost("Morphogenesis", 5),
        SeedPost("Computing Machinery and Intelligence", 100, ("Can machines think?",)),
    ),
    ("Grace Hopper", "grace@example.com"): (),
}
USER_NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]


def seed(url: str, data: dict[tuple[str, str], tuple[SeedPost, ...]] = SEED) -> None:
    """Create (migrate) the database at `url` and fill it, through a connection of its own."""
    with open_database(url) as backend:
        repo = Repository(backend)
        for (name, email), posts in data.items():
            user = repo.create_user(name, email)
            for post in posts:
                created = repo.create_post(user.id, post.title, f"About {post.title.lower()}.")
                when = backend.time_to_db(NOW - timedelta(days=post.days_ago))
                run(backend, "UPDATE posts SET created_at = ? WHERE id = ?", (when, created.id))
                for body in post.comments:
                    repo.create_comment(created.id, body)


@contextmanager
def peek(url: str) -> Iterator[Repository]:
    """A separate connection to what the window has stored."""
    with open_database(url, migrate=False, create=False) as backend:
        yield Repository(backend)


def user_by_name(repo: Repository, name: str) -> Any:
    matches = [user for user in repo.list_users(name, 1000).items if user.name == name]
    return matches[0] if matches else None


# -- the window -------------------------------------------------------------------------------


@dataclass
class Desk:
    """A main window on a database, with its worker and the test's answers."""

    window: MainWindow
    worker: Worker
    url: str
    settings: Settings
    answers: Prompts

    @property
    def database_url(self) -> DatabaseUrl:
        return parse_url(self.url)

    def table(self, kind: Kind) -> RecordTable:
        return self.window.panes[kind].table

    def form(self, kind: Kind) -> RecordForm:
        return self.window.forms[kind]

    def row_of(self, kind: Kind, text: str, column: int = 0) -> int:
        """The row whose cell in `column` reads `text`."""
        shown = cells(self.table(kind), column)
        assert text in shown, f"{text!r} is not listed: {shown}"
        return shown.index(text)


MakeDesk = Callable[..., Desk]


def wait_not_switching(qtbot: Bot, window: MainWindow) -> None:
    """Until no database is being opened in the background."""
    switcher = window.switcher
    qtbot.waitUntil(lambda: not switcher.busy, timeout=WAIT_MS)


def open_and_wait(qtbot: Bot, window: MainWindow, url: DatabaseUrl, **kw: Any) -> None:
    """Open `url` in the window and wait until its users' first page and count are in."""
    with qtbot.waitSignal(window.switcher.opened, timeout=WAIT_MS):
        window.open_database(url, **kw)
    wait_idle(qtbot, window.worker)
    assert window.users.total is not None


@pytest.fixture
def make_desk(qtbot: Bot, answers: Prompts, settings: Settings) -> Iterator[MakeDesk]:
    """make_desk(url, settings=None) -> a shown window with the users of `url` loaded."""
    desks: list[Desk] = []

    def make(url: str, desk_settings: Settings | None = None) -> Desk:
        worker = Worker()
        chosen = desk_settings or settings
        window = MainWindow(worker, chosen)
        desk = Desk(window, worker, url, chosen, answers)
        desks.append(desk)
        # pytest-qt closes the window before this fixture's teardown: from then on an
        # unsaved edit left by the test is thrown away rather than asked about.
        qtbot.addWidget(window, before_close_func=lambda _w: answers.stop_asking())
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        open_and_wait(qtbot, window, parse_url(url))
        return desk

    yield make
    answers.stop_asking()
    for desk in reversed(desks):
        try:
            wait_idle(qtbot, desk.worker)
            wait_not_switching(qtbot, desk.window)
        finally:
            desk.worker.stop()


@pytest.fixture
def seeded_url(empty_url: str) -> str:
    """A database of the current dialect holding SEED."""
    seed(empty_url)
    return empty_url


# Tests take the database fixture before `make_desk`: fixtures end in reverse order, so the
# window and its worker are gone before the database is dropped.
@pytest.fixture
def desk(seeded_url: str, make_desk: MakeDesk) -> Desk:
    """The window open on SEED (once per backend)."""
    return make_desk(seeded_url)
