"""A retry of a finished job is a new row that says what it is: the file column names the
attempt, the tooltip names the run it repeats (to the second), the details pane says it is
a retry, and the history keeps the link; a retry of a retry counts on from the first run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from moodlelogsmart_gui.gui.job_model import Column
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.jobs.store import Job, JobStore
from tests.gui.conftest import write_log


def idle(window: MainWindow) -> bool:
    return window.queue.running_count() + window.queue.queued_count() == 0


def retry(window: MainWindow, qtbot: Any, job: Job) -> Job:
    window.select_job(job.id)
    before = {other.id for other in window.queue.jobs()}
    with qtbot.waitSignal(window.queue.job_added, timeout=5000):
        window.job_actions.retry.trigger()
    qtbot.waitUntil(lambda: idle(window), timeout=10000)
    (new,) = [other for other in window.queue.jobs() if other.id not in before]
    return new


def cell(window: MainWindow, job: Job, column: int, role: Any = None) -> Any:
    row = window.model.row_of(job.id)
    assert row is not None
    index = window.model.index(row, column)
    return window.model.data(index, role if role is not None else Qt.ItemDataRole.DisplayRole)


def test_a_retry_row_says_which_attempt_it_is_and_which_run_it_repeats(
    window: MainWindow, qtbot: Any, tmp_path: Path, paths: Any
) -> None:
    window.job_actions.ask_each.setChecked(False)
    window.add_paths([write_log(tmp_path, "week 1.csv")])
    qtbot.waitUntil(lambda: idle(window) and len(window.queue.jobs()) == 1, timeout=10000)
    (first,) = window.queue.jobs()
    assert str(first.state) == "completed"

    second = retry(window, qtbot, first)
    third = retry(window, qtbot, second)  # a retry of the retry counts on from the first run

    assert (second.retry_of, second.attempt) == (first.id, 2)
    assert (third.retry_of, third.attempt) == (first.id, 3)
    assert cell(window, first, Column.FILE) == "week 1.csv"
    assert cell(window, second, Column.FILE) == "week 1.csv (attempt 2)"
    assert cell(window, third, Column.FILE) == "week 1.csv (attempt 3)"
    tip = cell(window, second, Column.FILE, Qt.ItemDataRole.ToolTipRole)
    assert re.match(r"Attempt 2: a retry of the run added at \d\d:\d\d:\d\d\.\n", tip), tip
    assert "Attempt" not in cell(window, first, Column.FILE, Qt.ItemDataRole.ToolTipRole)

    window.select_job(second.id)
    qtbot.waitUntil(lambda: window.details.findChild(QLabel, "detailsAttempt") is not None)
    label = window.details.findChild(QLabel, "detailsAttempt")
    assert re.fullmatch(
        r"Attempt 2 of this file \(a retry\) · started \d\d:\d\d:\d\d", label.text()
    )
    window.select_job(first.id)
    qtbot.waitUntil(lambda: window.details.findChild(QLabel, "detailsAttempt") is None)

    store = JobStore(paths.history_db, read_only=True)  # the link outlives the window
    try:
        kept = store.get(third.id)
        assert kept is not None and (kept.retry_of, kept.attempt) == (first.id, 3)
    finally:
        store.close()
