"""A database the person may read but not change, in the window: a server role with SELECT
only, or a SQLite file that may only be read. Lists and forms work; every editing control
is disabled; one line says why. A role that cannot apply a pending update is refused with
the reason, and the database that was open stays open."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QPlainTextEdit

from desktop.store.urls import DatabaseUrl, parse_url
from desktop.ui.editing import Kind
from desktop.ui.main_window import MainWindow
from tests.store.test_open_errors import read_only
from tests.support.roles import Team
from tests.ui.conftest import (
    USER_NAMES,
    WAIT_MS,
    Bot,
    Desk,
    MakeDesk,
    Prompts,
    cells,
    open_and_wait,
    seed,
    wait_idle,
)
from tests.ui.test_main_window import select_post, select_user

READ_ONLY = "You can read this database but not change it"


@pytest.fixture(scope="module")
def team(pg_admin_url: str) -> Iterator[Team]:
    made = Team(pg_admin_url)
    yield made
    made.close()


def editing_actions(window: MainWindow) -> dict[str, bool]:
    """The New, Save, Delete and Import entries shown (the Edit menu's "New …" of the pane
    in focus is hidden: Ctrl+N's entry says it) and whether each is enabled."""
    actions = [window.new_action, window.save_action, window.delete_action]
    actions += [*window.new_kind_actions.values(), window.import_action, window.import_posts_action]
    shown = [action for action in actions if action.isVisible()]
    return {action.text().replace("&", ""): action.isEnabled() for action in shown}


def assert_read_only(desk: Desk, reason: str) -> None:
    window = desk.window
    assert window.read_only_label.isVisible()
    assert window.read_only_label.text() == reason
    assert window.read_only_reason == reason
    actions = editing_actions(window)
    assert "Import Users…" in actions and "Import Posts…" in actions
    assert not any(actions.values()), actions
    for kind in Kind:
        form = desk.form(kind)
        buttons = [b for b in form.findChildren(QAbstractButton) if b.isVisibleTo(form)]
        assert buttons and not any(b.isEnabled() for b in buttons), kind
        for editor in form.findChildren(QLineEdit) + form.findChildren(QPlainTextEdit):
            assert editor.isReadOnly(), (kind, editor.accessibleName())


def browse(qtbot: Bot, desk: Desk) -> None:
    """Lists and forms work as ever."""
    assert cells(desk.table(Kind.USER)) == USER_NAMES
    select_user(qtbot, desk, "Ada Lovelace")
    assert desk.form(Kind.USER).values()["email"] == "ada@example.com"
    select_post(qtbot, desk, "On Bernoulli numbers")
    assert cells(desk.table(Kind.COMMENT)) == ["Table of values, please."]


@pytest.mark.postgres
def test_a_role_that_may_only_read_sees_everything_and_changes_nothing(
    team: Team, make_desk: MakeDesk, qtbot: Bot, tmp_path: Path
) -> None:
    name = team.database(grant=False)
    seed(team.url(name, team.owner))
    team.grant(name)
    desk = make_desk(team.url(name, team.reader))

    browse(qtbot, desk)
    assert_read_only(desk, f"{READ_ONLY}: role {team.reader} has no UPDATE permission.")
    # Ctrl+S, Ctrl+N and Delete go through the disabled actions: nothing is sent.
    form = desk.form(Kind.POST)
    form.editor("title").setFocus()
    qtbot.keyClicks(form.editor("title"), "typed anyway")
    assert form.values()["title"] == "On Bernoulli numbers"
    assert not form.is_dirty()

    shot = Path(os.environ.get("POSTDESK_SHOTS", tmp_path)) / "read-only.png"
    assert desk.window.grab().save(str(shot))


@pytest.mark.postgres
def test_a_role_that_cannot_apply_an_update_is_refused_and_the_old_database_stays(
    team: Team, desk: Desk, qtbot: Bot, answers: Prompts
) -> None:
    name = team.database(upto="001")
    window = desk.window
    previous = window.url
    with qtbot.waitSignal(window.switcher.failed, timeout=WAIT_MS):
        window.open_database(parse_url(team.url(name, team.app)))
    [(title, message)] = answers.take_errors()
    assert title == "Could Not Open Database"
    assert message.startswith("This database needs update")
    assert f"role {team.app} cannot create tables in schema public" in message
    assert window.url == previous
    assert not window.read_only_label.isVisible()


def test_a_read_only_file_opens_read_only_and_a_writable_one_after_it_is_editable(
    tmp_path: Path, make_desk: MakeDesk, qtbot: Bot
) -> None:
    path = tmp_path / "shared.sqlite3"
    seed(str(path))
    with read_only(path):
        desk = make_desk(str(path))
        browse(qtbot, desk)
        assert_read_only(desk, f"{READ_ONLY}: the file {path} is read-only.")

        writable = tmp_path / "mine.sqlite3"
        seed(str(writable))
        open_and_wait(qtbot, desk.window, DatabaseUrl("sqlite", str(writable)))
        wait_idle(qtbot, desk.worker)
    window = desk.window
    assert not window.read_only_label.isVisible()
    assert window.read_only_reason is None
    assert all(editing_actions(window).values())
    select_user(qtbot, desk, "Ada Lovelace")
    assert not desk.form(Kind.USER).editor("name").isReadOnly()
