"""``process_map.svg``: the process map as plain SVG text, written without Qt.

The same layered layout as the window's map (``process_layout``) at its starting value:
paths more than 10% as frequent as the most frequent one (every count is in summary.json);
boxes are activity types (wider: more events), arrows the directly-follows paths (thicker:
more often), loops back to an earlier activity curve along the side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from moodlelogsmart_gui.process_layout import DEFAULT_PERCENT, Arrow, Box, layout

MARGIN_X = 12
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _path(arrow: Arrow, boxes: Mapping[str, Box], width: float) -> str:
    a, b = boxes[arrow.source], boxes[arrow.target]
    if arrow.source == arrow.target:
        x, y = a.x + a.width, a.y + a.height / 2
        loop = f"C{x + 30:.1f},{y - 24:.1f} {x + 30:.1f},{y + 24:.1f} {x:.1f},{y + 8:.1f}"
        return f"M{x:.1f},{y - 8:.1f} {loop}"
    if arrow.back:
        x1, y1 = a.x + a.width, a.y + a.height / 2
        x2, y2 = b.x + b.width, b.y + b.height / 2
        bend = max(x1, x2) + 40
        return f"M{x1:.1f},{y1:.1f} C{bend:.1f},{y1:.1f} {bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    x1, y1 = a.x + a.width / 2, a.y + a.height
    x2, y2 = b.x + b.width / 2, b.y
    middle = (y1 + y2) / 2
    return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{middle:.1f} {x2:.1f},{middle:.1f} {x2:.1f},{y2:.1f}"


def process_map_svg(summary: Mapping[str, Any]) -> str:
    """The SVG document for a summary with ``events_per_activity_type`` and
    ``directly_follows`` (and ``start_activities``)."""
    placed = layout(
        summary.get("events_per_activity_type") or {},
        summary.get("directly_follows") or [],
        summary.get("start_activities") or {},
        DEFAULT_PERCENT,
    )
    w, h = placed.width, placed.height + 22
    caption = (
        f"{placed.shown} of {placed.total} paths shown: those more than {DEFAULT_PERCENT:g}% as "
        "frequent as the most frequent one (every count is in summary.json)."
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}">',
        "<title>Process map: activity types and how often one directly follows another</title>",
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" '
        'markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#55606e"/></marker></defs>',
        f'<rect width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>',
    ]
    for arrow in sorted(placed.arrows, key=lambda a: a.count):
        lines.append(
            f'<path d="{_path(arrow, placed.boxes, w)}" fill="none" stroke="#55606e" '
            f'stroke-opacity="0.75" stroke-width="{arrow.stroke:.1f}" marker-end="url(#head)">'
            f"<title>{escape(arrow.source)} → {escape(arrow.target)}: {arrow.count}</title></path>"
        )
    for box in placed.boxes.values():
        lines.append(
            f'<g><rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
            f'height="{box.height:.1f}" rx="6" fill="#dbe8f6" stroke="#2d5d8f"/>'
            f'<text x="{box.x + box.width / 2:.1f}" y="{box.y + box.height / 2 + 4:.1f}" '
            f'text-anchor="middle" font-size="12" {FONT}>{escape(box.name)} ({box.count})</text>'
            f"<title>{escape(box.name)}: {box.count} events</title></g>"
        )
    lines.append(
        f'<text x="{MARGIN_X}" y="{h - 10:.0f}" font-size="11" fill="#55606e" {FONT}>'
        f"{escape(caption)}</text>"
    )
    lines.append("</svg>")
    return "\n".join(lines) + "\n"
