"""The process map in the details pane: activity types as boxes (wider and darker: more
events), the directly-follows paths as arrows with their counts (thicker: more often; brown:
back to an earlier activity), a slider "show paths above N%".

Painted with QPainter from the job summary's counts (``events_per_activity_type``,
``directly_follows``, ``start_activities``) with the same layout and routes as
``process_map.svg``; the slider starts where the SVG's threshold is until it is moved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from moodlelogsmart_gui.process_layout import (
    DEFAULT_PERCENT,
    PER_LAYER,
    Arrow,
    Box,
    ProcessLayout,
    default_percent,
    layout,
)

BOX_ROOM = 200  # width one box needs, gap and arrows included
MIN_SCALE = 0.8  # smaller and the counts are hard to read: the map scrolls sideways
SMALLEST_NAME = 0.75  # a box's name shrinks to this share of the font before it is cut
LIGHT, DARK, BOX_LINE = QColor("#eef4fb"), QColor("#9fc0e6"), QColor("#2d5d8f")
FORWARD, BACK = QColor("#34495e"), QColor("#a8582a")
_chosen: dict[str, float | None] = {"percent": None}  # kept from job to job once moved


def _route(arrow: Arrow) -> QPainterPath:
    path = QPainterPath()
    path.moveTo(*arrow.start)
    for x1, y1, x2, y2, x3, y3 in arrow.curves:
        path.cubicTo(x1, y1, x2, y2, x3, y3)
    return path


def _head(arrow: Arrow) -> QPolygonF:
    """The arrowhead: from the curve's end (its base) to the tip on the box."""
    bx, by = arrow.curves[-1][4:6] if arrow.curves else arrow.start
    tx, ty = arrow.tip
    dx, dy = tx - bx, ty - by
    length = max((dx * dx + dy * dy) ** 0.5, 1e-6)
    half = arrow.head * 0.4
    px, py = -dy / length * half, dx / length * half
    return QPolygonF([QPointF(tx, ty), QPointF(bx + px, by + py), QPointF(bx - px, by - py)])


def _fill(box: Box) -> QColor:
    share = box.shade
    return QColor(
        round(LIGHT.red() + (DARK.red() - LIGHT.red()) * share),
        round(LIGHT.green() + (DARK.green() - LIGHT.green()) * share),
        round(LIGHT.blue() + (DARK.blue() - LIGHT.blue()) * share),
    )


