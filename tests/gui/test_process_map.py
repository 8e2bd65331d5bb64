"""The process map in the details pane and the "Files in the result" settings editor."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QImage

from moodlelogsmart_gui.gui.details_pane import DetailsPane
from moodlelogsmart_gui.gui.output_choice import OutputChoice
from moodlelogsmart_gui.gui.process_map_view import (
    BACK,
    SMALLEST_NAME,
    ProcessMapView,
    _fitted,
    _sample,
)
from moodlelogsmart_gui.jobs.store import JobState
from moodlelogsmart_gui.members import ALL_OUTPUTS
from moodlelogsmart_gui.process_layout import layout
from tests.gui.fakes import make_job
from tests.gui.workers.fake_worker import SUMMARY

FLOW = {
    "events_per_activity_type": {"View": 100, "Post": 40, "Quiz": 30, "Other": 5},
    "directly_follows": [
        {"from": "View", "to": "Post", "count": 50},
        {"from": "Post", "to": "View", "count": 30},
        {"from": "View", "to": "Quiz", "count": 20},
        {"from": "Quiz", "to": "Quiz", "count": 6},
        {"from": "Quiz", "to": "Other", "count": 2},
    ],
    "start_activities": {"View": 9, "Quiz": 1},
    "end_activities": {"Other": 2, "Post": 8},
}


def test_layout_boxes_by_frequency_and_arrows_by_count() -> None:
    placed = layout(
        FLOW["events_per_activity_type"], FLOW["directly_follows"], FLOW["start_activities"]
    )
    assert set(placed.boxes) == {"View", "Post", "Quiz", "Other"}
    boxes = placed.boxes
    assert boxes["View"].width > boxes["Post"].width > boxes["Other"].width
    assert boxes["View"].y < boxes["Post"].y  # the start is on top
    strokes = {(a.source, a.target): a.stroke for a in placed.arrows}
    assert strokes[("View", "Post")] > strokes[("Post", "View")] > strokes[("Quiz", "Other")]
    back = {(a.source, a.target) for a in placed.arrows if a.back}
    assert ("Post", "View") in back and ("Quiz", "Quiz") in back
    assert ("View", "Post") not in back
    above = layout(FLOW["events_per_activity_type"], FLOW["directly_follows"], {}, 50.0)
    assert [(a.source, a.target) for a in above.arrows] == [("View", "Post"), ("Post", "View")]
    assert (above.shown, above.total) == (2, 5)


def test_the_slider_hides_rare_paths_and_the_map_paints(qtbot: Any) -> None:
    view = ProcessMapView(FLOW)
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.slider.setValue(0)
    assert view.shown.text() == "5 of 5 paths shown."
    view.slider.setValue(40)
    assert view.caption.text() == "Show paths above 40%"
    assert view.shown.text() == "2 of 5 paths shown."
    assert view.canvas.placed is not None and len(view.canvas.placed.arrows) == 2
    image = QImage(600, 400, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    view.canvas.render(image)
    colours = {image.pixel(x, y) for x in range(0, 600, 7) for y in range(0, 300, 7)}
    assert len(colours) > 3  # boxes, outlines, arrows and text were drawn
    view.slider.setValue(10)


def test_the_map_has_a_legend_for_its_colours_and_dashes(qtbot: Any) -> None:
    view = ProcessMapView(FLOW)
    qtbot.addWidget(view)
    texts = [label.text() for label in view.legend]
    assert texts == [
        "a path and how often it was taken (thicker: more often)",
        "a path back to an earlier activity or to the same one",
        "an activity with no path above the threshold",
    ]
    back = _sample("back", 14).toImage()
    colours = {back.pixelColor(x, 7).name() for x in range(back.width())}
    assert BACK.name() in colours
    dashed = _sample("alone", 14).toImage()
    edge = [dashed.pixelColor(x, 1).alpha() for x in range(4, 25)]  # the top line's outer half
    assert min(edge) < 100 < max(edge)  # dashed: drawn and left out in turn


def test_the_details_pane_shows_the_map_only_with_counts(qtbot: Any) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    plain = make_job(
        "a.csv", state=JobState.COMPLETED, summary=SUMMARY, started_at=1.0, finished_at=2.0
    )
    pane.show_job(plain)
    assert pane.widget().findChild(ProcessMapView) is None
    job = make_job(
        "b.csv",
        state=JobState.COMPLETED,
        summary={**SUMMARY, **FLOW},
        started_at=1.0,
        finished_at=2.0,
    )
    pane.show_job(job)
    view = pane.widget().findChild(ProcessMapView)
    assert view is not None and view.canvas.placed is not None
    assert set(view.canvas.placed.boxes) == set(FLOW["events_per_activity_type"])


def test_output_choice_ticks(qtbot: Any) -> None:
    choice = OutputChoice(ALL_OUTPUTS, "")
    qtbot.addWidget(choice)
    assert choice.text() == ""
    assert not choice.boxes["summary.json"].isEnabled()
    with qtbot.waitSignal(choice.changed):
        choice.boxes["enriched_log.ocel.json"].setChecked(False)
    assert "enriched_log.ocel.json" not in choice.text().split(",")
    assert "summary.json" in choice.text().split(",")
    again = OutputChoice(ALL_OUTPUTS, "students.csv,summary.json")
    qtbot.addWidget(again)
    ticked = [name for name, box in again.boxes.items() if box.isChecked()]
    assert ticked == ["students.csv", "summary.json"]


def test_a_long_box_name_shrinks_before_it_is_cut(qtbot: Any) -> None:
    font = QFont()
    font.setPointSizeF(10.0)
    font.setBold(True)
    name = "Assignment submission"
    width = QFontMetrics(font).horizontalAdvance(name)
    assert _fitted(font, name, width + 1) is font  # it fits: unchanged
    smaller = _fitted(font, name, width * 0.85)
    assert smaller.pointSizeF() < font.pointSizeF()
    assert QFontMetrics(smaller).horizontalAdvance(name) <= width * 0.85
    tiny = _fitted(font, name, width * 0.3)  # no smaller than the floor: then it is cut
    assert tiny.pointSizeF() == font.pointSizeF() * SMALLEST_NAME
