"""Icons: the application icon from resources/, and small state badges drawn in code."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from moodlelogsmart_gui.paths import resources_dir

STATE_COLOURS: dict[str, str] = {
    "queued": "#8a8f98",
    "running": "#2f6fde",
    "completed": "#1e8e3e",
    "failed": "#c5221f",
    "cancelled": "#b06000",
    "expired": "#8a8f98",
}


def app_icon() -> QIcon:
    """The application icon (SVG, with the PNG rendering as a fallback)."""
    folder = resources_dir() / "icons"
    icon = QIcon()
    for name in ("moodlelogsmart.svg", "moodlelogsmart.png"):
        path = folder / name
        if path.is_file():
            icon.addFile(str(path))
    return icon


def _badge(colour: str, symbol: str, size: int = 16) -> QPixmap:
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    pen = QPen(QColor("white"), 1.8)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    c = size / 2
    if symbol == "check":
        path = QPainterPath(QPointF(c - 3.5, c + 0.2))
        path.lineTo(c - 1.0, c + 2.8)
        path.lineTo(c + 3.8, c - 2.6)
        painter.drawPath(path)
    elif symbol == "cross":
        painter.drawLine(QPointF(c - 3, c - 3), QPointF(c + 3, c + 3))
        painter.drawLine(QPointF(c + 3, c - 3), QPointF(c - 3, c + 3))
    elif symbol == "clock":
        painter.drawLine(QPointF(c, c), QPointF(c, c - 4))
        painter.drawLine(QPointF(c, c), QPointF(c + 3, c + 1.5))
    elif symbol == "dash":
        painter.drawLine(QPointF(c - 3.5, c), QPointF(c + 3.5, c))
    elif symbol == "play":
        path = QPainterPath(QPointF(c - 2, c - 3.5))
        path.lineTo(c + 3.5, c)
        path.lineTo(c - 2, c + 3.5)
        path.closeSubpath()
        painter.setBrush(QColor("white"))
        painter.drawPath(path)
    painter.end()
    return pixmap


_SYMBOLS = {
    "queued": "clock",
    "running": "play",
    "completed": "check",
    "failed": "cross",
    "cancelled": "dash",
    "expired": "clock",
}


@cache
def state_icon(state: str) -> QIcon:
    """A coloured round badge for a job state ('expired' included)."""
    return QIcon(_badge(STATE_COLOURS.get(state, "#8a8f98"), _SYMBOLS.get(state, "dash")))


def state_colour(state: str) -> QColor:
    return QColor(STATE_COLOURS.get(state, "#8a8f98"))
