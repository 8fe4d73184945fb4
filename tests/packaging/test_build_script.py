"""packaging/build.py: the archive's name and content, and the size report."""

from __future__ import annotations

import os
import platform
import sys
import tarfile
from pathlib import Path

import pytest

from desktop import __version__

from .conftest import load_script

build = load_script("build")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux archive")
def test_archive_name_carries_version_system_and_machine(tmp_path):
    version = __version__
    name = build.archive_name(tmp_path).name
    assert name == f"Postdesk-{version}-linux-{platform.machine().lower()}.tar.gz"


def fake_bundle(folder: Path) -> Path:
    bundle = folder / "Postdesk"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "Postdesk").write_bytes(b"x" * 3000)
    (bundle / "_internal" / "libbig.so.1").write_bytes(b"y" * 5000)
    os.symlink("_internal/libbig.so.1", bundle / "libbig.so")
    return bundle


def test_archive_holds_the_folder_and_keeps_links_as_links(tmp_path):
    bundle = fake_bundle(tmp_path)
    archive = tmp_path / "Postdesk-0-linux-x86_64.tar.gz"
    build.write_archive(bundle, archive)
    with tarfile.open(archive) as opened:
        members = {member.name: member for member in opened.getmembers()}
    assert set(members) == {
        "Postdesk", "Postdesk/Postdesk", "Postdesk/_internal", "Postdesk/_internal/libbig.so.1",
        "Postdesk/libbig.so",
    }
    assert members["Postdesk/libbig.so"].issym()


def test_report_lists_sizes_largest_first_and_flags_the_budget(tmp_path, monkeypatch):
    bundle = fake_bundle(tmp_path)
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(b"z" * 100)
    lines = build.report(bundle, archive)
    assert "MB on disk in 2 files" in lines[0] and "budget 100 MB: met" in lines[0]
    assert lines[3].endswith("_internal/libbig.so.1") and lines[4].endswith("Postdesk")
    monkeypatch.setattr(build, "BUDGET_DISK", 1000)
    assert "OVER" in build.report(bundle, archive)[0]
