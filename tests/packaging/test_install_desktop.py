"""packaging/install-desktop.sh: the menu entry and icons for the current user."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import PACKAGING, ROOT

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def fake_bundle(folder: Path) -> Path:
    """A Postdesk/ folder as the build lays it out, with a stand-in executable."""
    folder.mkdir(parents=True)
    executable = folder / "Postdesk"
    executable.write_text("#!/bin/sh\n")
    executable.chmod(0o755)
    resources = folder / "_internal" / "resources"
    shutil.copytree(ROOT / "resources" / "icons", resources / "icons")
    shutil.copy2(ROOT / "resources" / "postdesk.desktop", resources)
    shutil.copy2(PACKAGING / "install-desktop.sh", folder)
    return folder


def install(folder: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(folder / "install-desktop.sh"), *args],
        env={"PATH": "/usr/bin:/bin", "HOME": str(data.parent), "XDG_DATA_HOME": str(data)},
        capture_output=True, text=True, timeout=60,
    )


def read_entry(path: Path) -> configparser.SectionProxy:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(path, encoding="utf-8")
    return entry["Desktop Entry"]


@pytest.mark.parametrize("name", ["Postdesk", "My Apps/Post $desk \"100%\""])
def test_installs_entry_pointing_at_the_folder_and_icons(tmp_path, name):
    folder = fake_bundle(tmp_path / name)
    data = tmp_path / "data"
    result = install(folder, data)
    assert result.returncode == 0, result.stderr
    entry = read_entry(data / "applications" / "postdesk.desktop")
    executable = str(folder / "Postdesk")
    quoted = (
        executable.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        .replace("$", "\\$").replace("\\", "\\\\").replace("%", "%%")
    )
    assert entry["Exec"] == f'"{quoted}"'
    assert entry["TryExec"] == executable
    assert entry["Icon"] == "postdesk"
    for size in SIZES:
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "postdesk.png").is_file()


def test_uninstall_removes_what_it_installed(tmp_path):
    folder = fake_bundle(tmp_path / "Postdesk")
    data = tmp_path / "data"
    install(folder, data)
    result = install(folder, data, "--uninstall")
    assert result.returncode == 0, result.stderr
    assert not (data / "applications" / "postdesk.desktop").exists()
    assert not list((data / "icons").rglob("postdesk.png"))


def test_refuses_to_run_outside_a_bundle(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copy2(PACKAGING / "install-desktop.sh", folder)
    result = install(folder, tmp_path / "data")
    assert result.returncode == 1
    assert "run it from the Postdesk folder" in result.stderr
