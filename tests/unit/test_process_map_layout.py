"""The process map's layout is readable on dense maps: arrowheads touch the box they point
to, no route runs through a box, paths between the same boxes run apart instead of on top
of each other, counts overlap no box and no other count, and the SVG draws markers and says
which threshold it used (the window's slider starts at the same one)."""

from __future__ import annotations

import itertools
import random
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from moodlelogsmart_gui.pipeline.export_svg import process_map_svg
from moodlelogsmart_gui.process_layout import (
    Arrow,
    Box,
    ProcessLayout,
    default_percent,
    layout,
    visible_edges,
)
from moodlelogsmart_gui.process_routes import label_size

SVG = "{http://www.w3.org/2000/svg}"


def dense_summary(types: int, seed: int) -> dict[str, Any]:
    """Every activity type followed by every other one (and itself), as in a log whose
    events come in random order (Moodle2EventLog's six categories on a random log)."""
    rng = random.Random(seed)
    names = [f"Activity {chr(65 + i)}" for i in range(types)]
    edges = [
        {"from": a, "to": b, "count": rng.randint(50, 2_000)}
        for a, b in itertools.product(names, repeat=2)
    ]
    events = {n: sum(e["count"] for e in edges if e["to"] == n) + 3 for n in names}
    return {
        "events_per_activity_type": events,
        "directly_follows": sorted(edges, key=lambda e: -e["count"]),
        "start_activities": {names[0]: 5, names[2]: 2},
    }


def _points(arrow: Arrow, steps: int = 24) -> list[tuple[float, float]]:
    points = []
    x0, y0 = arrow.start
    for x1, y1, x2, y2, x3, y3 in arrow.curves:
        for i in range(steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            points.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
        x0, y0 = x3, y3
    return points


def _inside(point: tuple[float, float], box: Box, margin: float = 1.0) -> bool:
    x, y = point
    return (
        box.x + margin < x < box.x + box.width - margin
        and box.y + margin < y < box.y + box.height - margin
    )


def _layouts() -> list[ProcessLayout]:
    out = []
    for types, seed, percent in ((3, 1, 0.0), (6, 2, 0.0), (6, 3, None), (12, 4, 3.0)):
        summary = dense_summary(types, seed)
        activities, edges = summary["events_per_activity_type"], summary["directly_follows"]
        chosen = default_percent(activities, edges) if percent is None else percent
        out.append(layout(activities, edges, summary["start_activities"], chosen))
    return out


@pytest.mark.parametrize("placed", _layouts(), ids=["3 types", "6 all", "6 default", "12 at 3%"])
def test_routes_arrowheads_and_counts_are_readable(placed: ProcessLayout) -> None:
    boxes = placed.boxes
    assert placed.arrows and len(placed.arrows) == placed.shown
    for arrow in placed.arrows:
        target = boxes[arrow.target]
        tip_x, tip_y = arrow.tip
        assert arrow.head >= 8.0
        if arrow.source == arrow.target:  # a loop: on the box's right side
            assert tip_x == pytest.approx(target.x + target.width)
            assert target.y < tip_y < target.y + target.height
        else:  # the tip touches the target's top (from above) or bottom (from below)
            assert target.x < tip_x < target.x + target.width
            edge = target.y + target.height if arrow.back else target.y
            assert tip_y == pytest.approx(edge)
            base = arrow.curves[-1][4:6]
            assert abs(tip_y - base[1]) == pytest.approx(arrow.head)  # the head is drawn
        for point in _points(arrow):  # no route runs through a box
            assert not any(_inside(point, box) for box in boxes.values()), (arrow, point)
    labels = [_rect(arrow) for arrow in placed.arrows]
    for box in boxes.values():
        for rect, arrow in zip(labels, placed.arrows, strict=True):
            assert _overlap(rect, (box.x, box.y, box.x + box.width, box.y + box.height)) == 0, (
                arrow.count,
                box.name,
            )
    overlapping = sum(1 for r, s in itertools.combinations(labels, 2) if _overlap(r, s) > 0)
    assert overlapping <= len(labels) // 20  # counts readable (a rare touch on the densest)


@pytest.mark.parametrize("placed", _layouts()[:3], ids=["3 types", "6 all", "6 default"])
def test_paths_never_run_on_top_of_each_other(placed: ProcessLayout) -> None:
    """Sampled every ~1.5 px, a route shares at most a short stretch (a crossing, or where
    two paths leave neighbouring ports) with any other route."""
    cells = {id(a): _cells(a) for a in placed.arrows}
    for a, b in itertools.permutations(placed.arrows, 2):
        points = _dense(a)
        near = sum(
            1
            for x, y in points
            if any((x + i, y + j) in cells[id(b)] for i in (-1, 0, 1) for j in (-1, 0, 1))
        )
        assert near <= 0.12 * len(points), (a.source, a.target, b.source, b.target)


def _dense(arrow: Arrow) -> list[tuple[int, int]]:
    """Points about every 1.5 px along the route, as 2 px grid cells."""
    out = []
    x0, y0 = arrow.start
    for curve in arrow.curves:
        x1, y1, x2, y2, x3, y3 = curve
        length = abs(x1 - x0) + abs(y1 - y0) + abs(x2 - x1) + abs(y2 - y1) + abs(x3 - x2)
        length += abs(y3 - y2)
        steps = max(int(length / 1.5), 1)
        for i in range(steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            x = a * x0 + b * x1 + c * x2 + d * x3
            y = a * y0 + b * y1 + c * y2 + d * y3
            out.append((int(x // 2), int(y // 2)))
        x0, y0 = x3, y3
    return out


def _cells(arrow: Arrow) -> set[tuple[int, int]]:
    return set(_dense(arrow))


def _rect(arrow: Arrow) -> tuple[float, float, float, float]:
    width, height = label_size(arrow.count)
    x, y = arrow.label
    return x - width / 2, y - height / 2, x + width / 2, y + height / 2


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def test_default_threshold_shows_about_two_paths_per_activity_type() -> None:
    summary = dense_summary(6, 2)
    activities, edges = summary["events_per_activity_type"], summary["directly_follows"]
    percent = default_percent(activities, edges)
    assert 0 < percent < 100
    assert len(visible_edges(edges, percent)) <= 12 < len(visible_edges(edges, percent - 1))
    small = dense_summary(3, 1)  # nine paths: all of them
    assert default_percent(small["events_per_activity_type"], small["directly_follows"]) == 0


def test_svg_draws_marker_heads_counts_and_states_its_threshold() -> None:
    summary = dense_summary(6, 2)
    text = process_map_svg(summary)
    root = ET.fromstring(text)
    markers = {m.get("id") for m in root.iter(f"{SVG}marker")}
    paths = [p for p in root.iter(f"{SVG}path") if p.get("marker-end")]
    percent = default_percent(summary["events_per_activity_type"], summary["directly_follows"])
    shown = visible_edges(summary["directly_follows"], percent)
    assert len(paths) == len(shown)
    for path in paths:
        assert re.fullmatch(r"url\(#(.+)\)", path.get("marker-end") or "").group(1) in markers  # type: ignore[union-attr]
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    counts = {f"{c:,}" for _, _, c in shown}
    assert counts <= set(texts)
    caption = " ".join(texts)
    assert f"{len(shown)} of 36 paths shown" in caption
    assert f"more than {percent:g}% as" in caption
    everything = process_map_svg(summary, 0.0)
    assert "36 of 36 paths shown" in " ".join(
        t.text or "" for t in ET.fromstring(everything).iter(f"{SVG}text")
    )
