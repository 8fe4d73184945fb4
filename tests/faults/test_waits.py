"""Waiting on other people, through the window: a save that meets a post another session is
changing gives up after a few seconds and keeps the text; Reload after a conflict shows the
post as stored when the person answers, not as it was when the conflict was found."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.ui import prompts
from desktop.ui.editing import Kind
from desktop.ui.prompts import Choice
from tests.faults.conftest import Ledger
from tests.faults.test_concurrent_edits import edit_and_save, open_ada_first_post
from tests.support.pg_conflicts import post_locked
from tests.ui.conftest import Bot, MakeDesk, Prompts, peek, type_into, wait_idle
from tests.ui.test_main_window import shown_post

pytestmark = pytest.mark.fault

WATCHDOG_S = 20.0  # the other session is ended after this: a save that never gives up
server_only = pytest.mark.parametrize(
    "dialect", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@server_only
def test_a_save_meeting_a_post_held_elsewhere_says_so_and_keeps_the_text(
    seeded_url: str, make_desk: MakeDesk, qtbot: Bot, answers: Prompts, ledger: Ledger
) -> None:
    desk = make_desk(seeded_url)
    open_ada_first_post(qtbot, desk)
    loaded = shown_post(desk)
    form = desk.form(Kind.POST)

    with post_locked(seeded_url, loaded.id, watchdog_s=WATCHDOG_S):
        type_into(qtbot, form.editor("title"), "Mine")
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(answers.errors), timeout=int(WATCHDOG_S * 1000) + 5000)

    assert answers.take_errors() == [
        (
            "Not Saved",
            "Someone else is changing this post right now; try again in a moment.\n\n"
            "Your changes are still in the form.",
        )
    ]
    assert form.values()["title"] == "Mine" and form.is_dirty()
    with peek(seeded_url) as other:
        assert other.get_post(loaded.id).title == "On Bernoulli numbers"
    # The other session is done: the same save goes through.
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, desk.worker)
    assert not form.is_dirty()
    with peek(seeded_url) as other:
        assert other.get_post(loaded.id).title == "Mine"
        ledger.check_rows(2, other.count_posts(loaded.user_id), "Ada's posts")


def test_reload_after_a_conflict_shows_the_post_as_stored_when_answered(
    seeded_url: str,
    make_desk: MakeDesk,
    qtbot: Bot,
    monkeypatch: pytest.MonkeyPatch,
    ledger: Ledger,
) -> None:
    desk = make_desk(seeded_url)
    open_ada_first_post(qtbot, desk)
    loaded = shown_post(desk)
    with peek(seeded_url) as other:
        other.update_post(loaded.id, "Theirs", "Their text", expected=loaded)
    questions: list[str] = []

    def answer_later(_parent: object, what: str) -> Choice:
        questions.append(what)
        # While the question is open, the other person saves once more.
        with peek(seeded_url) as other:
            theirs = other.get_post(loaded.id)
            other.update_post(loaded.id, "Theirs, later", "Their later text", expected=theirs)
        return Choice.RELOAD

    monkeypatch.setattr(prompts, "ask_changed_elsewhere", answer_later)

    edit_and_save(qtbot, desk, "Mine")

    assert questions == ["the post “On Bernoulli numbers”"]
    form = desk.form(Kind.POST)
    assert (form.values()["title"], form.values()["content"]) == (
        "Theirs, later",
        "Their later text",
    )
    assert not form.is_dirty()
    assert shown_post(desk).title == "Theirs, later"
    assert desk.row_of(Kind.POST, "Theirs, later", column=0) >= 0
    with peek(seeded_url) as other:
        assert other.get_post(loaded.id).title == "Theirs, later"
        ledger.check_rows(2, other.count_posts(loaded.user_id), "Ada's posts")
