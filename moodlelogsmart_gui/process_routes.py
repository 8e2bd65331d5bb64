"""The curves of a process map's arrows, their heads and where their counts go.

A path leaves its upper box from the bottom and enters its lower box from the top (a path
back up is the same route, drawn the other way). Each box spreads its paths over its side,
ordered by where they go, so paths between the same boxes run side by side instead of on
top of each other; a path crossing layers goes straight down its own lane. Between layers
the route is an S-curve (vertical at both ends), so it meets boxes and lanes head on. The
curve stops where the arrowhead starts and the head's tip touches the box. Counts are put on
their path where they overlap no box and no other count; a loop (an activity followed by
itself) is drawn on the box's right with its count beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from moodlelogsmart_gui.process_shapes import Arrow, Box, Point

LOOP_ROOM = 44.0  # room kept beside a box with a loop
LOOP_REACH = 36.0  # how far the loop's control points go right of the box
PORT_SPACING = 20.0
LABEL_CHAR, LABEL_HEIGHT = 6.6, 15.0  # a count's text (11 px)
SPOTS = (0.5, 0.35, 0.65, 0.22, 0.78, 0.12, 0.88)  # where on a curve a count may go

Rect = tuple[float, float, float, float]  # left, top, right, bottom
Piece = tuple[float, float, float, float, float, float, float, float]  # cubic with its start
Leg = list[float]  # x1, y1, x2, y2 (top to bottom), and the track's height (or ALONG_LANE)
ALONG_LANE = -1.0
RADIUS = 12.0  # of a route's corners
SAME_X = 6.0  # closer than this, two vertical stretches would run together
END_ROOM = 30.0  # at the ends of a gap between layers: room for corners and arrowheads


def head_length(stroke: float) -> float:
    return 7.0 + 1.3 * stroke


def label_size(count: int) -> tuple[float, float]:
    return len(f"{count:,}") * LABEL_CHAR + 8.0, LABEL_HEIGHT


def route(
    shown: Sequence[tuple[str, str, int]],
    strokes: Sequence[float],
    boxes: Mapping[str, Box],
    lanes: Mapping[str, Point],
    chains: Sequence[Sequence[str]],
    oriented: Sequence[tuple[str, str]],
    links: Sequence[tuple[str, str, int]],
) -> list[Arrow]:
    """One arrow per shown path (in ``shown``'s order). ``links`` are the shown paths that
    are not loops, ``oriented`` their (upper, lower) boxes and ``chains`` the lanes between."""
    forward = [s == top for (s, _, _), (top, _) in zip(links, oriented, strict=True)]
    bottom, top = _ports(boxes, lanes, chains, forward)
    legs: list[list[Leg]] = []
    for k, chain in enumerate(chains):
        upper, lower = boxes[chain[0]], boxes[chain[-1]]
        x, y = bottom[k], upper.y + upper.height
        path: list[Leg] = []
        for lane in chain[1:-1]:
            lane_x, lane_y = lanes[lane]
            path.append([x, y, lane_x, lane_y, 0.0])
            path.append([lane_x, lane_y, lane_x, lane_y + upper.height, ALONG_LANE])
            x, y = lane_x, lane_y + upper.height
        path.append([x, y, top[k], lower.y, 0.0])
        legs.append(path)
    _tracks([leg for path in legs for leg in path if leg[4] != ALONG_LANE])
    taken: list[Rect] = [_grown(b) for b in boxes.values()]
    arrows: dict[int, Arrow] = {}
    routes: dict[int, tuple[list[tuple[Piece, bool]], float]] = {}
    link = 0
    for i, ((source, target, count), stroke) in enumerate(zip(shown, strokes, strict=True)):
        head = head_length(stroke)
        if source == target:
            arrows[i] = _loop(boxes[source], count, stroke, head)
            taken.append(_label_rect(arrows[i].label, count))
            continue
        marked = [(piece, leg[4] != ALONG_LANE) for leg in legs[link] for piece in _leg_pieces(leg)]
        if not forward[link]:
            marked = [(_reversed(piece), spot) for piece, spot in reversed(marked)]
        routes[i] = (marked, head)
        link += 1
    for i in sorted(routes, key=lambda i: -shown[i][2]):  # heavy paths choose first
        source, target, count = shown[i]
        marked, head = routes[i]
        label = _place_label(marked, count, taken)
        taken.append(_label_rect(label, count))
        pieces = [piece for piece, _ in marked]
        start, tip = (pieces[0][0], pieces[0][1]), (pieces[-1][6], pieces[-1][7])
        x0, y0 = pieces[-1][0], pieces[-1][1]  # the last piece is a straight line into the box
        end = tip[1] - head if tip[1] > y0 else tip[1] + head
        pieces[-1] = _line(x0, y0, tip[0], end)
        curves = tuple((p[2], p[3], p[4], p[5], p[6], p[7]) for p in pieces)
        arrows[i] = Arrow(
            source, target, count, strokes[i], tip[1] < start[1], start, curves, tip, head, label
        )
    return [arrows[i] for i in range(len(shown))]


def _tracks(legs: list[Leg]) -> None:
    """Give each leg between two layers that has to move sideways a height of its own to
    do it (its track), ordered so that legs going the same way do not cross."""
    gaps: dict[tuple[float, float], list[Leg]] = {}
    for leg in legs:
        if abs(leg[0] - leg[2]) >= 1.0:
            gaps.setdefault((leg[1], leg[3]), []).append(leg)
    for (y1, y2), group in gaps.items():
        rightward = sorted((g for g in group if g[2] > g[0]), key=lambda g: -g[0])
        leftward = sorted((g for g in group if g[2] < g[0]), key=lambda g: g[0])
        ordered = _first_down_first(rightward + leftward)
        low, high = y1 + END_ROOM, y2 - END_ROOM
        step = (high - low) / max(len(ordered) - 1, 1)
        for n, leg in enumerate(ordered):
            leg[4] = low + n * step if len(ordered) > 1 else (y1 + y2) / 2


def _first_down_first(legs: list[Leg]) -> list[Leg]:
    """``legs`` in their order, except that a leg coming down where another one goes on
    down (the same x) turns sideways first, so the two never run down together."""
    ordered: list[Leg] = []
    waiting = list(legs)
    while waiting:
        ready = [
            leg
            for leg in waiting
            if not any(other is not leg and abs(other[0] - leg[2]) < SAME_X for other in waiting)
        ]
        leg = ready[0] if ready else waiting[0]
        ordered.append(leg)
        waiting.remove(leg)
    return ordered


def _line(x1: float, y1: float, x2: float, y2: float) -> Piece:
    dx, dy = (x2 - x1) / 3, (y2 - y1) / 3
    return (x1, y1, x1 + dx, y1 + dy, x2 - dx, y2 - dy, x2, y2)


def _corner(x1: float, y1: float, x2: float, y2: float, vertical_first: bool) -> Piece:
    """A quarter circle from (x1, y1) to (x2, y2), leaving vertically or horizontally."""
    k = 0.5523
    if vertical_first:
        return (x1, y1, x1, y1 + (y2 - y1) * k, x2 - (x2 - x1) * k, y2, x2, y2)
    return (x1, y1, x1 + (x2 - x1) * k, y1, x2, y2 - (y2 - y1) * k, x2, y2)


def _leg_pieces(leg: Leg) -> list[Piece]:
    """Down, along the track, down: straight lines joined by rounded corners."""
    x1, y1, x2, y2, track = leg
    if abs(x1 - x2) < 1.0:
        return [_line(x1, y1, x2, y2)]
    side = 1.0 if x2 > x1 else -1.0
    r = min(RADIUS, abs(x2 - x1) / 2, track - y1, y2 - track)
    return [
        _line(x1, y1, x1, track - r),
        _corner(x1, track - r, x1 + side * r, track, True),
        _line(x1 + side * r, track, x2 - side * r, track),
        _corner(x2 - side * r, track, x2, track + r, False),
        _line(x2, track + r, x2, y2),
    ]


def _reversed(piece: Piece) -> Piece:
    x0, y0, x1, y1, x2, y2, x3, y3 = piece
    return (x3, y3, x2, y2, x1, y1, x0, y0)


def _centre(node: str, boxes: Mapping[str, Box], lanes: Mapping[str, Point]) -> float:
    if node in boxes:
        return boxes[node].x + boxes[node].width / 2
    return lanes[node][0]


def _ports(
    boxes: Mapping[str, Box],
    lanes: Mapping[str, Point],
    chains: Sequence[Sequence[str]],
    forward: Sequence[bool],
) -> tuple[list[float], list[float]]:
    """Where each path leaves its upper box and enters its lower one: spread over the side,
    ordered by where the path goes (paths back up to the right of paths down)."""
    leaving: dict[str, list[tuple[float, int, int]]] = {}
    entering: dict[str, list[tuple[float, int, int]]] = {}
    for k, chain in enumerate(chains):
        flag = 0 if forward[k] else 1
        leaving.setdefault(chain[0], []).append((_centre(chain[1], boxes, lanes), flag, k))
        entering.setdefault(chain[-1], []).append((_centre(chain[-2], boxes, lanes), flag, k))
    bottom = [0.0] * len(chains)
    top = [0.0] * len(chains)
    for side, out in ((leaving, bottom), (entering, top)):
        for node, ends in side.items():
            box = boxes[node]
            ends.sort()
            spacing = min(PORT_SPACING, box.width * 0.84 / max(len(ends), 1))
            middle = box.x + box.width / 2
            for i, (_, _, k) in enumerate(ends):
                out[k] = middle + (i - (len(ends) - 1) / 2) * spacing
    return bottom, top


def _loop(box: Box, count: int, stroke: float, head: float) -> Arrow:
    right, middle = box.x + box.width, box.y + box.height / 2
    start, tip = (right, middle - 9.0), (right, middle + 9.0)
    control = (right + LOOP_REACH, middle + 30.0)
    dx, dy = tip[0] - control[0], tip[1] - control[1]
    length = math.hypot(dx, dy)
    base = (tip[0] - dx / length * head, tip[1] - dy / length * head)
    curve = (right + LOOP_REACH, middle - 30.0, *control, *base)
    width, _ = label_size(count)
    label = (right + LOOP_REACH * 0.75 + 5 + width / 2, middle)
    return Arrow(box.name, box.name, count, stroke, True, start, (curve,), tip, head, label)


def _at(piece: Piece, t: float) -> Point:
    x0, y0, x1, y1, x2, y2, x3, y3 = piece
    a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
    return a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3


def _label_rect(centre: Point, count: int) -> Rect:
    width, height = label_size(count)
    x, y = centre
    return x - width / 2, y - height / 2, x + width / 2, y + height / 2


def _grown(box: Box) -> Rect:
    return box.x - 3, box.y - 3, box.x + box.width + 3, box.y + box.height + 3


def _overlap(a: Rect, b: Rect) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _place_label(pieces: Sequence[tuple[Piece, bool]], count: int, taken: list[Rect]) -> Point:
    """The first spot on the path (long sideways stretches between layers first, then the
    rest from the middle out) whose count overlaps nothing placed; otherwise the spot with
    the least overlap."""
    middle = (len(pieces) - 1) / 2

    def preference(i: int) -> tuple[int, float]:
        piece, between_layers = pieces[i]
        sideways = abs(piece[6] - piece[0]) > abs(piece[7] - piece[1])
        return (0 if sideways and between_layers else 1 if between_layers else 2, abs(i - middle))

    best, least = _at(pieces[len(pieces) // 2][0], 0.5), math.inf
    for i in sorted(range(len(pieces)), key=preference):
        for t in SPOTS:
            spot = _at(pieces[i][0], t)
            area = sum(_overlap(_label_rect(spot, count), other) for other in taken)
            if area == 0:
                return spot
            if area < least:
                best, least = spot, area
    return best
