"""PyInstaller runtime hook: runs in the bundle before the app imports Qt.

Without a fontconfig configuration Qt finds no font, and the window opens with every letter
drawn as an empty box while the process exits 0. The bundle leaves fontconfig and the
fonts to the system; on a system without fontconfig's configuration (a minimal or container
install) it points fontconfig at its own: the usual font folders plus DejaVu Sans, shipped in
_internal/fontconfig/. POSTDESK_FONTCONFIG tells `--self-check` which one is in use.
"""

import os
import sys


def _system_configuration() -> str | None:
    named = os.environ.get("FONTCONFIG_FILE")
    if named:
        return named if os.path.isfile(named) else None
    folder = os.environ.get("FONTCONFIG_PATH", "/etc/fonts")
    path = os.path.join(folder, "fonts.conf")
    return path if os.path.isfile(path) else None


if sys.platform.startswith("linux"):
    _found = _system_configuration()
    if _found is None:
        _bundled = os.path.join(getattr(sys, "_MEIPASS", ""), "fontconfig", "fonts.conf")
        os.environ["FONTCONFIG_FILE"] = _bundled
        os.environ["POSTDESK_FONTCONFIG"] = f"{_bundled} (the bundle's fallback)"
    else:
        os.environ["POSTDESK_FONTCONFIG"] = _found
