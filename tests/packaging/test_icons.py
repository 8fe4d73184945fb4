"""The icon in every form, and the desktop entry (resources/)."""

from __future__ import annotations

import configparser
import struct

import pytest
from PySide6.QtGui import QImage

from .conftest import ROOT, load_script

ICONS = ROOT / "resources" / "icons"
make_icons = load_script("make_icons")


@pytest.mark.parametrize("size", make_icons.PNG_SIZES)
def test_png_sizes(size):
    image = QImage(str(ICONS / f"postdesk-{size}.png"))
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()


def test_ico_holds_every_windows_size_as_png():
    data = (ICONS / "postdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    sizes = []
    for index in range(count):
        width, _h, _c, _r, _p, _b, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sizes.append(width or 256)
    assert sorted(sizes) == sorted(make_icons.ICO_SIZES)


def test_icns_holds_png_elements_up_to_1024():
    data = (ICONS / "postdesk.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack_from(">I", data, 4)[0] == len(data)
    kinds = []
    offset = 8
    while offset < len(data):
        kind, length = data[offset : offset + 4], struct.unpack_from(">I", data, offset + 4)[0]
        assert data[offset + 8 : offset + 16] == b"\x89PNG\r\n\x1a\n"
        kinds.append(kind)
        offset += length
    assert offset == len(data)
    assert b"ic10" in kinds and b"ic07" in kinds and b"icp4" in kinds


def test_icons_are_what_the_script_draws(qapp):
    """The committed PNGs come from packaging/make_icons.py (drawn again and compared)."""
    for size in (16, 48, 256):
        drawn = make_icons.draw(size)
        committed = QImage(str(ICONS / f"postdesk-{size}.png")).convertToFormat(drawn.format())
        differing = sum(
            drawn.pixel(x, y) != committed.pixel(x, y) for y in range(size) for x in range(size)
        )
        assert differing <= size * size // 50, f"{size}: {differing} pixels differ"


def test_desktop_entry():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(ROOT / "resources" / "postdesk.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == "Postdesk"
    assert section["Icon"] == "postdesk"
    assert section["Terminal"] == "false"
    assert section["StartupWMClass"] == "Postdesk"  # Qt's WM_CLASS, checked under Xvfb
    assert section["Categories"].endswith(";")
    assert {"Exec", "TryExec"} <= set(section)
