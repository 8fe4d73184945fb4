"""Scroll bars that look exactly as the style draws them, with their slow parts drawn once.

Fusion (Qt's style on Linux without a desktop theme) fills a vertical scroll bar's groove,
and its slider, with a gradient across their width, which the raster painter computes
pixel by pixel: 1.5 ms for a 600-pixel groove against 0.04 ms lying down, and as much
again for a long slider (a list a little longer than its window, or an empty one, whose
slider fills the bar). A list's scroll bar repaints at every page scrolled and at every
list shown, so a click paid that once or twice before its rows were painted. The groove
depends only on the bar's size and state, so it is drawn into a pixmap the first time and
copied after; a bar with a long slider is kept whole (a short list shows again and again
as the same few pictures). A short slider, the heavy lists' one, is quick to draw and is
drawn by the style as always, over the kept groove.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QScrollBar,
    QStyle,
    QStyleFactory,
    QStyleOptionComplex,
    QStyleOptionSlider,
    QWidget,
)

# Pictures kept at once: three lists' bars, each empty, short or long, hovered or not.
KEPT_PICTURES = 64
# A slider this long or longer is kept with the arrows (Fusion: 0.3 ms at 100 pixels).
LONG_SLIDER_PX = 64
_BAR = QStyle.ComplexControl.CC_ScrollBar
_GROOVE = QStyle.SubControl.SC_ScrollBarGroove
_SLIDER = QStyle.SubControl.SC_ScrollBarSlider


class GrooveKeepingStyle(QProxyStyle):
    """The application's style, keeping the scroll bars' slow parts it has drawn."""

    def __init__(self, base: QStyle) -> None:
        super().__init__(base)
        self._pictures: dict[tuple[object, ...], QPixmap] = {}

    def keeps(self, size: QSize) -> bool:
        """Whether a picture of a bar of this size is kept (its groove, or all of it)."""
        return any(key[1:3] == (size.width(), size.height()) for key in self._pictures)

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        base = self.baseStyle()
        if control != _BAR:
            base.drawComplexControl(control, option, painter, widget)
            return
        assert isinstance(option, QStyleOptionSlider)
        corner = option.rect.topLeft()
        slider = base.subControlRect(_BAR, option, _SLIDER, widget)
        if option.subControls & _SLIDER and max(slider.width(), slider.height()) >= LONG_SLIDER_PX:
            # The whole bar, as one picture: everything that places or marks the slider and
            # the arrows is in the key.
            where = (
                slider.x(), slider.y(), slider.width(), slider.height(),
                option.minimum, option.maximum, option.sliderPosition, option.sliderValue,
                option.upsideDown,
            )
            parts = option.subControls
            painter.drawPixmap(corner, self._kept(option, parts, where, painter, widget))
            return
        if option.subControls & _GROOVE:
            painter.drawPixmap(corner, self._kept(option, _GROOVE, (), painter, widget))
        drawn = QStyleOptionSlider(option)
        drawn.subControls = option.subControls & ~_GROOVE
        base.drawComplexControl(control, drawn, painter, widget)

    def _kept(
        self,
        option: QStyleOptionSlider,
        parts: QStyle.SubControl,
        where: tuple[object, ...],
        painter: QPainter,
        widget: QWidget | None,
    ) -> QPixmap:
        """`parts` of the bar as the base style draws them, in a picture of the whole bar."""
        ratio = painter.device().devicePixelRatioF()
        key = (
            parts,
            option.rect.width(),
            option.rect.height(),
            option.orientation,
            option.state,
            option.activeSubControls,
            option.palette.cacheKey(),
            option.direction,
            ratio,
            *where,
        )
        pixmap = self._pictures.get(key)
        if pixmap is None:
            if len(self._pictures) >= KEPT_PICTURES:
                self._pictures.clear()
            pixmap = QPixmap(option.rect.size() * ratio)
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            drawn = QStyleOptionSlider(option)
            drawn.rect = QRect(0, 0, option.rect.width(), option.rect.height())
            drawn.subControls = parts
            into = QPainter(pixmap)
            self.baseStyle().drawComplexControl(_BAR, drawn, into, widget)
            into.end()
            self._pictures[key] = pixmap
        return pixmap


def keep_grooves(*bars: QScrollBar) -> None:
    """Give `bars` the application's style with their slow parts kept (one style for all)."""
    app = QApplication.instance()
    assert app is not None
    style = app.findChild(GrooveKeepingStyle)
    if style is None:
        # A fresh instance of the application's style: the proxy owns its base.
        base = QStyleFactory.create(QApplication.style().name()) or QStyleFactory.create("fusion")
        style = GrooveKeepingStyle(base)
        style.setParent(app)
    for bar in bars:
        bar.setStyle(style)

