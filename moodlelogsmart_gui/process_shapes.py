"""The shapes of a laid-out process map: boxes, arrows (cubic curves, head, label) and the
whole picture. Shared by the layout, the SVG writer and the window's painting."""

from __future__ import annotations

from dataclasses import dataclass

Point = tuple[float, float]
Curve = tuple[float, float, float, float, float, float]  # cubic: control 1, control 2, end


@dataclass(frozen=True)
class Box:
    name: str
    count: int
    x: float  # left
    y: float  # top
    width: float
    height: float
    shade: float = 0.0  # 0..1: how frequent, for the fill
    alone: bool = False  # no path above the threshold leads to it or from it


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    count: int
    stroke: float
    back: bool  # drawn against the layer order (to an earlier activity, or a loop)
    start: Point = (0.0, 0.0)
    curves: tuple[Curve, ...] = ()  # from ``start`` to the base of the arrowhead
    tip: Point = (0.0, 0.0)  # where the arrowhead points (a box's edge)
    head: float = 8.0  # arrowhead length
    label: Point = (0.0, 0.0)  # centre of the count's text


@dataclass(frozen=True)
class ProcessLayout:
    boxes: dict[str, Box]
    arrows: list[Arrow]
    width: float
    height: float
    shown: int  # paths drawn
    total: int  # paths in the data
    percent: float = 0.0  # the threshold used
    most: int = 0  # the most frequent path's count
