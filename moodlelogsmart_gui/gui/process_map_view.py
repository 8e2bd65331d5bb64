"""The process map in the details pane: activity types as boxes (wider: more events), the
directly-follows paths as arrows (thicker: more often), a slider "show paths above N%".

Painted with QPainter from the job summary's counts (``events_per_activity_type``,
``directly_follows``, ``start_activities``) with the same layout as ``process_map.svg``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from moodlelogsmart_gui.process_layout import (
    DEFAULT_PERCENT,
    PER_LAYER,
    Arrow,
    Box,
    ProcessLayout,
    layout,
)

BOX_ROOM = 200  # width one box needs, gap and arrows included
BOX_FILL, BOX_LINE, ARROW = QColor("#dbe8f6"), QColor("#2d5d8f"), QColor(85, 96, 110, 190)
_chosen = {"percent": DEFAULT_PERCENT}  # the slider keeps its value from job to job


def _ends(arrow: Arrow, boxes: Mapping[str, Box]) -> QPainterPath:
    a, b = boxes[arrow.source], boxes[arrow.target]
    path = QPainterPath()
    if arrow.source == arrow.target:
        x, y = a.x + a.width, a.y + a.height / 2
        path.moveTo(x, y - 8)
        path.cubicTo(x + 30, y - 24, x + 30, y + 24, x, y + 8)
    elif arrow.back:
        x1, y1 = a.x + a.width, a.y + a.height / 2
        x2, y2 = b.x + b.width, b.y + b.height / 2
        bend = max(x1, x2) + 40
        path.moveTo(x1, y1)
        path.cubicTo(bend, y1, bend, y2, x2, y2)
    else:
        x1, y1 = a.x + a.width / 2, a.y + a.height
        x2, y2 = b.x + b.width / 2, b.y
        middle = (y1 + y2) / 2
        path.moveTo(x1, y1)
        path.cubicTo(x1, middle, x2, middle, x2, y2)
    return path


class MapCanvas(QWidget):
    """Paints the map: as many boxes a layer as the width holds, scaled down if needed."""

    def __init__(self, summary: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("processMapCanvas")
        self._summary = summary
        self.percent = DEFAULT_PERCENT
        self.placed: ProcessLayout | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def per_layer(self) -> int:
        return max(2, min(PER_LAYER, int(max(self.width(), 1) // BOX_ROOM)))

    def set_percent(self, percent: float) -> ProcessLayout:
        self.percent = percent
        self.placed = layout(
            self._summary.get("events_per_activity_type") or {},
            self._summary.get("directly_follows") or [],
            self._summary.get("start_activities") or {},
            percent,
            self.per_layer(),
        )
        self._fit()
        self.update()
        return self.placed

    def scale(self) -> float:
        if self.placed is None or self.placed.width <= 0:
            return 1.0
        return min(1.0, max(self.width(), 1) / self.placed.width)

    def _fit(self) -> None:
        height = int(self.placed.height * self.scale()) + 2 if self.placed else 0
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() // BOX_ROOM != event.size().width() // BOX_ROOM:
            self.set_percent(self.percent)
        self._fit()

    def sizeHint(self) -> QSize:
        if self.placed is None:
            return QSize(200, 0)
        return QSize(int(self.placed.width), int(self.placed.height))

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.placed is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = self.scale()
        painter.translate((self.width() - self.placed.width * scale) / 2, 0)
        painter.scale(scale, scale)
        boxes = self.placed.boxes
        for arrow in sorted(self.placed.arrows, key=lambda a: a.count):
            path = _ends(arrow, boxes)
            painter.setPen(QPen(ARROW, arrow.stroke, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            tip = path.pointAtPercent(1.0)
            angle = path.angleAtPercent(0.98)
            head = QPolygonF([QPointF(0, 0), QPointF(-9, -4.5), QPointF(-9, 4.5)])
            painter.save()
            painter.translate(tip)
            painter.rotate(-angle)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ARROW)
            painter.drawPolygon(head)
            painter.restore()
        metrics = QFontMetrics(painter.font())
        for box in boxes.values():
            rect = QRectF(box.x, box.y, box.width, box.height)
            painter.setPen(QPen(BOX_LINE, 1))
            painter.setBrush(BOX_FILL)
            painter.drawRoundedRect(rect, 6, 6)
            text = metrics.elidedText(
                f"{box.name} ({box.count:,})", Qt.TextElideMode.ElideMiddle, int(box.width) - 8
            )
            painter.setPen(QColor("#1d2733"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()


class _Slider(QSlider):
    """Leaves the mouse wheel to the scrolling pane unless the slider has the focus."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class ProcessMapView(QWidget):
    """Slider, map and a line saying how many paths are shown."""

    def __init__(self, summary: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("processMap")
        self._summary = summary
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.caption = QLabel()
        self.slider = _Slider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("processMapSlider")
        self.slider.setRange(0, 99)
        self.slider.setValue(int(_chosen["percent"]))
        self.slider.setAccessibleName(self.tr("Show paths above this share of the most frequent"))
        self.caption.setBuddy(self.slider)
        row.addWidget(self.caption)
        row.addWidget(self.slider, 1)
        column.addLayout(row)
        self.canvas = MapCanvas(summary)
        column.addWidget(self.canvas)
        self.shown = QLabel()
        self.shown.setObjectName("processMapShown")
        self.shown.setEnabled(False)
        column.addWidget(self.shown)
        self.slider.valueChanged.connect(self._redraw)
        self._redraw(self.slider.value())

    def _redraw(self, percent: int) -> None:
        _chosen["percent"] = float(percent)
        self.caption.setText(self.tr("Show paths above %1%").replace("%1", str(percent)))
        placed = self.canvas.set_percent(float(percent))
        if not placed.total:
            self.shown.setText(self.tr("No paths: no case has two events in a row."))
        else:
            text = self.tr("%1 of %2 paths shown.")
            self.shown.setText(
                text.replace("%1", f"{placed.shown:,}").replace("%2", f"{placed.total:,}")
            )
