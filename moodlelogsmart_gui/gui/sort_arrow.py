"""The header's sort arrow points the way people read it: up for A to Z / oldest first,
down for Z to A / newest first (as in a file manager or a mail client).

Qt hands the style ``SortDown`` for an ascending column and ``SortUp`` for a descending one;
the native Windows and macOS styles turn that round when they draw, but Fusion and the
common style draw it literally, so a table sorted newest first showed an arrow pointing up.
For those styles the header gets a proxy that swaps the two before drawing.
"""

from __future__ import annotations

from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QHeaderView,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QStyleOptionHeader,
    QWidget,
)

LITERAL_STYLES = frozenset({"fusion", "windows"})
"""Styles that draw ``SortUp`` as an arrow pointing up (checked by rendering, Qt 6.11)."""


_Sort = QStyleOptionHeader.SortIndicator


class _SortArrowStyle(QProxyStyle):
    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element is QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(
            option, QStyleOptionHeader
        ):
            flipped = QStyleOptionHeader(option)
            up, down = (
                QStyleOptionHeader.SortIndicator.SortUp,
                QStyleOptionHeader.SortIndicator.SortDown,
            )
            if option.sortIndicator == up:
                flipped.sortIndicator = down
            elif option.sortIndicator == down:
                flipped.sortIndicator = up
            super().drawPrimitive(element, flipped, painter, widget)
            return
        super().drawPrimitive(element, option, painter, widget)


def point_sort_arrow_by_order(header: QHeaderView) -> None:
    """Ascending shows an arrow pointing up, descending one pointing down, in every style."""
    if header.style().name().lower() not in LITERAL_STYLES:
        return
    style = _SortArrowStyle(header.style().name())
    style.setParent(header)  # the header does not own a style set on it
    header.setStyle(style)
