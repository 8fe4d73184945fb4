"""The built bundle, run as a person runs it: a fresh home, no display, first launch.

Each frozen-app trap has its test here: data files under sys._MEIPASS (_internal/), psycopg's
C modules and libraries collected, one Qt binding, fontconfig's configuration and a font.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from desktop import __version__
from desktop.store.migrations import discover
from desktop.store.secret_service import SecretServiceKeyring
from tests.support.keyring_session import keychain_session

from .conftest import ROOT, RunBundle, bundle_env
from .imaging import measure_text

MB = 1000 * 1000
EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig></fontconfig>
"""


def data_folder(home: Path) -> Path:
    """QStandardPaths.AppDataLocation on Linux: $XDG_DATA_HOME/<organisation>/<application>."""
    return home / ".local" / "share" / "Postdesk" / "Postdesk"


def internal(bundle: Path) -> Path:
    return bundle.parent / "_internal"


def test_version_is_the_project_version(run_bundle: RunBundle):
    version = __version__
    result = run_bundle("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Postdesk {version}"


def test_self_check_passes_on_a_fresh_home(run_bundle: RunBundle, fresh_home: Path):
    result = run_bundle("--self-check")
    assert result.returncode == 0, result.stdout + result.stderr
    report = result.stdout
    assert "self-check passed" in report
    assert "(binary wrapper), libpq" in report
    assert "Qt platform plugin:  offscreen" in report
    assert f"Local database:      {data_folder(fresh_home) / 'app.sqlite3'}" in report
    assert f"Log file:            {data_folder(fresh_home) / 'postdesk.log'}" in report
    assert "/_internal/db (migrations:" in report


def pure_modules(bundle: Path) -> set[str]:
    """The top-level names of the Python modules in the bundle's PYZ archive."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(bundle)).open_embedded_archive("PYZ.pyz")
    return {name.split(".")[0] for name in archive.toc}


def test_the_bundle_reads_the_keychain_without_cryptography(
    run_bundle: RunBundle, bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The Secret Service through jeepney: SecretStorage and cryptography stay out."""
    modules = pure_modules(bundle)
    assert "jeepney" in modules
    assert not modules & {"secretstorage", "cryptography", "_cffi_backend"}
    assert not list(internal(bundle).glob("cryptography*"))

    home = tmp_path / "keychain"
    home.mkdir()
    with keychain_session(home, monkeypatch) as keychain:
        if not keychain.kind.startswith("Secret Service"):
            pytest.skip(keychain.kind)
        SecretServiceKeyring().set_password("Postdesk", "writer@db.example:5432", "s3cret")
        result = run_bundle("--self-check")
    assert result.returncode == 0, result.stdout + result.stderr
    line = "System keychain:     Secret Service, default keyring (1 remembered password)"
    assert line in result.stdout, result.stdout


def test_first_screenshot_creates_and_migrates_the_database_in_app_data(
    run_bundle: RunBundle, bundle: Path, fresh_home: Path, tmp_path: Path
):
    shot = tmp_path / "window.png"
    result = run_bundle("--screenshot", str(shot))
    assert result.returncode == 0, result.stderr

    database = data_folder(fresh_home) / "app.sqlite3"
    assert database.is_file()
    with sqlite3.connect(database) as connection:
        applied = [row[0] for row in connection.execute("SELECT version FROM schema_migrations")]
    known = [m.version for m in discover(ROOT / "db" / "migrations", "sqlite")]
    assert sorted(applied) == known
    assert not list(bundle.parent.rglob("*.sqlite3")), "the bundle must never hold data"
    assert (data_folder(fresh_home) / "postdesk.log").is_file()

    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1200, 760)
    assert measure_text(image).has_text, measure_text(image)


def test_without_fonts_the_letters_are_boxes_and_self_check_says_so(
    run_bundle: RunBundle, tmp_path: Path
):
    """The trap itself, shown on the bundle: a fontconfig with no font exits 0 yet draws
    boxes. The measure used on every screenshot must tell the two apart."""
    empty = tmp_path / "fonts.conf"
    empty.write_text(EMPTY_FONTCONFIG)
    shot = tmp_path / "boxes.png"
    result = run_bundle("--screenshot", str(shot), FONTCONFIG_FILE=str(empty))
    assert result.returncode == 0, result.stderr  # the trap: exit 0 all the same
    assert not measure_text(QImage(str(shot))).has_text

    check = run_bundle("--self-check", FONTCONFIG_FILE=str(empty))
    assert check.returncode == 1
    assert "FAIL Text rendering" in check.stdout


def test_without_a_system_fontconfig_the_bundle_uses_its_own(
    run_bundle: RunBundle, tmp_path: Path
):
    missing = tmp_path / "no-such-folder" / "fonts.conf"
    check = run_bundle("--self-check", FONTCONFIG_FILE=str(missing))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "the bundle's fallback" in check.stdout
    shot = tmp_path / "window.png"
    result = run_bundle("--screenshot", str(shot), FONTCONFIG_FILE=str(missing))
    assert result.returncode == 0, result.stderr
    assert measure_text(QImage(str(shot))).has_text


