"""What a start on a local database loads: psycopg only when a server database is opened
(importing it costs about 0.13 s), nothing of the packaging or self-check code, and none of
what only a menu action, a server or an unusual database needs (each costs every launch
milliseconds of imports, patterns and PySide's per-module source check)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import ROOT

PROBE = """
import json, sys
from desktop.__main__ import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_screenshot_run_on_sqlite_never_imports_psycopg(tmp_path):
    shot = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "--database", str(tmp_path / "local.sqlite3"),
         "--screenshot", str(shot)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    loaded = set(report["modules"])
    assert not {name for name in loaded if name.split(".")[0] in ("psycopg", "psycopg_binary")}
    assert "desktop.selfcheck" not in loaded
    assert "keyring" not in loaded  # only when a server asks for a password
    assert "desktop.store.sqlite" in loaded
    assert not loaded & ONLY_WHEN_USED


# Imported where they are used, never by a plain start: the search dialog and search
# (Edit ▸ Find in Posts and Comments), adoption (a database without Postdesk's history),
# platform (Help ▸ About), configparser (service= addresses), secrets (a server's probe).
ONLY_WHEN_USED = {
    "desktop.ui.dialogs.find_dialog",
    "desktop.store.search",
    "desktop.store.adoption",
    "html",
    "platform",
    "configparser",
    "secrets",
}
