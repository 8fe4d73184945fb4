"""What the app does to its window besides showing it (desktop.ui.app.prepare_window)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from desktop.ui import app
from desktop.ui.worker import INTERPRETER_TURN_S
from tests.ui.conftest import Desk

# The window's set-up does not depend on the database behind it.
pytestmark = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)


@pytest.fixture
def interpreter_as_it_was() -> Iterator[None]:
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    yield
    sys.setswitchinterval(interval)
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_the_window_takes_the_interpreter_in_short_turns(
    desk: Desk, interpreter_as_it_was: None
) -> None:
    sys.setswitchinterval(0.005)  # Python's own
    app.prepare_window(desk.window)
    assert sys.getswitchinterval() == pytest.approx(INTERPRETER_TURN_S)
    assert INTERPRETER_TURN_S <= 0.001


def test_the_window_leaves_full_collections_to_quiet_moments(
    desk: Desk, interpreter_as_it_was: None
) -> None:
    app.prepare_window(desk.window)
    assert gc.get_threshold()[2] >= 1_000_000
    assert gc.get_freeze_count() > 0
