"""The window lists the users of the database it was started on."""

import subprocess
import sys

from PySide6.QtGui import QImage

from desktop.store.connection import open_database
from desktop.store.repository import Repository


def test_screenshot_of_window_listing_users(empty_url, tmp_path):
    with open_database(empty_url) as backend:
        Repository(backend).create_user("Ada Lovelace", "ada@example.com")
    shot = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--database", empty_url, "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert image.width() >= 600 and image.height() >= 400



def test_users_model_pages_through_the_worker(repo, qtbot):
    from PySide6.QtCore import QModelIndex

    from desktop.ui.models import Query, UsersModel
    from desktop.ui.worker import Worker

    for n in range(25):
        repo.create_user(f"User {n:04d}", f"user{n}@example.com")
    worker = Worker()
    worker.set_backend(repo.db)
    try:
        model = UsersModel(worker, page_size=10)
        with qtbot.waitSignal(model.page_loaded):
            model.set_query(Query())
        assert model.rowCount() == 10
        qtbot.waitUntil(lambda: model.total == 25)
        with qtbot.waitSignal(model.page_loaded):
            model.fetchMore(QModelIndex())
        with qtbot.waitSignal(model.page_loaded):
            model.fetchMore(QModelIndex())
        assert model.rowCount() == 25
        assert not model.canFetchMore(QModelIndex())
        assert model.index(0, 0).data() == "User 0000"
        assert model.index(0, 1).data() == "user0@example.com"
    finally:
        worker.stop()
