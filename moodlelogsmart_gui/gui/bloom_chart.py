"""A small horizontal bar chart drawn with QPainter (QtCharts is not in PySide6-Essentials)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BLOOM_ORDER = ("remember", "understand", "apply", "analyze", "analyse", "evaluate", "create")
BLOOM_COLOURS = {
    "remember": "#5b8def",
    "understand": "#3fa7a0",
    "apply": "#6ab04c",
    "analyze": "#e2b93b",
    "analyse": "#e2b93b",
    "evaluate": "#e8833a",
    "create": "#c8553d",
}
NEUTRAL = "#9aa0a6"
ACTIVITY_COLOUR = "#5f7fbf"


def bloom_bars(counts: Mapping[str, int]) -> list[tuple[str, int, QColor]]:
    """Bloom levels in taxonomy order (low to high), anything else after them."""

    def rank(name: str) -> tuple[int, str]:
        key = name.strip().lower()
        return (BLOOM_ORDER.index(key) if key in BLOOM_ORDER else len(BLOOM_ORDER), key)

    return [
        (name, int(value), QColor(BLOOM_COLOURS.get(name.strip().lower(), NEUTRAL)))
        for name, value in sorted(counts.items(), key=lambda item: rank(item[0]))
    ]


def top_bars(counts: Mapping[str, int], limit: int, other: str) -> list[tuple[str, int, QColor]]:
    """The ``limit`` largest, then the rest summed as ``other``."""
    items = sorted(counts.items(), key=lambda item: (-int(item[1]), item[0]))
    head, tail = items[:limit], items[limit:]
    bars = [(name, int(value), QColor(ACTIVITY_COLOUR)) for name, value in head]
    if tail:
        bars.append((other, sum(int(v) for _, v in tail), QColor(NEUTRAL)))
    return bars


class BarChart(QWidget):
    """Label | bar | count rows; scales to the largest value; says so when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[tuple[str, int, QColor]] = []
        self._empty_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: list[tuple[str, int, QColor]], empty_text: str = "") -> None:
        self._bars = bars
        self._empty_text = empty_text
        self.updateGeometry()
        self.update()

    def bars(self) -> list[tuple[str, int, QColor]]:
        return list(self._bars)

    def _row_height(self) -> int:
        return QFontMetrics(self.font()).height() + 6

    def sizeHint(self) -> QSize:
        rows = max(1, len(self._bars))
        return QSize(260, rows * self._row_height() + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        text_colour = self.palette().windowText().color()
        if not self._bars:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft, self._empty_text)
            return
        row_h = self._row_height()
        label_w = min(
            max(metrics.horizontalAdvance(name) for name, _, _ in self._bars) + 10,
            int(self.width() * 0.5),
        )
        count_w = max(metrics.horizontalAdvance(f"{v:,}") for _, v, _ in self._bars) + 8
        bar_x = label_w
        bar_max = max(10, self.width() - label_w - count_w - 4)
        top_value = max(1, max(v for _, v, _ in self._bars))
        for row, (name, value, colour) in enumerate(self._bars):
            y = row * row_h + 2
            painter.setPen(text_colour)
            label = metrics.elidedText(name, Qt.TextElideMode.ElideRight, label_w - 8)
            painter.drawText(
                QRectF(0, y, label_w - 8, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            width = bar_max * value / top_value
            if value > 0:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRoundedRect(QRectF(bar_x, y + 3, max(2.0, width), row_h - 6), 3, 3)
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(bar_x + width + 4, y, count_w, row_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{value:,}".replace(",", "\u202f"),
            )
        painter.end()