class MapCanvas(QWidget):
    """Paints the map: as many boxes a layer as the width holds, scaled down if needed."""

    def __init__(self, summary: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("processMapCanvas")
        self._summary = summary
        self.percent = DEFAULT_PERCENT
        self.placed: ProcessLayout | None = None
        self.fitted: Callable[[], None] | None = None  # told when the size changed
        self._per_layer = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def available(self) -> int:
        """The width the pane shows (the scroll area's viewport when in one)."""
        parent = self.parentWidget()
        return max(parent.width() if parent is not None else self.width(), 1)

    def per_layer(self) -> int:
        return max(2, min(PER_LAYER, self.available() // BOX_ROOM))

    def set_percent(self, percent: float) -> ProcessLayout:
        self.percent = percent
        self.placed = layout(
            self._summary.get("events_per_activity_type") or {},
            self._summary.get("directly_follows") or [],
            self._summary.get("start_activities") or {},
            percent,
            self.per_layer(),
        )
        self._per_layer = self.per_layer()
        self._fit()
        self.update()
        return self.placed

    def scale(self) -> float:
        if self.placed is None or self.placed.width <= 0:
            return 1.0
        return max(MIN_SCALE, min(1.0, self.available() / self.placed.width))

    def _fit(self) -> None:
        """Height for the scale; at the smallest scale the map is wider than the pane and
        scrolls sideways instead of shrinking its text further."""
        height = int(self.placed.height * self.scale()) + 2 if self.placed else 0
        width = int(self.placed.width * self.scale()) if self.placed else 0
        if height != self.height():
            self.setFixedHeight(height)
        if width != self.minimumWidth():
            self.setMinimumWidth(width)
        if self.fitted is not None:
            self.fitted()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.per_layer() != self._per_layer:
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
        arrows = sorted(self.placed.arrows, key=lambda a: a.count)
        for arrow in arrows:
            colour = QColor(BACK if arrow.back else FORWARD)
            colour.setAlpha(205)
            painter.setPen(
                QPen(colour, arrow.stroke, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(_route(arrow))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(BACK if arrow.back else FORWARD)
            painter.drawPolygon(_head(arrow))
        self._paint_boxes(painter)
        self._paint_counts(painter, arrows)
        painter.end()

    def _font(self, painter: QPainter, share: float) -> QFont:
        """The pane's font at ``share`` of its size, bold, whatever the map's scale (the
        painter is scaled: the size is divided by the scale to come out the same)."""
        font = QFont(painter.font())
        size = font.pointSizeF() if font.pointSizeF() > 0 else 9.0
        font.setPointSizeF(max(size * share, 6.0) / self.scale())
        font.setBold(True)
        return font

    def _paint_boxes(self, painter: QPainter) -> None:
        assert self.placed is not None
        name_font = self._font(painter, 1.0)
        name_font.setBold(True)
        small = self._font(painter, 0.85)
        small.setBold(False)
        for box in self.placed.boxes.values():
            rect = QRectF(box.x, box.y, box.width, box.height)
            pen = QPen(BOX_LINE, 1.2)
            if box.alone:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(_fill(box))
            painter.drawRoundedRect(rect, 6, 6)
            painter.setPen(QColor("#1d2733"))
            font = _fitted(name_font, box.name, box.width - 8)
            painter.setFont(font)
            name = QFontMetrics(font).elidedText(
                box.name, Qt.TextElideMode.ElideMiddle, int(box.width) - 8
            )
            top = QRectF(box.x, box.y + 2, box.width, box.height / 2)
            painter.drawText(top, Qt.AlignmentFlag.AlignCenter, name)
            painter.setPen(QColor("#3c4a5a"))
            painter.setFont(small)
            bottom = QRectF(box.x, box.y + box.height / 2 - 1, box.width, box.height / 2)
            count = self.tr("%1 events").replace("%1", f"{box.count:,}")
            painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, count)

    def _paint_counts(self, painter: QPainter, arrows: list[Arrow]) -> None:
        """Each path's count on its route, outlined in white so it reads over lines."""
        font = self._font(painter, 0.85)
        metrics = QFontMetrics(font)
        for arrow in arrows:
            text = f"{arrow.count:,}"
            x, y = arrow.label
            path = QPainterPath()
            base = QPointF(x - metrics.horizontalAdvance(text) / 2, y + metrics.ascent() / 2 - 1)
            path.addText(base, font, text)
            painter.setPen(
                QPen(
                    QColor("#ffffff"),
                    3.5,
                    Qt.PenStyle.SolidLine,
                    Qt.PenCapStyle.RoundCap,
                    Qt.PenJoinStyle.RoundJoin,
                )
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(BACK if arrow.back else FORWARD))
            painter.drawPath(path)


def _sample(kind: str, height: int) -> QPixmap:
    """A small picture for the legend: a path (``forward``), a path back (``back``) or a box
    with no path shown (``alone``), in the map's colours."""
    width = 30
    pixmap = QPixmap(width, height)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    middle = height / 2
    if kind == "alone":
        pen = QPen(BOX_LINE, 1.2)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(LIGHT)
        painter.drawRoundedRect(QRectF(2, 2, width - 4, height - 4), 3, 3)
    else:
        colour = BACK if kind == "back" else FORWARD
        painter.setPen(QPen(colour, 2.0))
        painter.drawLine(QPointF(2, middle), QPointF(width - 9, middle))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        tip, base = QPointF(width - 2, middle), width - 10.0
        painter.drawPolygon(QPolygonF([tip, QPointF(base, middle - 4), QPointF(base, middle + 4)]))
    painter.end()
    return pixmap


class _Slider(QSlider):
    """Leaves the mouse wheel to the scrolling pane unless the slider has the focus."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _Sideways(QScrollArea):
    """Scrolls the map sideways; the mouse wheel (up and down) goes on to the pane."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.angleDelta().x() == 0:
            event.ignore()
        else:
            super().wheelEvent(event)


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
        start = _chosen["percent"]
        if start is None:  # where the SVG's threshold is, until the person moves the slider
            start = default_percent(
                summary.get("events_per_activity_type") or {},
                summary.get("directly_follows") or [],
            )
        self.slider.setValue(int(start))
        self.slider.setAccessibleName(self.tr("Show paths above this share of the most frequent"))
        self.caption.setBuddy(self.slider)
        row.addWidget(self.caption)
        row.addWidget(self.slider, 1)
        column.addLayout(row)
        self.canvas = MapCanvas(summary)
        self.scroller = _Sideways()
        self.scroller.setObjectName("processMapScroller")
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidgetResizable(True)
        self.scroller.setWidget(self.canvas)
        self.canvas.fitted = self._fit_scroller
        column.addWidget(self.scroller)
        column.addLayout(self._legend())
        self.shown = QLabel()
        self.shown.setObjectName("processMapShown")
        self.shown.setEnabled(False)
        column.addWidget(self.shown)
        self.slider.valueChanged.connect(self._moved)
        self._redraw(self.slider.value())

    def _legend(self) -> QGridLayout:
        """What the colours and the dashes mean (the SVG's caption says the same)."""
        grid = QGridLayout()
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(0)
        self.legend: list[QLabel] = []
        height = max(12, self.fontMetrics().height() - 2)
        entries = (
            ("forward", self.tr("a path and how often it was taken (thicker: more often)")),
            ("back", self.tr("a path back to an earlier activity or to the same one")),
            ("alone", self.tr("an activity with no path above the threshold")),
        )
        for row, (kind, text) in enumerate(entries):
            picture = QLabel()
            picture.setPixmap(_sample(kind, height))
            words = QLabel(text)
            words.setWordWrap(True)
            self.legend.append(words)
            grid.addWidget(picture, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(words, row, 1)
        grid.setColumnStretch(1, 1)
        return grid

    def _fit_scroller(self) -> None:
        """As tall as the map, plus the scroll bar when the map is wider than the pane."""
        bar = self.scroller.horizontalScrollBar().sizeHint().height()
        wider = self.canvas.minimumWidth() > self.scroller.viewport().width()
        self.scroller.setFixedHeight(self.canvas.height() + (bar if wider else 0))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_scroller()

    def _moved(self, percent: int) -> None:
        _chosen["percent"] = float(percent)
        self._redraw(percent)

    def _redraw(self, percent: int) -> None:
        self.caption.setText(self.tr("Show paths above %1%").replace("%1", str(percent)))
        placed = self.canvas.set_percent(float(percent))
        if not placed.total:
            self.shown.setText(self.tr("No paths: no case has two events in a row."))
        else:
            text = self.tr("%1 of %2 paths shown.")
            self.shown.setText(
                text.replace("%1", f"{placed.shown:,}").replace("%2", f"{placed.total:,}")
            )


def _fitted(font: QFont, text: str, room: float) -> QFont:
    """``font``, smaller (down to ``SMALLEST_NAME`` of its size) when ``text`` is wider than
    ``room``: a whole name in a smaller font reads better than a name cut in the middle."""
    width = QFontMetrics(font).horizontalAdvance(text)
    if width <= room:
        return font
    smaller = QFont(font)
    smaller.setPointSizeF(font.pointSizeF() * max(SMALLEST_NAME, room / width * 0.97))
    return smaller
