"""Draw the Postdesk icon with QPainter and write it in every form the packages need.

    .venv/bin/python packaging/make_icons.py        # rewrites resources/icons/

Writes resources/icons/postdesk-N.png (N = 16 ... 512: the Linux desktop entry and the
window), postdesk.ico (Windows: the executable's icon) and postdesk.icns (macOS: the .app's
icon). The ICO and ICNS containers are written here byte by byte with PNG entries, so no Qt
image-format plugin and no Pillow is needed. The generated files are committed; run this
again only when the drawing changes.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (Apple's "icns" format).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def draw(size: int) -> QImage:
    """The icon at one size: a blue tile, a white post card with lines of text, and an
    orange comment bubble over its corner. Small sizes get fewer, bolder lines."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 64, size / 64)  # drawn on a 64 x 64 grid

    tile = QLinearGradient(QPointF(0, 0), QPointF(0, 64))
    tile.setColorAt(0, QColor("#3b82f6"))
    tile.setColorAt(1, QColor("#1d4ed8"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(tile))
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 13, 13)

    p.setBrush(QColor("#ffffff"))
    p.drawRoundedRect(QRectF(12, 11, 34, 40), 4, 4)
    p.setPen(QPen(QColor("#1d4ed8"), 4.5 if size <= 24 else 3.2, c=Qt.PenCapStyle.RoundCap))
    lines = ((17, 20, 40), (17, 28, 36)) if size <= 24 else (
        (17, 19, 41), (17, 26, 38), (17, 33, 40), (17, 40, 31)
    )
    for x1, y, x2 in lines:
        p.drawLine(QPointF(x1, y), QPointF(x2, y))

    bubble = QPainterPath()
    bubble.addRoundedRect(QRectF(31, 32, 26, 19), 6, 6)
    tail = QPainterPath()
    tail.moveTo(37, 49)
    tail.lineTo(35, 57)
    tail.lineTo(45, 49)
    tail.closeSubpath()
    bubble = bubble.united(tail)
    p.setPen(QPen(QColor("#1d4ed8"), 2.0))
    p.setBrush(QColor("#f59e0b"))
    p.drawPath(bubble)
    if size > 24:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#ffffff"))
        for x in (38, 44, 50):
            p.drawEllipse(QPointF(x, 41.5), 2.1, 2.1)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # stubs: bytes
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (read by Windows Vista and later)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    directory = b""
    for size in sizes:
        side = size if size < 256 else 0  # 0 means 256 in an ICO directory
        directory += struct.pack(
            "<BBBBHHII", side, side, 0, 0, 1, 32, len(pngs[size]), offset
        )
        offset += len(pngs[size])
    return header + directory + b"".join(pngs[size] for size in sizes)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file whose elements are PNG images (read by macOS 10.7 and later)."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    wanted = set(PNG_SIZES) | set(ICO_SIZES) | {size for _kind, size in ICNS_TYPES}
    pngs = {size: png_bytes(draw(size)) for size in sorted(wanted)}
    written = []
    for size in PNG_SIZES:
        path = ICON_DIR / f"postdesk-{size}.png"
        path.write_bytes(pngs[size])
        written.append(path)
    ico = ICON_DIR / "postdesk.ico"
    ico.write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    icns = ICON_DIR / "postdesk.icns"
    icns.write_bytes(icns_bytes(pngs))
    for path in [*written, ico, icns]:
        print(f"{path.stat().st_size:>8} bytes  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
