"""The app's own log set-up (desktop.ui.app.setup_logging, with its password filter),
writing into a folder of the test's own instead of the checkout's var/."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop import paths
from desktop.ui import app


def app_logging(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """For a fixture: yields the log file; its handler is removed afterwards."""
    monkeypatch.setattr(paths, "log_path", lambda: folder / "postdesk.log")
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    path = app.setup_logging()
    assert path is not None
    try:
        yield path
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
