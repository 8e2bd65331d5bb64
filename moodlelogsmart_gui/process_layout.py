"""Layered layout of a process map (directly-follows graph), shared by the SVG the worker
writes and the map the window paints. Pure Python: no Qt, no pandas.

Boxes are activity types, arrows the directly-follows paths above a threshold. The layout
is a small Sugiyama one: the activities are put in one order that keeps the heavy paths
going forward (Eades' greedy order, weighted by counts), layered top to bottom along it (at
most ``per_layer`` boxes a layer), and a path that crosses layers gets a lane of its own
in each layer it passes, so no path runs through a box. Each layer is ordered to cross few
paths (barycentres) and placed near the boxes it connects to. Paths going back up to an
earlier activity are drawn the same way in the other direction; a path from an activity to
itself is a loop on the box's right. ``process_routes`` draws the curves and labels.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from moodlelogsmart_gui.process_routes import END_ROOM, LOOP_ROOM, route
from moodlelogsmart_gui.process_shapes import Arrow, Box, ProcessLayout

__all__ = ["Arrow", "Box", "ProcessLayout", "default_percent", "layout", "visible_edges"]

BOX_HEIGHT = 40.0
MIN_WIDTH, MAX_WIDTH = 110.0, 230.0
LAYER_GAP, BOX_GAP, LANE, MARGIN = 78.0, 40.0, 18.0, 28.0
TRACK = 9.0  # height between two paths' sideways stretches in a gap
CHAR = 7.2  # width of a character of a box's name (12 px sans-serif, generous)
PER_LAYER = 4
DEFAULT_PERCENT = 10.0  # the window's slider when the summary has no paths
MAX_PATHS, PATHS_PER_ACTIVITY = 10, 2  # the default threshold shows about this many paths
MIN_STROKE, MAX_STROKE = 1.2, 7.0


@dataclass
class _Graph:
    """Layers of node ids (activities and lanes), their neighbours and each path's chain."""

    rows: list[list[str]]
    up: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    down: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    chains: list[list[str]] = field(default_factory=list)  # top to bottom, per path


def visible_edges(edges: Sequence[Mapping[str, Any]], percent: float) -> list[tuple[str, str, int]]:
    """Paths whose count is above ``percent`` % of the most frequent path's count (every path
    at 0)."""
    pairs = [(str(e["from"]), str(e["to"]), int(e["count"])) for e in edges]
    if not pairs:
        return []
    floor = max(count for _, _, count in pairs) * max(percent, 0.0) / 100.0
    return [pair for pair in pairs if pair[2] > floor]


def default_percent(activities: Mapping[str, int], edges: Sequence[Mapping[str, Any]]) -> float:
    """The smallest whole percentage that shows at most two paths per activity type (at
    least ten paths): what the SVG uses and where the window's slider starts."""
    most = max(MAX_PATHS, PATHS_PER_ACTIVITY * sum(1 for v in activities.values() if int(v)))
    for percent in range(100):
        if len(visible_edges(edges, percent)) <= most:
            return float(percent)
    return 99.0


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
    links = [(s, t, c) for s, t, c in shown if s != t]
    linked = {n for s, t, _ in links for n in (s, t)}
    order = _linear_order([n for n in names if n in linked], links, starts or {})
    rank = {n: i for i, n in enumerate(order)}
    oriented = [(s, t) if rank[s] < rank[t] else (t, s) for s, t, _ in links]
    weights = [float(c) for _, _, c in links]
    layer = _layers(order, oriented, max(per_layer, 1))
    isolated = [n for n in names if n not in linked]
    top = max(layer.values(), default=-1)
    for i, n in enumerate(isolated):  # no path above the threshold: rows at the bottom
        layer[n] = top + 1 + i // max(per_layer, 1)
    graph = _lanes(layer, oriented, weights)
    _reorder(graph, rank, names)
    most = max(counts.values(), default=1) or 1
    loops = {s for s, t, _ in shown if s == t}
    widths = {n: _box_width(n, counts[n], most) for n in names}
    room = {n: widths[n] + (2 * LOOP_ROOM if n in loops else 0.0) for n in names}
    centre = _place(graph, room)
    _straighten(graph, centre, room)
    left = min((centre[n] - room.get(n, LANE) / 2 for row in graph.rows for n in row), default=0)
    shift = MARGIN - left
    ys = _tops(graph, top)
    boxes = {
        n: Box(
            n,
            counts[n],
            centre[n] + shift - widths[n] / 2,
            ys[level],
            widths[n],
            BOX_HEIGHT,
            math.sqrt(counts[n] / most),
            n not in linked,
        )
        for level, row in enumerate(graph.rows)
        for n in row
        if n in counts
    }
    lanes = {
        n: (centre[n] + shift, ys[level])
        for level, row in enumerate(graph.rows)
        for n in row
        if n not in counts
    }
    right = max((centre[n] + shift + room.get(n, LANE) / 2 for n in centre), default=MARGIN)
    heaviest = max((c for _, _, c in shown), default=1) or 1
    strokes = [MIN_STROKE + (MAX_STROKE - MIN_STROKE) * (c / heaviest) ** 0.75 for _, _, c in shown]
    arrows = route(shown, strokes, boxes, lanes, graph.chains, oriented, links)
    height = (ys[-1] + BOX_HEIGHT if ys else 0.0) + MARGIN
    most_path = max((int(e["count"]) for e in edges), default=0)
    return ProcessLayout(
        boxes, arrows, right + MARGIN, height, len(shown), len(edges), percent, most_path
    )


