"""``process_map.svg``: the process map as plain SVG text, written without Qt.

The same layered layout as the window's map (``process_layout``) with the threshold the
window's slider starts at (about two paths per activity type; the caption says which one,
and every count is in summary.json). Boxes are activity types (wider and darker: more
events), arrows the directly-follows paths (thicker: more often) with their counts and an
arrowhead (an SVG marker) touching the box they lead to; paths back to an earlier activity
are brown, loops sit on a box's right.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from moodlelogsmart_gui.process_layout import Arrow, Box, default_percent, layout

MARGIN_X = 12
MIN_WIDTH = 520.0  # room for the caption beside a narrow map
FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"'
FORWARD, BACK = "#34495e", "#a8582a"
CAPTION_CHAR = 6.3  # width of a caption character (11 px)
DASHED = ' stroke-dasharray="5,3"'  # a box no shown path touches


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _mix(light: str, dark: str, share: float) -> str:
    a = [int(light[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(dark[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _marker_id(arrow: Arrow) -> str:
    return f"head-{'back' if arrow.back else 'on'}-{round(arrow.head * 2)}"


def _markers(arrows: list[Arrow]) -> list[str]:
    """One arrowhead marker per colour and size (sizes in user units, not stroke widths, so
    thin arrows get visible heads and thick ones no huge ones)."""
    defs = {}
    for arrow in arrows:
        name = _marker_id(arrow)
        if name in defs:
            continue
        length = round(arrow.head * 2) / 2
        colour = BACK if arrow.back else FORWARD
        defs[name] = (
            f'<marker id="{name}" markerUnits="userSpaceOnUse" viewBox="0 0 10 8" refX="0" '
            f'refY="4" markerWidth="{length:g}" markerHeight="{length * 0.8:g}" '
            f'orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="{colour}"/></marker>'
        )
    return ["<defs>", *defs.values(), "</defs>"]


def _path(arrow: Arrow) -> str:
    x, y = arrow.start
    parts = [f"M{x:.1f},{y:.1f}"]
    for c in arrow.curves:
        parts.append("C" + " ".join(f"{c[i]:.1f},{c[i + 1]:.1f}" for i in (0, 2, 4)))
    return " ".join(parts)


def _arrow(arrow: Arrow) -> str:
    colour = BACK if arrow.back else FORWARD
    return (
        f'<path d="{_path(arrow)}" fill="none" stroke="{colour}" stroke-opacity="0.8" '
        f'stroke-width="{arrow.stroke:.1f}" marker-end="url(#{_marker_id(arrow)})">'
        f"<title>{escape(arrow.source)} → {escape(arrow.target)}: {arrow.count}</title></path>"
    )


def _label(arrow: Arrow) -> str:
    x, y = arrow.label
    colour = BACK if arrow.back else FORWARD
    return (
        f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" '
        f'font-weight="bold" fill="{colour}" stroke="#ffffff" stroke-width="3.5" '
        f'stroke-linejoin="round" paint-order="stroke" {FONT}>{arrow.count:,}</text>'
    )


def _box(box: Box) -> str:
    fill = _mix("#eef4fb", "#9fc0e6", box.shade)
    middle = box.x + box.width / 2
    return (
        f'<g><rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" rx="6" fill="{fill}" stroke="#2d5d8f" stroke-width="1.2"'
        f"{DASHED if box.alone else ''}/>"
        f'<text x="{middle:.1f}" y="{box.y + 17:.1f}" text-anchor="middle" font-size="12" '
        f'font-weight="bold" fill="#1d2733" {FONT}>{escape(box.name)}</text>'
        f'<text x="{middle:.1f}" y="{box.y + 32:.1f}" text-anchor="middle" font-size="10.5" '
        f'fill="#3c4a5a" {FONT}>{box.count:,} events</text>'
        f"<title>{escape(box.name)}: {box.count} events</title></g>"
    )


def process_map_svg(summary: Mapping[str, Any], percent: float | None = None) -> str:
    """The SVG document for a summary with ``events_per_activity_type`` and
    ``directly_follows`` (and ``start_activities``): paths above ``percent`` % (by default
    the window's starting threshold)."""
    activities = summary.get("events_per_activity_type") or {}
    edges = summary.get("directly_follows") or []
    if percent is None:
        percent = default_percent(activities, edges)
    placed = layout(activities, edges, summary.get("start_activities") or {}, percent)
    w = max(placed.width, MIN_WIDTH)
    caption = (
        f"{placed.shown} of {placed.total} paths shown: those more than {percent:g}% as "
        f"frequent as the most frequent one ({placed.most:,} times). A number on an arrow "
        "counts how often a case went directly from one activity to the next (thicker: more "
        "often); brown arrows lead back to an earlier activity or to the same one; dashed "
        "boxes have no path above the threshold. Every count is in summary.json."
    )
    lines_of_caption = textwrap.wrap(caption, max(40, int((w - 2 * MARGIN_X) / CAPTION_CHAR)))
    h = placed.height + 16 * len(lines_of_caption) + 10
    shift = (w - placed.width) / 2
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}">',
        "<title>Process map: activity types and how often one directly follows another</title>",
        *_markers(placed.arrows),
        f'<rect width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>',
        f'<g transform="translate({shift:.1f},0)">',
    ]
    arrows = sorted(placed.arrows, key=lambda a: a.count)
    lines += [_arrow(arrow) for arrow in arrows]
    lines += [_box(box) for box in placed.boxes.values()]
    lines += [_label(arrow) for arrow in arrows]
    lines.append("</g>")
    for i, text in enumerate(lines_of_caption):
        lines.append(
            f'<text x="{MARGIN_X}" y="{placed.height + 4 + 16 * i:.0f}" font-size="11" '
            f'fill="#55606e" {FONT}>{escape(text)}</text>'
        )
    lines.append("</svg>")
    return "\n".join(lines) + "\n"
