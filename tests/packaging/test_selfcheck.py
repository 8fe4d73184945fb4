"""`postdesk --self-check` from source: it reports, and it fails when a piece is missing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import __version__, paths, selfcheck

from .conftest import ROOT

EMPTY_FONTCONFIG = '<?xml version="1.0"?><fontconfig></fontconfig>\n'


def run_check(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", "--self-check", *args],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )


def test_report_names_every_piece_and_passes(qapp):
    out = io.StringIO()
    assert selfcheck.run(out) == 0, out.getvalue()
    report = out.getvalue()
    for name in ("Postdesk:", "Python:", "SQLite library:", "psycopg / libpq:", "Data files:",
                 "Local database:", "Log file:", "Qt / PySide6:", "Qt platform plugin:",
                 "Font families:", "Text rendering:", "Collation (ICU):"):
        assert f"ok   {name}" in report, name
    assert report.startswith(f"Postdesk {__version__} self-check")
    assert str(paths.default_database_path()) in report
    assert report.rstrip().endswith("self-check passed")


def test_missing_psycopg_fails(qapp, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    out = io.StringIO()
    assert selfcheck.run(out) == 1
    assert "FAIL psycopg / libpq:     not loadable" in out.getvalue()
    assert "self-check FAILED: psycopg / libpq" in out.getvalue()


def test_missing_data_files_fail(qapp, monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "bundle_root", lambda: tmp_path)
    check = selfcheck.check_data_files()
    assert not check.ok
    assert str(tmp_path / "db") in check.value


def test_unwritable_data_folder_fails(monkeypatch, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(paths, "default_database_path", lambda: locked / "d" / "app.sqlite3")
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked)
    assert not selfcheck.check_local_database().ok


def test_boxes_instead_of_letters_fail(tmp_path):
    empty = tmp_path / "fonts.conf"
    empty.write_text(EMPTY_FONTCONFIG)
    result = run_check(FONTCONFIG_FILE=str(empty))
    assert result.returncode == 1, result.stdout
    assert "FAIL Text rendering:" in result.stdout


def test_command_line_self_check_passes():
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "psycopg / libpq:     psycopg" in result.stdout


@pytest.mark.parametrize("flag", ["--version"])
def test_version_flag(flag):
    result = subprocess.run(
        [sys.executable, "-m", "desktop", flag], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"Postdesk {__version__}"
