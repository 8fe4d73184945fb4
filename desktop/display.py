"""Whether Qt will find a display. Without one, Qt aborts the process (exit 134) with a
message about xcb-cursor0 that leads people astray, so the app says so before Qt starts."""

from __future__ import annotations

import os
import sys


def missing_display() -> str | None:
    """Why Qt would find no display, in a few words, or None when it will find one."""
    if not sys.platform.startswith("linux") and "bsd" not in sys.platform:
        return None  # Windows and macOS always have their own platform
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    if os.environ.get("DISPLAY"):
        return None
    return "DISPLAY is not set"


def use_offscreen_without_display() -> None:
    """For work that needs Qt but no screen (the self-check): draw where nobody sees."""
    if missing_display() is not None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
