"""The details pane shows what was detected, the counts and the two charts."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

from moodlelogsmart_gui.gui.details_pane import DetailsPane
from moodlelogsmart_gui.jobs.store import FailureReason, JobState
from tests.gui.fakes import make_job
from tests.gui.workers.fake_worker import SUMMARY


def texts(pane: DetailsPane) -> list[str]:
    return [label.text() for label in pane.widget().findChildren(QLabel)]


def tooltip_of(pane: DetailsPane, text: str) -> str:
    return next(label.toolTip() for label in pane.widget().findChildren(QLabel)
                if label.text() == text)  # fmt: skip


def test_a_completed_job_shows_detection_counts_and_charts(qtbot: Any) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    job = make_job("course.csv", state=JobState.COMPLETED, summary=SUMMARY, started_at=1.0,
                   finished_at=5.0, result_path="/tmp/r.zip")  # fmt: skip
    pane.show_job(job)
    shown = texts(pane)
    assert "UTF-8" in shown  # said in words; the technical value is the tooltip
    assert tooltip_of(pane, "UTF-8") == "utf-8 (certain)"
    assert "comma (,)" in shown
    assert "day/month/year, 2-digit year, 24-hour time" in shown
    assert tooltip_of(pane, "day/month/year, 2-digit year, 24-hour time") == "%d/%m/%y, %H:%M"
    assert "English (97% sure)" in shown
    assert "day before month — ambiguous, a guess (check the warnings)" in shown
    assert "Moodle log report (CSV)" in shown
    assert "Set aside: date could not be read" in shown
    assert "1\u202f100 of 1\u202f168 kept events were classified by a Bloom rule." in shown
    assert any(text.startswith("⚠ Dates like 03/04/24") for text in shown)
    bloom = [name for name, _, _ in pane.bloom_chart.bars()]
    assert bloom == ["Remember", "Understand", "Apply", "Analyze", "Evaluate", "Create"]
    activity = pane.activity_chart.bars()
    assert [name for name, _, _ in activity][:2] == ["resource", "forum"]
    assert len(activity) == 7  # seven types: no 'other' bar needed
    assert "Events per activity category" in shown
    categories = [(name, count) for name, count, _ in pane.category_chart.bars()]
    assert categories == [("Study_P", 710), ("Eval_A", 198), ("Study_A", 150), ("Collab_A", 110)]


def test_the_category_chart_is_left_out_when_the_categories_are_the_activities(
    qtbot: Any,
) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    counts = {"Study_P": 700, "Eval_A": 400}
    summary = {
        **SUMMARY,
        "events_per_activity_type": counts,
        "events_per_activity_category": counts,
    }
    pane.show_job(make_job("c.csv", state=JobState.COMPLETED, summary=summary))
    assert "Events per activity category" not in texts(pane)
    assert [name for name, _, _ in pane.activity_chart.bars()] == ["Study_P", "Eval_A"]
    older = {k: v for k, v in SUMMARY.items() if k != "events_per_activity_category"}
    pane.show_job(make_job("d.csv", state=JobState.COMPLETED, summary=older))
    assert "Events per activity category" not in texts(pane)


def test_a_failed_job_shows_its_sentence_and_progress_ticks_update_one_line(qtbot: Any) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    failed = make_job("x.csv", state=JobState.FAILED, reason=FailureReason.TIMEOUT,
                      message="The job ran longer than 10 min and was stopped.")  # fmt: skip
    pane.show_job(failed)
    reason = pane.findChild(QLabel, "failureReason")
    assert reason is not None and reason.text().startswith("The job ran longer")
    running = make_job("y.csv", state=JobState.RUNNING, percent=10, stage="read")
    pane.show_job(running)
    body = pane.widget()
    pane.show_job(make_job("y.csv", id=running.id, state=JobState.RUNNING, percent=60,
                           stage="export"))  # fmt: skip
    assert pane.widget() is body  # not rebuilt for a tick
    status = pane.findChild(QLabel, "detailsStatus")
    assert status is not None and status.text() == "Exporting… 60%"
