"""Two clients on the same records: the window's second save notices the first and asks;
nothing is overwritten silently, and nothing is stored twice or lost."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.ui import prompts
from desktop.ui.editing import Kind
from desktop.ui.prompts import Choice
from tests.faults.conftest import Ledger
from tests.ui.conftest import Bot, Desk, MakeDesk, peek, type_into, wait_idle
from tests.ui.test_main_window import select_post, select_user, shown_post

pytestmark = pytest.mark.fault


class Asked:
    """Answers the two conflict questions with a queued choice and records them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: list[Choice] = []
        self.questions: list[str] = []
        monkeypatch.setattr(prompts, "ask_changed_elsewhere", self._ask)
        monkeypatch.setattr(prompts, "ask_deleted_elsewhere", self._ask)

    def _ask(self, _parent: object, what: str) -> Choice:
        self.questions.append(what)
        assert self.answers, f"unexpected question about {what}"
        return self.answers.pop(0)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    return Asked(monkeypatch)


def open_ada_first_post(qtbot: Bot, desk: Desk) -> None:
    select_user(qtbot, desk, "Ada Lovelace")
    select_post(qtbot, desk, "On Bernoulli numbers")


def edit_and_save(qtbot: Bot, desk: Desk, title: str) -> None:
    form = desk.form(Kind.POST)
    type_into(qtbot, form.editor("title"), title)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, desk.worker)


@pytest.mark.parametrize("choice", [Choice.RELOAD, Choice.OVERWRITE, Choice.CANCEL])
def test_second_save_of_a_post_changed_elsewhere_asks_and_overwrites_nothing_unasked(
    seeded_url: str, make_desk: MakeDesk, qtbot: Bot, asked: Asked, ledger: Ledger, choice: Choice
) -> None:
    desk = make_desk(seeded_url)
    open_ada_first_post(qtbot, desk)
    loaded = shown_post(desk)
    with peek(seeded_url) as other:
        other.update_post(loaded.id, "Theirs", "Their text", expected=loaded)
    asked.answers.append(choice)

    edit_and_save(qtbot, desk, "Mine")

    assert asked.questions == ["the post “On Bernoulli numbers”"]
    form = desk.form(Kind.POST)
    with peek(seeded_url) as other:
        stored = other.get_post(loaded.id)
        ledger.check_rows(2, other.count_posts(loaded.user_id), "Ada's posts")
    if choice is Choice.RELOAD:
        assert (stored.title, stored.content) == ("Theirs", "Their text")
        assert form.values()["title"] == "Theirs" and not form.is_dirty()
    elif choice is Choice.OVERWRITE:
        assert stored.title == "Mine"
        assert stored.content == "About on bernoulli numbers."  # what the form held
        assert not form.is_dirty()
    else:
        assert stored.title == "Theirs"
        assert form.values()["title"] == "Mine" and form.is_dirty()  # kept for the person


def test_saving_a_post_deleted_elsewhere_can_keep_it_as_a_new_post(
    seeded_url: str, make_desk: MakeDesk, qtbot: Bot, asked: Asked, ledger: Ledger
) -> None:
    desk = make_desk(seeded_url)
    open_ada_first_post(qtbot, desk)
    loaded = shown_post(desk)
    with peek(seeded_url) as other:
        other.delete_post(loaded.id, cascade=True)
    asked.answers.append(Choice.SAVE_AS_NEW)

    edit_and_save(qtbot, desk, "Rescued")

    assert asked.questions == ["the post “On Bernoulli numbers”"]
    with peek(seeded_url) as other:
        titles = [post.title for post in other.list_posts(loaded.user_id).items]
        ledger.check_rows(2, len(titles), "Ada's posts")
    assert "Rescued" in titles and "On Bernoulli numbers" not in titles
    assert shown_post(desk).title == "Rescued"


def test_discarding_a_post_deleted_elsewhere_removes_it_from_the_list(
    seeded_url: str, make_desk: MakeDesk, qtbot: Bot, asked: Asked, ledger: Ledger
) -> None:
    desk = make_desk(seeded_url)
    open_ada_first_post(qtbot, desk)
    loaded = shown_post(desk)
    with peek(seeded_url) as other:
        other.delete_post(loaded.id, cascade=True)
    asked.answers.append(Choice.DISCARD)

    edit_and_save(qtbot, desk, "Never mind")

    assert desk.window.posts.row_of(loaded.id) is None
    assert not desk.form(Kind.POST).is_dirty()
    with peek(seeded_url) as other:
        ledger.check_rows(1, other.count_posts(loaded.user_id), "Ada's posts")


def test_a_post_for_a_user_deleted_elsewhere_is_refused_in_plain_words(
    seeded_url: str, make_desk: MakeDesk, qtbot: Bot, ledger: Ledger
) -> None:
    desk = make_desk(seeded_url)
    select_user(qtbot, desk, "Grace Hopper")
    grace = desk.window.editing.current_user
    assert grace is not None
    desk.window.editing.new(Kind.POST)
    form = desk.form(Kind.POST)
    type_into(qtbot, form.editor("title"), "Bugs")
    type_into(qtbot, form.editor("content"), "The first one was a moth.")
    with peek(seeded_url) as other:
        other.delete_user(grace.id)

    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, desk.worker)

    message = " ".join(form.error_text(key) for key in ("title", "content"))
    assert "does not exist" in message
    assert form.values()["content"] == "The first one was a moth."  # nothing typed is lost
    with peek(seeded_url) as other:
        ledger.check_rows(5, other.table_counts()["posts"], "posts")