def test_data_files_are_under_meipass_not_beside_the_executable(bundle: Path):
    inside = internal(bundle)
    shipped_folders = (
        ("migrations", "*.sql"),
        ("queries", "*.sql"),
        ("adoption", "*.sql"),
        ("adoption/steps", "*.sql"),
        ("seeds", "*.json"),
    )
    for folder, pattern in shipped_folders:
        shipped = sorted(p.name for p in (inside / "db" / folder).glob(pattern))
        source = sorted(p.name for p in (ROOT / "db" / folder).glob(pattern))
        assert shipped == source, folder
    assert not (bundle.parent / "db").exists()
    # Only what the app reads: no canonical schema, no README.
    assert sorted(p.name for p in (inside / "db").iterdir()) == [
        "adoption",
        "migrations",
        "queries",
        "seeds",
    ]
    assert sorted((inside / "resources" / "icons").glob("postdesk-*.png"))


def test_psycopg_binary_modules_and_libpq_are_collected(bundle: Path):
    inside = internal(bundle)
    assert list((inside / "psycopg_binary").glob("pq.*.so")), "psycopg_binary's pq module"
    assert list((inside / "psycopg_binary").glob("_psycopg.*.so"))
    assert list((inside / "psycopg_binary.libs").glob("libpq-*.so*")), "psycopg's own libpq"


def test_only_one_qt_binding_and_only_the_modules_used(bundle: Path):
    inside = internal(bundle)
    for other in ("PyQt5", "PyQt6", "PySide2"):
        assert not (inside / other).exists()
    modules = sorted(p.name.split(".")[0] for p in (inside / "PySide6").glob("Qt*.so"))
    assert modules == ["QtCore", "QtGui", "QtWidgets"]
    qt = inside / "PySide6" / "Qt"
    assert not (qt / "translations").exists()
    assert sorted(p.name for p in (qt / "plugins").iterdir()) == [
        "platforminputcontexts",
        "platforms",
    ]
    assert sorted(p.name for p in (qt / "plugins" / "platforms").iterdir()) == [
        "libqoffscreen.so",
        "libqxcb.so",
    ]
    libraries = sorted(p.name for p in (qt / "lib").glob("libQt6*"))
    assert libraries == [
        "libQt6Core.so.6",
        "libQt6DBus.so.6",
        "libQt6Gui.so.6",
        "libQt6Widgets.so.6",
        "libQt6XcbQpa.so.6",
    ]


def test_fontconfig_fallback_and_a_font_are_shipped(bundle: Path):
    fontconfig = internal(bundle) / "fontconfig"
    assert "<dir prefix=\"relative\">fonts</dir>" in (fontconfig / "fonts.conf").read_text()
    assert (fontconfig / "fonts" / "DejaVuSans.ttf").stat().st_size > 100_000


def test_no_link_in_the_bundle_dangles(bundle: Path):
    dangling = [p for p in bundle.parent.rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling


def test_sizes_are_within_budget(bundle: Path):
    files = [p for p in bundle.parent.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    assert size <= 100 * MB, f"{size / MB:.1f} MB on disk"
    icu = internal(bundle) / "PySide6" / "Qt" / "lib"
    icudata = next(icu.glob("libicudata.so.*"))
    assert icudata.stat().st_size < 15 * MB, "ICU's data is the trimmed one"
    archives = list(bundle.parent.parent.glob("Postdesk-*-linux-*.tar.gz"))
    assert archives, "make package writes the archive beside the bundle"
    for archive in archives:
        assert archive.stat().st_size <= 40 * MB, f"{archive.name}: {archive.stat().st_size}"


def test_desktop_installer_is_beside_the_executable(bundle: Path):
    script = bundle.parent / "install-desktop.sh"
    assert script.is_file() and script.stat().st_mode & 0o111


@pytest.mark.postgres
def test_bundle_opens_a_postgresql_database(
    run_bundle: RunBundle, make_database, tmp_path: Path
):
    """psycopg's libpq is inside the bundle: a server database opens, migrates and shows."""
    url = make_database("postgresql")
    seeded = subprocess.run(
        [sys.executable, "-m", "desktop", "seed", "--database", url],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert seeded.returncode == 0, seeded.stderr
    shot = tmp_path / "postgres.png"
    result = run_bundle("--database", url, "--screenshot", str(shot), "--select-first")
    assert result.returncode == 0, result.stderr
    assert measure_text(QImage(str(shot))).has_text
    status = run_bundle("migrate", "--status", "--database", url)
    assert status.returncode == 0, status.stderr
    assert "0 pending" in status.stdout


def test_bundle_env_starts_from_an_empty_home(tmp_path: Path):
    env = bundle_env(tmp_path, FONTCONFIG_FILE="x")
    assert env["HOME"] == str(tmp_path) and env["QT_QPA_PLATFORM"] == "offscreen"
    assert not any(key.startswith("XDG_") for key in env)


def test_with_no_font_on_the_system_the_bundled_font_draws_the_letters(
    bundle: Path, fresh_home: Path, tmp_path: Path
):
    """No fontconfig configuration and no system font at all (an empty /usr/share/fonts in
    a private mount namespace): the bundle's fallback configuration and DejaVu Sans."""
    probe = subprocess.run(
        ["unshare", "-m", "true"], capture_output=True, text=True, check=False
    ) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("needs `unshare -m` (root) to hide the system's fonts")
    shot = tmp_path / "window.png"
    script = (
        'mount -t tmpfs none /usr/share/fonts && "$0" --self-check && '
        '"$0" --screenshot "$1"'
    )
    env = bundle_env(fresh_home, FONTCONFIG_FILE=str(tmp_path / "none" / "fonts.conf"))
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(bundle), str(shot)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the bundle's fallback" in result.stdout
    assert measure_text(QImage(str(shot))).has_text
