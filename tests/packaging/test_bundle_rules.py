"""The spec's filters (packaging/bundle_rules.py), without building anything."""

from __future__ import annotations

import sys

import pytest

from .conftest import PACKAGING, load_script

rules = load_script("bundle_rules")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux rules")


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "libQt6Core.so.6",
        "PySide6/Qt/lib/libicudata.so.73",
        "PySide6/QtCore.abi3.so",
        "psycopg_binary.libs/libpq-e9b5c9ac.so.5.18",
        "libxcb-cursor.so.0",
        "libxkbcommon-x11.so.0",
        "libpython3.11.so.1.0",
        "db/migrations/001_create_users_posts_comments.sqlite.sql",
        "PySide6\\plugins\\platforms\\qwindows.dll",
        "PySide6\\Qt6Widgets.dll",
        "PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    ],
)
def test_kept(dest):
    assert rules.reason_to_drop(dest) is None


@pytest.mark.parametrize(
    ("dest", "why"),
    [
        ("PySide6/Qt/plugins/platforms/libqwayland.so", "Qt plugin"),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", "Qt plugin"),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "Qt plugin"),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", "Qt plugin"),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", "Qt plugin"),
        ("PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so", "Qt plugin"),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", "Qt plugin"),
        ("PySide6/Qt/translations/qtbase_de.qm", "Qt translation"),
        ("PySide6/Qt/lib/libQt6Network.so.6", "Qt library Qt6Network"),
        ("libQt6Network.so.6", "Qt library Qt6Network"),
        ("PySide6/Qt/lib/libQt6Svg.so.6", "Qt library Qt6Svg"),
        ("PySide6/Qt/lib/libQt6OpenGL.so.6", "Qt library Qt6OpenGL"),
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", "Qt library Qt6WaylandClient"),
        ("PySide6\\Qt6Network.dll", "Qt library Qt6Network"),
        ("PySide6\\plugins\\imageformats\\qjpeg.dll", "Qt plugin"),
        ("PySide6\\translations\\qtbase_de.qm", "Qt translation"),
        ("PySide6/Qt/lib/QtNetwork.framework/Versions/A/QtNetwork", "Qt library Qt6Network"),
    ],
)
def test_dropped(dest, why):
    assert (rules.reason_to_drop(dest) or "").startswith(why)


@linux_only
@pytest.mark.parametrize(
    "dest",
    ["libfontconfig.so.1", "libX11.so.6", "libxcb.so.1", "libglib-2.0.so.0", "libGL.so.1",
     "libstdc++.so.6"],
)
def test_desktop_libraries_are_left_to_the_system(dest):
    assert rules.reason_to_drop(dest) == "left to the system"


def test_keep_reports_what_it_drops():
    dropped: list[str] = []
    entries = [
        ("PySide6/Qt/translations/qt_fr.qm", "/src/qt_fr.qm", "DATA"),
        ("db/queries/users.sql", "/src/users.sql", "DATA"),
    ]
    assert rules.keep(entries, dropped.append) == [entries[1]]
    assert dropped == ["drop PySide6/Qt/translations/qt_fr.qm: Qt translation"]


def test_orphans_are_dropped_until_none_is_left():
    binaries = [
        ("PySide6/QtGui.abi3.so", "gui", "EXTENSION"),
        ("libQt6Gui.so.6", "libgui", "BINARY"),
        ("libcairo.so.2", "cairo", "BINARY"),  # needed only by the dropped GTK theme
        ("libpixman-1.so.0", "pixman", "BINARY"),  # needed only by cairo
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "qxcb", "BINARY"),
        ("libxcb-cursor.so.0", "cursor", "BINARY"),
    ]
    needed = {
        "gui": {"libQt6Gui.so.6"},
        "cairo": {"libpixman-1.so.0"},
        "qxcb": {"libxcb-cursor.so.0", "libQt6Gui.so.6"},
    }
    dropped: list[str] = []
    kept = rules.drop_orphans(
        binaries,
        lambda entry: needed.get(entry[1], set()),
        lambda entry: entry[2] == "EXTENSION" or "/plugins/" in entry[0],
        dropped.append,
    )
    assert [entry[0] for entry in kept] == [
        "PySide6/QtGui.abi3.so",
        "libQt6Gui.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "libxcb-cursor.so.0",
    ]
    assert len(dropped) == 2


def test_links_to_dropped_libraries_are_dropped():
    binaries = [("PySide6/Qt/lib/libQt6Core.so.6", "/src", "BINARY")]
    datas = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("db/seeds/demo.json", "/src/demo.json", "DATA"),
    ]
    kept = rules.drop_dangling_links(datas, binaries)
    assert [entry[0] for entry in kept] == ["libQt6Core.so.6", "db/seeds/demo.json"]


def test_unused_pyside6_modules_are_excluded_and_the_used_ones_are_not():
    files = ["QtCore.abi3.so", "QtGui.abi3.so", "QtWidgets.abi3.so", "QtNetwork.abi3.so",
             "QtSql.pyd", "libpyside6.abi3.so.6.11"]
    assert rules.unused_pyside6_modules(files) == ["PySide6.QtNetwork", "PySide6.QtSql"]


def test_other_qt_bindings_are_excluded():
    """PyInstaller refuses to collect two Qt bindings; the spec excludes all but PySide6."""
    for binding in ("PyQt5", "PyQt6", "PySide2"):
        assert binding in rules.EXCLUDED_MODULES


def test_spec_uses_the_rules_and_every_file_it_names_exists():
    spec = (PACKAGING / "postdesk.spec").read_text()
    for name in ("bundle_rules.keep", "drop_orphans", "drop_dangling_links",
                 "icu_data.build_trimmed_library",
                 "console=False", "runtime_hook_fonts.py", "launcher.py"):
        assert name in spec, name
    for path in ("launcher.py", "runtime_hook_fonts.py", "fontconfig/fonts.conf"):
        assert (PACKAGING / path).is_file()
    assert not (PACKAGING / "__init__.py").exists(), "packaging/ must never be a package"


def test_the_packaging_library_is_not_shadowed():
    import packaging.version

    assert "site-packages" in (packaging.version.__file__ or "")
