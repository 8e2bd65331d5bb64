"""The job table is newest first, and its sort arrow says so: it points down (wide end on top),
as a descending column does in a file manager; clicking Started turns rows and arrow round."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from moodlelogsmart_gui.gui.job_model import Column
from moodlelogsmart_gui.gui.main_window import MainWindow
from tests.gui.conftest import write_log


def arrow_rows(window: MainWindow, column: int) -> list[int]:
    """Widths of the dark pixel runs of the sort arrow drawn at the right end of a section,
    top to bottom."""
    header = window.table.horizontalHeader()
    image = header.grab().toImage()
    right = header.sectionViewportPosition(column) + header.sectionSize(column)
    widths = []
    for y in range(image.height()):
        dark = sum(
            1
            for x in range(max(0, right - 24), min(right - 1, image.width()))
            if image.pixelColor(x, y).lightness() < 200
        )
        if 0 < dark < 16:  # not the header's border line
            widths.append(dark)
    return widths


def points_down(widths: list[int]) -> bool:
    assert len(widths) >= 3, f"no arrow drawn: {widths}"
    return widths[0] > widths[-1]


def test_the_sort_arrow_matches_the_newest_first_order(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    window.job_actions.ask_each.setChecked(False)
    window.resize(1200, 600)
    window.show()
    qtbot.waitExposed(window)
    window.add_paths([write_log(tmp_path, "first.csv")])
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 1, timeout=10000)
    window.add_paths([write_log(tmp_path, "second.csv")])
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 2, timeout=10000)
    header = window.table.horizontalHeader()

    def names() -> list[str]:
        return [str(window.proxy.index(r, Column.FILE).data()) for r in range(2)]

    assert header.sortIndicatorSection() == Column.STARTED
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert names() == ["second.csv", "first.csv"]
    assert points_down(arrow_rows(window, Column.STARTED))

    window.table.sortByColumn(Column.STARTED, Qt.SortOrder.AscendingOrder)
    assert names() == ["first.csv", "second.csv"]
    assert not points_down(arrow_rows(window, Column.STARTED))
