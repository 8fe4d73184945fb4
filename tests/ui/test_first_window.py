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
        assert model.loaded_count == 10
        # Once counted, the list has its whole length; the rest are placeholders.
        qtbot.waitUntil(lambda: model.total == 25)
        assert model.rowCount() == 25
        assert model.record(10) is None
        assert model.index(10, 0).data() == "…"
        # A jump to the end loads the end by position, not every page on the way.
        with qtbot.waitSignal(model.page_loaded):
            model.ensure_rows(20, 24)
        assert model.loaded_count == 15
        last = model.record(24)
        assert last is not None and last.name == "User 0024"
        assert model.record(15) is None
        # Rows right after loaded ones come by keyset.
        with qtbot.waitSignal(model.page_loaded):
            model.ensure_rows(10, 19)
        assert model.loaded_count == 25
        names = [user.name for row in range(25) if (user := model.record(row)) is not None]
        assert names == [f"User {n:04d}" for n in range(25)]
        assert model.index(0, 1).data() == "user0@example.com"
    finally:
        worker.stop()


def test_a_grown_log_is_set_aside_at_launch(tmp_path):
    from desktop.ui.app import LOG_BACKUPS, LOG_LIMIT_BYTES, rotate_log

    log = tmp_path / "postdesk.log"
    log.write_text("small\n")
    rotate_log(log)
    assert log.read_text() == "small\n"  # under the limit: kept as it is
    for launch in range(LOG_BACKUPS + 2):
        log.write_text(f"launch {launch}\n" + "x" * LOG_LIMIT_BYTES)
        rotate_log(log)
        assert not log.exists()
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert kept == [f"postdesk.log.{n}" for n in range(1, LOG_BACKUPS + 1)]
    assert (tmp_path / "postdesk.log.1").read_text().startswith(f"launch {LOG_BACKUPS + 1}")


def test_a_screenshot_run_leaves_no_scratch_folder_behind(empty_url, tmp_path):
    """Its settings go to a scratch folder (the person's own stay untouched), removed at
    the end; counted in a temporary folder of the test's own (TMPDIR)."""
    import os

    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    before = sorted(scratch_root.iterdir())
    shot = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--database", empty_url, "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "TMPDIR": str(scratch_root)},
    )
    assert result.returncode == 0, result.stderr
    assert shot.exists()
    assert sorted(scratch_root.iterdir()) == before
