"""Python's full garbage collections wait for a quiet moment (desktop/ui/collector.py)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from desktop.ui import app, collector
from tests.ui.conftest import Bot, Desk, open_and_wait, wait_idle

# When the window collects does not depend on the database behind it.
pytestmark = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
QUIET_MS = 20


@pytest.fixture
def full_collections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The full collections that start while the test runs (one entry each)."""
    monkeypatch.setattr(collector, "QUIET_BEFORE_COLLECTING_MS", QUIET_MS)
    started: list[int] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 2:
            started.append(1)

    thresholds = gc.get_threshold()
    gc.callbacks.append(seen)
    yield started
    gc.callbacks.remove(seen)
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_a_due_collection_waits_while_the_database_thread_works(
    desk: Desk, qtbot: Bot, full_collections: list[int]
) -> None:
    quiet = collector.QuietCollector(desk.worker)
    release = threading.Event()
    desk.worker.submit(lambda _repo: release.wait(10))
    assert desk.worker.busy
    quiet.due()
    quiet._collect_if_quiet()  # the quiet while's end, reached while the thread works
    assert quiet.collections == 0 and not full_collections
    release.set()
    wait_idle(qtbot, desk.worker)
    qtbot.waitUntil(lambda: quiet.collections == 1)
    assert full_collections


def test_work_on_the_database_thread_starts_the_quiet_while_again(desk: Desk) -> None:
    quiet = collector.QuietCollector(desk.worker)
    quiet._quiet.setInterval(60_000)
    quiet.due()
    quiet._quiet.stop()
    desk.worker.busy_changed.emit(True)
    assert quiet._quiet.isActive()
    assert quiet.collections == 0


def test_nothing_is_collected_when_nothing_is_due(desk: Desk) -> None:
    quiet = collector.QuietCollector(desk.worker)
    desk.worker.busy_changed.emit(False)
    assert not quiet._quiet.isActive()


def test_opening_a_database_makes_a_full_collection_due(
    desk: Desk, qtbot: Bot, full_collections: list[int]
) -> None:
    quiet = app.collect_garbage_off_the_clock(desk.window)
    assert gc.get_threshold()[2] >= 1_000_000, "Python's own full collections are off"
    open_and_wait(qtbot, desk.window, desk.database_url)
    qtbot.waitUntil(lambda: quiet.collections == 1)
    assert full_collections