def _tops(graph: _Graph, connected: int) -> list[float]:
    """The top of each layer: gaps tall enough for a track per path crossing them; layers
    below ``connected`` (boxes without paths) sit closer."""
    crossing = [0] * len(graph.rows)
    level = {n: i for i, row in enumerate(graph.rows) for n in row}
    for chain in graph.chains:
        for n in chain[:-1]:
            crossing[level[n]] += 1
    tops, y = [], MARGIN
    for i in range(len(graph.rows)):
        tops.append(y)
        gap = max(LAYER_GAP, 2 * END_ROOM + TRACK * (crossing[i] - 1))
        y += BOX_HEIGHT + (gap if i < connected else BOX_GAP)
    return tops


def _box_width(name: str, count: int, most: int) -> float:
    frequency = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * math.sqrt(count / most)
    return max(frequency, min(len(name), 34) * CHAR + 20.0)


def _linear_order(
    names: list[str], links: list[tuple[str, str, int]], starts: Mapping[str, int]
) -> list[str]:
    """Eades, Lin and Smyth's greedy order weighted by counts: few and light paths point
    backwards. Activities cases start with lean to the front."""
    remaining = set(names)
    out: dict[str, dict[str, int]] = {n: {} for n in names}
    into: dict[str, dict[str, int]] = {n: {} for n in names}
    for s, t, c in links:
        out[s][t] = c
        into[t][s] = c
    front: list[str] = []
    back: list[str] = []
    while remaining:
        moved = True
        while moved:
            moved = False
            for n in [n for n in names if n in remaining]:
                if not any(t in remaining for t in out[n]):
                    back.insert(0, n)
                    remaining.discard(n)
                    moved = True
            for n in [n for n in names if n in remaining]:
                if not any(s in remaining for s in into[n]):
                    front.append(n)
                    remaining.discard(n)
                    moved = True
        if remaining:

            def gain(n: str) -> float:
                leaving = sum(c for t, c in out[n].items() if t in remaining)
                coming = sum(c for s, c in into[n].items() if s in remaining)
                return leaving - coming + starts.get(n, 0)

            best = max((n for n in names if n in remaining), key=gain)
            front.append(best)
            remaining.discard(best)
    return front + back


def _layers(order: list[str], oriented: list[tuple[str, str]], per_layer: int) -> dict[str, int]:
    """Each activity one layer below the lowest one leading to it, in a layer with room."""
    above: dict[str, list[str]] = {n: [] for n in order}
    for top, bottom in oriented:
        above[bottom].append(top)
    layer: dict[str, int] = {}
    used: dict[int, int] = {}
    for n in order:
        level = max((layer[p] + 1 for p in above[n]), default=0)
        while used.get(level, 0) >= per_layer:
            level += 1
        layer[n] = level
        used[level] = used.get(level, 0) + 1
    return layer


def _lanes(layer: dict[str, int], oriented: list[tuple[str, str]], weights: list[float]) -> _Graph:
    """Rows of activities plus one lane per path and layer it passes through."""
    graph = _Graph([[] for _ in range(max(layer.values(), default=-1) + 1)])
    for n, level in layer.items():
        graph.rows[level].append(n)
    for index, ((top, bottom), weight) in enumerate(zip(oriented, weights, strict=True)):
        chain = [top]
        for level in range(layer[top] + 1, layer[bottom]):
            lane = f"\x00{index}:{level}"
            graph.rows[level].append(lane)
            chain.append(lane)
        chain.append(bottom)
        for upper, lower in itertools.pairwise(chain):
            graph.down.setdefault(upper, []).append((lower, weight))
            graph.up.setdefault(lower, []).append((upper, weight))
        graph.chains.append(chain)
    return graph


