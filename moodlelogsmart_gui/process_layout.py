"""Layered layout of a process map (directly-follows graph), shared by the SVG the worker
writes and the map the window paints. Pure Python: no Qt, no pandas.

Boxes are activity types, laid out top to bottom in layers by their breadth-first distance
from the activities cases start with (at most four boxes a layer), each layer ordered by
the mean position of the boxes leading to it; a path to the same or an earlier layer is a
back edge, drawn along the side. Box width
grows with the activity's frequency, arrow thickness with the path's count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BOX_HEIGHT = 34.0
MIN_WIDTH, MAX_WIDTH = 110.0, 230.0
LAYER_GAP, BOX_GAP, MARGIN = 46.0, 28.0, 24.0
PER_LAYER = 4
DEFAULT_PERCENT = 10.0  # "show paths above N%": the window's starting value and the SVG's
MIN_STROKE, MAX_STROKE = 1.0, 9.0


@dataclass(frozen=True)
class Box:
    name: str
    count: int
    x: float  # left
    y: float  # top
    width: float
    height: float


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    count: int
    stroke: float
    back: bool  # drawn against the layer order (a loop back to an earlier activity)


@dataclass(frozen=True)
class ProcessLayout:
    boxes: dict[str, Box]
    arrows: list[Arrow]
    width: float
    height: float
    shown: int  # paths drawn
    total: int  # paths in the data


def visible_edges(edges: Sequence[Mapping[str, Any]], percent: float) -> list[tuple[str, str, int]]:
    """Paths whose count is above ``percent`` % of the most frequent path's count (every path
    at 0)."""
    pairs = [(str(e["from"]), str(e["to"]), int(e["count"])) for e in edges]
    if not pairs:
        return []
    floor = max(count for _, _, count in pairs) * max(percent, 0.0) / 100.0
    return [pair for pair in pairs if pair[2] > floor]


def layout(
    activities: Mapping[str, int],
    edges: Sequence[Mapping[str, Any]],
    starts: Mapping[str, int] | None = None,
    percent: float = 0.0,
    per_layer: int = PER_LAYER,
) -> ProcessLayout:
    """Place ``activities`` (name -> events) and the paths above ``percent`` %."""
    counts = {str(k): int(v) for k, v in activities.items() if int(v) > 0}
    shown = visible_edges(edges, percent)
    for source, target, _ in shown:
        counts.setdefault(source, 0)
        counts.setdefault(target, 0)
    names = sorted(counts, key=lambda n: (-counts[n], n))
    after: dict[str, list[str]] = {n: [] for n in names}
    for source, target, _ in sorted(shown, key=lambda e: -e[2]):
        if source != target:
            after[source].append(target)
    layer = _layers(names, after, starts or {}, max(per_layer, 1))
    order = _orders(names, after, layer)
    top = max(layer.values(), default=0)
    most = max(counts.values(), default=1) or 1
    widths = {n: MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * (counts[n] / most) ** 0.5 for n in names}
    rows = [[n for n in order if layer[n] == level] for level in range(top + 1)]
    row_widths = [sum(widths[n] for n in row) + BOX_GAP * max(len(row) - 1, 0) for row in rows]
    width = max(row_widths, default=0.0) + 2 * MARGIN + 60.0  # room for back edges
    boxes: dict[str, Box] = {}
    for level, row in enumerate(rows):
        x = (width - row_widths[level]) / 2
        y = MARGIN + level * (BOX_HEIGHT + LAYER_GAP)
        for n in row:
            boxes[n] = Box(n, counts[n], x, y, widths[n], BOX_HEIGHT)
            x += widths[n] + BOX_GAP
    heaviest = max((c for _, _, c in shown), default=1) or 1
    arrows = [
        Arrow(s, t, c, MIN_STROKE + (MAX_STROKE - MIN_STROKE) * c / heaviest, layer[t] <= layer[s])
        for s, t, c in shown
    ]
    height = MARGIN * 2 + (top + 1) * BOX_HEIGHT + top * LAYER_GAP
    return ProcessLayout(boxes, arrows, width, height, len(shown), len(edges))


def _layers(
    names: list[str], after: dict[str, list[str]], starts: Mapping[str, int], per_layer: int
) -> dict[str, int]:
    """Breadth-first distance from the start activities (the most frequent first), at most
    ``per_layer`` boxes a layer (the rest move down); unreachable ones go last."""
    roots = [n for n in sorted(names, key=lambda n: -starts.get(n, 0)) if starts.get(n, 0) > 0]
    if not roots and names:
        roots = [names[0]]
    distance: dict[str, int] = {}
    frontier = [r for r in roots if r in after]
    for root in frontier:
        distance[root] = 0
    while frontier:
        following: list[str] = []
        for node in frontier:
            for nxt in after[node]:
                if nxt not in distance:
                    distance[nxt] = distance[node] + 1
                    following.append(nxt)
        frontier = following
    deepest = max(distance.values(), default=-1)
    for n in names:
        distance.setdefault(n, deepest + 1)
    layer: dict[str, int] = {}
    level, used, last_distance = 0, 0, 0
    for n in sorted(names, key=lambda n: (distance[n], names.index(n))):
        if used and (used >= per_layer or distance[n] > last_distance):
            level, used = level + 1, 0
        layer[n], used, last_distance = level, used + 1, distance[n]
    return layer


def _orders(names: list[str], after: dict[str, list[str]], layer: dict[str, int]) -> list[str]:
    """Each layer ordered by the mean position of the boxes above that lead to it."""
    position: dict[str, float] = {}
    ordered: list[str] = []
    for level in range(max(layer.values(), default=-1) + 1):
        row = [n for n in names if layer[n] == level]
        parents = {
            n: [position[s] for s, ts in after.items() if n in ts and s in position] for n in row
        }
        row.sort(key=lambda n: sum(parents[n]) / len(parents[n]) if parents[n] else 0.0)
        for i, n in enumerate(row):
            position[n] = float(i) - (len(row) - 1) / 2
        ordered += row
    return ordered
