"""The paged model's bookkeeping: finding a record's row by id, what a cell shows when a
view asks for all its roles at once (multiData), as a delegate does when painting, and how
rows changed elsewhere are repainted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QModelRoleData, Qt

from desktop.store.records import User
from desktop.ui import models
from desktop.ui.models import Query, Resync, UsersModel
from desktop.ui.worker import Worker


def _scan(model: UsersModel, record_id: int) -> int | None:
    for row in range(model.rowCount()):
        record = model.record(row)
        if record is not None and record.id == record_id:
            return row
    return None


def _check_every_id(model: UsersModel, ids: list[int]) -> None:
    for record_id in ids:
        assert model.row_of(record_id) == _scan(model, record_id), record_id


@contextmanager
def users_list(repo: Any, qtbot: Any, page_size: int) -> Iterator[tuple[UsersModel, Worker]]:
    """A users model over `repo`, its first page loaded, and the worker it reads through."""
    worker = Worker()
    worker.set_backend(repo.db)
    try:
        model = UsersModel(worker, page_size=page_size)
        with qtbot.waitSignal(model.page_loaded):
            model.set_query(Query())
        yield model, worker
    finally:
        worker.stop()


def test_row_of_agrees_with_the_rows_through_loads_inserts_and_removals(repo: Any, qtbot: Any):
    users = [repo.create_user(f"User {n:04d}", f"user{n}@example.com") for n in range(60)]
    ids = [user.id for user in users]
    with users_list(repo, qtbot, page_size=10) as (model, _worker):
        qtbot.waitUntil(lambda: model.total == 60)
        _check_every_id(model, ids)
        with qtbot.waitSignal(model.page_loaded):
            model.ensure_rows(40, 49)  # a jump: loaded by position, rows between are placeholders
        _check_every_id(model, ids)
        # A row inserted above loaded rows moves them all down by one.
        newcomer = repo.create_user("User 0000a", "newcomer@example.com")
        model.insert_record(newcomer, 1)
        _check_every_id(model, [*ids, newcomer.id])
        assert model.row_of(users[45].id) == 46
        # A row removed above moves them back up.
        model.remove_record(users[0].id)
        _check_every_id(model, [*ids, newcomer.id])
        assert model.row_of(users[0].id) is None
        assert model.row_of(users[45].id) == 45
        # A row overwritten in place by another record: the old id is no longer there.
        renamed = repo.update_user(users[5].id, "User 0005 renamed", users[5].email)
        model.update_record(renamed)
        _check_every_id(model, [*ids, newcomer.id])
        with qtbot.waitSignal(model.page_loaded):
            model.ensure_rows(10, 19)
        _check_every_id(model, [*ids, newcomer.id])


def test_multidata_answers_the_roles_a_delegate_asks_for_in_one_call(repo: Any, qtbot: Any):
    repo.create_user("Ada Lovelace", "ada@example.com")
    worker = Worker()
    worker.set_backend(repo.db)
    try:
        model = UsersModel(worker, page_size=10)
        with qtbot.waitSignal(model.page_loaded):
            model.set_query(Query())
        roles = [
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.BackgroundRole,
        ]
        for column, shown in enumerate(("Ada Lovelace", "ada@example.com", "0")):
            asked = [QModelRoleData(int(role)) for role in roles]
            model.multiData(model.index(0, column), asked)
            answers = {role: data.data() for role, data in zip(roles, asked, strict=True)}
            assert answers[Qt.ItemDataRole.DisplayRole] == shown
            # The same as data() answers each role alone.
            for role in roles:
                assert answers[role] == model.data(model.index(0, column), role)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        assert model.data(model.index(0, 2), Qt.ItemDataRole.TextAlignmentRole) == int(right)
        # A delegate hands the same span from cell to cell: the number column's right
        # alignment must not stay for the name painted next.
        span = [QModelRoleData(int(role)) for role in roles]
        model.multiData(model.index(0, 2), span)
        model.multiData(model.index(0, 0), span)
        answers = {role: data.data() for role, data in zip(roles, span, strict=True)}
        assert answers[Qt.ItemDataRole.TextAlignmentRole] is None
        assert answers[Qt.ItemDataRole.DisplayRole] == "Ada Lovelace"
    finally:
        worker.stop()


def _scroll_down_page_by_page(model: UsersModel, qtbot: Any, rows: int) -> None:
    """Ask for the rows page after page, as a view scrolling down does."""
    for first in range(0, rows, model.page_size):
        if model.record(first) is None:
            with qtbot.waitSignal(model.page_loaded):
                model.ensure_rows(first, first + model.page_size - 1)


def test_rows_far_behind_a_long_scroll_are_dropped_and_read_again_when_seen(
    repo: Any, qtbot: Any
):
    users = [repo.create_user(f"User {n:04d}", f"user{n}@example.com") for n in range(120)]
    ids = [user.id for user in users]
    worker = Worker()
    worker.set_backend(repo.db)
    try:
        model = UsersModel(worker, page_size=10, keep_rows=30)
        model.kept_id = lambda: ids[3]  # the record a form shows
        with qtbot.waitSignal(model.page_loaded):
            model.set_query(Query())
        qtbot.waitUntil(lambda: model.total == 120)
        _scroll_down_page_by_page(model, qtbot, 120)
        _check_every_id(model, ids)
        assert model.loaded_count <= 30 + 10 + 1  # a window, the page that came, the kept row
        assert model.record(0) is None and model.row_of(ids[0]) is None
        assert model.row_of(ids[3]) == 3  # kept, however far the list scrolled
        assert model.record(119) is not None
        # Seen again, the dropped rows come back as the database lists them.
        with qtbot.waitSignal(model.page_loaded):
            model.ensure_rows(0, 9)
        assert [model.record(row).id for row in range(10)] == ids[:10]  # type: ignore[union-attr]
        assert model.data(model.index(0, 0)) == "User 0000"
        _check_every_id(model, ids)
    finally:
        worker.stop()


def test_a_change_elsewhere_after_rows_were_dropped_leaves_every_row_where_it_is_listed(
    repo: Any, qtbot: Any
):
    users = [repo.create_user(f"User {n:04d}", f"user{n}@example.com") for n in range(120)]
    worker = Worker()
    worker.set_backend(repo.db)
    try:
        model = UsersModel(worker, page_size=10, keep_rows=30)
        with qtbot.waitSignal(model.page_loaded):
            model.set_query(Query())
        qtbot.waitUntil(lambda: model.total == 120)
        _scroll_down_page_by_page(model, qtbot, 120)
        assert model.record(0) is None
        # Someone else adds a user at the top, among the dropped rows.
        repo.create_user("User 0000a", "newcomer@example.com")
        query = model.query
        assert query is not None
        on_screen = [users[n].id for n in range(105, 115)]
        qtbot.waitUntil(lambda: not worker.busy)
        fresh = worker_answer(
            qtbot, worker, lambda r: model.read_window(r, query, on_screen, None, 105)
        )
        assert model.apply_resync(fresh) == 1  # one row came above the rows on screen
        listed = repo.users_at(0, "", 200).items
        assert model.rowCount() == len(listed) == 121
        for row in range(model.rowCount()):
            record = model.record(row)
            if record is not None:
                assert record.id == listed[row].id, row
        assert model.data(model.index(111, 0)) == "User 0110"
        with qtbot.waitSignal(model.page_loaded):
            model.ensure_rows(0, 9)  # the dropped rows, read again, as the list is now
        assert [model.record(row).id for row in range(10)] == [  # type: ignore[union-attr]
            user.id for user in listed[:10]
        ]
    finally:
        worker.stop()


def worker_answer(qtbot: Any, worker: Worker, operation: Any) -> Any:
    answers: list[Any] = []
    worker.submit(operation, answers.append)
    qtbot.waitUntil(lambda: bool(answers))
    return answers[0]


@pytest.fixture
def renamed(repo: Any, qtbot: Any) -> Iterator[tuple[UsersModel, Resync[User]]]:
    """A list of 60 users, all renamed elsewhere since it was loaded, and its window as
    live changes read it again (on the worker), not applied yet."""
    users = [repo.create_user(f"User {n:04d}", f"user{n}@example.com") for n in range(60)]
    with users_list(repo, qtbot, page_size=100) as (model, worker):
        for user in users:
            repo.update_user(user.id, f"{user.name} renamed", user.email)
        query, first = model.query, users[0].id
        assert query is not None
        read: list[Resync[User]] = []
        worker.submit(lambda repo: model.read_window(repo, query, [first], None, 0), read.append)
        qtbot.waitUntil(lambda: bool(read))
        yield model, read[0]


def test_rows_changed_elsewhere_are_repainted_a_few_cells_per_turn(
    renamed: tuple[UsersModel, Resync[User]], qtbot: Any
):
    """Painting a cell lays out its text: a screenful of renamed rows repainted at once stalls
    the window. The new text is there at once; the repaints go out a few cells per turn of
    the event loop, every changed cell once, and only those."""
    model, fresh = renamed
    repainted: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda first, last, _roles=None: repainted.append(
            (first.row(), last.row(), first.column(), last.column())
        )
    )

    model.apply_resync(fresh)

    assert model.data(model.index(59, 0)) == "User 0059 renamed"
    assert repainted == [(0, models.REPAINT_CELLS - 1, 0, 0)]  # the names alone
    qtbot.waitUntil(lambda: sum(last - first + 1 for first, last, _l, _h in repainted) >= 60)
    rows = [row for first, last, _l, _h in repainted for row in range(first, last + 1)]
    assert rows == list(range(60))
    assert all(low == high == 0 for _f, _l, low, high in repainted)


def test_repaints_still_to_go_are_dropped_when_the_rows_go(
    renamed: tuple[UsersModel, Resync[User]],
):
    """The view repaints all it shows when rows come or go; a piece left over would name
    rows that are not there any more."""
    model, fresh = renamed
    model.apply_resync(fresh)
    repainted: list[int] = []
    model.dataChanged.connect(lambda first, _last, _roles=None: repainted.append(first.row()))

    model.set_query(None)
    for _turn in range(5):
        QCoreApplication.processEvents()

    assert repainted == []


def test_a_counted_first_page_is_inserted_with_the_whole_length_at_once(
    repo: Any, backend: Any, qtbot: Any
) -> None:
    """The first page and the length read together become one insert of every row, the
    page's filled: the view lays the list out once (twice before, for the page and then
    for the count)."""
    from desktop.ui.models import PostsModel
    from tests.support.dbtools import add_posts

    user = repo.create_user("Ann", "ann@example.com")
    add_posts(backend, user.id, 250)
    worker = Worker()
    worker.set_backend(repo.db)
    try:
        model = PostsModel(worker, page_size=100)
        inserted: list[tuple[int, int]] = []
        model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
        with qtbot.waitSignal(model.total_changed, check_params_cb=lambda total: total == 250):
            model.set_query(Query(user.id))
        assert inserted == [(0, 249)]
        assert all(model.record(row) is not None for row in range(100))
        assert model.record(100) is None  # a placeholder until seen
    finally:
        worker.stop()