def _reorder(graph: _Graph, rank: dict[str, int], names: list[str]) -> None:
    """Order each layer by the mean position of its neighbours, sweeping down and up, and
    keep the order with the fewest crossings."""
    position = {n: float(i) for row in graph.rows for i, n in enumerate(row)}
    first = {n: i for i, n in enumerate(names)}
    for row in graph.rows:
        row.sort(key=lambda n: (rank.get(n, first.get(n, 0)), n))
    best = [list(row) for row in graph.rows]
    fewest = _crossings(graph)
    for sweep in range(8):
        levels = range(1, len(graph.rows)) if sweep % 2 == 0 else range(len(graph.rows) - 2, -1, -1)
        side = graph.up if sweep % 2 == 0 else graph.down
        for level in levels:
            row = graph.rows[level]
            for i, n in enumerate(row):
                position[n] = float(i)
            keys = {}
            for i, n in enumerate(row):
                near = side.get(n, [])
                keys[n] = sum(position[m] for m, _ in near) / len(near) if near else float(i)
            row.sort(key=lambda n: keys[n])
            for i, n in enumerate(row):
                position[n] = float(i)
        count = _crossings(graph)
        if count < fewest:
            fewest, best = count, [list(row) for row in graph.rows]
    graph.rows = best


def _crossings(graph: _Graph) -> int:
    total = 0
    for upper, lower in zip(graph.rows, graph.rows[1:], strict=False):
        at = {n: i for i, n in enumerate(lower)}
        pairs = [
            (i, at[m]) for i, n in enumerate(upper) for m, _ in graph.down.get(n, []) if m in at
        ]
        total += sum(
            1 for k, (a, b) in enumerate(pairs) for c, d in pairs[k + 1 :] if (a - c) * (b - d) < 0
        )
    return total


def _place(graph: _Graph, room: dict[str, float]) -> dict[str, float]:
    """Centres: each node near the weighted mean of its neighbours, layers kept in order
    with room between nodes (least-squares fit with order constraints, pool adjacent
    violators)."""
    centre: dict[str, float] = {}
    for row in graph.rows:
        x = 0.0
        for n in row:
            centre[n] = x + room.get(n, LANE) / 2
            x += room.get(n, LANE) + BOX_GAP
    levels = list(range(len(graph.rows)))
    for sweep in range(10):
        side = graph.up if sweep % 2 == 0 else graph.down
        for level in levels if sweep % 2 == 0 else levels[::-1]:
            row = graph.rows[level]
            wanted = []
            for n in row:
                near = side.get(n, []) or graph.up.get(n, []) + graph.down.get(n, [])
                weight = sum(w for _, w in near)
                wanted.append(sum(centre[m] * w for m, w in near) / weight if weight else centre[n])
            gaps = [
                (room.get(a, LANE) + room.get(b, LANE)) / 2
                + (BOX_GAP if a in room and b in room else 8.0)
                for a, b in itertools.pairwise(row)
            ]
            for n, x in zip(row, _fit(wanted, gaps), strict=True):
                centre[n] = x
    return centre


def _straighten(graph: _Graph, centre: dict[str, float], room: dict[str, float]) -> None:
    """Put the lanes of each path crossing several layers in one line where their
    neighbours leave room (no little steps between layers)."""
    at = {n: (level, i) for level, row in enumerate(graph.rows) for i, n in enumerate(row)}
    for chain in graph.chains:
        lanes = chain[1:-1]
        if len(lanes) < 2:
            continue
        low, high = -math.inf, math.inf
        for lane in lanes:
            level, i = at[lane]
            row = graph.rows[level]
            if i > 0:
                n = row[i - 1]
                low = max(low, centre[n] + room.get(n, LANE) / 2 + 8.0 + LANE / 2)
            if i + 1 < len(row):
                n = row[i + 1]
                high = min(high, centre[n] - room.get(n, LANE) / 2 - 8.0 - LANE / 2)
        if low <= high:
            x = min(max(sum(centre[n] for n in lanes) / len(lanes), low), high)
            for lane in lanes:
                centre[lane] = x


def _fit(wanted: list[float], gaps: list[float]) -> list[float]:
    """Positions closest to ``wanted`` (least squares) keeping at least ``gaps`` between
    neighbours."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [sum, count]
    for w, o in zip(wanted, offsets, strict=True):
        blocks.append([w - o, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    values: list[float] = []
    for total, count in blocks:
        values += [total / count] * int(count)
    return [v + o for v, o in zip(values, offsets, strict=True)]
