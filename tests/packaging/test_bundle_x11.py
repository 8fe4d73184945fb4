"""The bundle in a real X window (Xvfb): it shows the main window, with its letters.

Set POSTDESK_XVFB_SCREENSHOT=PATH to keep the screen grab (the README's
resources/screenshots/bundle-xvfb.png is made that way).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.support.x_screen import XScreen

from .conftest import bundle_env
from .imaging import measure_text

SHOW_TIMEOUT_S = 30


@pytest.fixture
def x_screen():
    if not XScreen.available():
        reason = "no Xvfb: `make system-packages` as root installs it (package xvfb)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}", pytrace=False)
        pytest.skip(reason)
    with XScreen() as screen:
        yield screen


def wait_for_window(screen: XScreen, folder: Path, app: subprocess.Popen[str]) -> QImage:
    """Grab the screen until the window is there with its letters, twice in a row (the
    first grab can catch it half painted; a blinking text cursor may differ between two)."""
    deadline = time.monotonic() + SHOW_TIMEOUT_S
    painted = 0
    attempt = 0
    while time.monotonic() < deadline:
        assert app.poll() is None, f"the app exited ({app.returncode}): {app.communicate()}"
        attempt += 1
        shot = folder / f"screen-{attempt}.png"
        screen.grab(shot)
        image = QImage(str(shot))
        painted = painted + 1 if measure_text(image).has_text else 0
        if painted == 2:
            return image
        time.sleep(0.3)
    raise AssertionError(f"no steady window with text on the screen after {SHOW_TIMEOUT_S} s")


def test_bundle_shows_its_main_window_on_x11(
    bundle: Path, x_screen: XScreen, fresh_home: Path, tmp_path: Path
):
    env = x_screen.env(bundle_env(fresh_home))
    check = subprocess.run(
        [str(bundle), "--self-check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Qt platform plugin:  xcb" in check.stdout

    seeded = subprocess.run(
        [str(bundle), "seed"], env=env, capture_output=True, text=True, timeout=60
    )
    assert seeded.returncode == 0, seeded.stderr
    app = subprocess.Popen(
        [str(bundle)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        image = wait_for_window(x_screen, tmp_path, app)
    finally:
        app.terminate()
        app.communicate(timeout=10)
    keep = os.environ.get("POSTDESK_XVFB_SCREENSHOT")
    if keep:
        image.save(keep)
    assert image.width() == 1280 and image.height() == 800


def test_bundle_screenshot_run_works_on_x11(
    bundle: Path, x_screen: XScreen, fresh_home: Path, tmp_path: Path
):
    shot = tmp_path / "window.png"
    env = x_screen.env(bundle_env(fresh_home))
    result = subprocess.run(
        [str(bundle), "--screenshot", str(shot)], env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert measure_text(QImage(str(shot))).has_text
    assert shutil.which("Xvfb")
