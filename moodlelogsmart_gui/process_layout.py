"""Layered layout of a process map (directly-follows graph), shared by the SVG the worker
writes and the map the window paints. Pure Python: no Qt, no pandas.

Boxes are activity types, laid out top to bottom in layers: cycles are broken by a depth-
first walk from the most frequent start activities (an edge back to an activity still on
the walk is drawn as a back edge), each activity sits one layer below its deepest forward
predecessor, and each layer is ordered by the mean position of its predecessors. Box width
grows with the activity's frequency, arrow thickness with the path's count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BOX_HEIGHT = 34.0
MIN_WIDTH, MAX_WIDTH = 110.0, 230.0
LAYER_GAP, BOX_GAP, MARGIN = 46.0, 28.0, 24.0
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
    """Paths whose count is at least ``percent`` % of the most frequent path's count."""
    pairs = [(str(e["from"]), str(e["to"]), int(e["count"])) for e in edges]
    if not pairs:
        return []
    floor = max(count for _, _, count in pairs) * max(percent, 0.0) / 100.0
    return [pair for pair in pairs if pair[2] >= floor and pair[2] > 0]


def layout(
    activities: Mapping[str, int],
    edges: Sequence[Mapping[str, Any]],
    starts: Mapping[str, int] | None = None,
    percent: float = 0.0,
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
    back = _back_edges(names, after, starts or {})
    layer = _layers(names, after, back)
    order = _orders(names, after, back, layer)
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
        Arrow(s, t, c, MIN_STROKE + (MAX_STROKE - MIN_STROKE) * c / heaviest, (s, t) in back)
        for s, t, c in shown
    ]
    height = MARGIN * 2 + (top + 1) * BOX_HEIGHT + top * LAYER_GAP
    return ProcessLayout(boxes, arrows, width, height, len(shown), len(edges))


def _back_edges(
    names: list[str], after: dict[str, list[str]], starts: Mapping[str, int]
) -> set[tuple[str, str]]:
    roots = sorted((n for n in names if starts.get(n, 0) > 0), key=lambda n: -starts[n])
    roots += names
    state: dict[str, int] = {}  # 1 on the walk, 2 done
    back: set[tuple[str, str]] = set()
    for root in roots:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, i = stack.pop()
            if i < len(after[node]):
                stack.append((node, i + 1))
                nxt = after[node][i]
                if state.get(nxt) == 1:
                    back.add((node, nxt))
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[node] = 2
    for node, targets in after.items():
        back.update((node, t) for t in targets if t == node)
    return back


def _layers(
    names: list[str], after: dict[str, list[str]], back: set[tuple[str, str]]
) -> dict[str, int]:
    before: dict[str, list[str]] = {n: [] for n in names}
    for s, targets in after.items():
        for t in targets:
            if (s, t) not in back:
                before[t].append(s)
    layer: dict[str, int] = {}
    pending = list(names)
    while pending:  # forward edges form a DAG: each round places at least one activity
        rest = []
        for n in pending:
            if all(p in layer for p in before[n]):
                layer[n] = 1 + max((layer[p] for p in before[n]), default=-1)
            else:
                rest.append(n)
        if len(rest) == len(pending):  # pragma: no cover - only if the walk missed a cycle
            for n in rest:
                layer[n] = 0
            break
        pending = rest
    return layer


def _orders(
    names: list[str],
    after: dict[str, list[str]],
    back: set[tuple[str, str]],
    layer: dict[str, int],
) -> list[str]:
    position: dict[str, float] = {}
    ordered: list[str] = []
    for level in range(max(layer.values(), default=-1) + 1):
        row = [n for n in names if layer[n] == level]
        parents = {
            n: [
                position[s]
                for s, ts in after.items()
                if n in ts and (s, n) not in back and s in position
            ]
            for n in row
        }
        row.sort(key=lambda n: sum(parents[n]) / len(parents[n]) if parents[n] else 0.0)
        for i, n in enumerate(row):
            position[n] = float(i) - (len(row) - 1) / 2
        ordered += row
    return ordered
