"""The job table model on its own: no window, a fake queue, Qt's model tester."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from moodlelogsmart_gui.gui.job_model import (
    JOB_ROLE,
    PROGRESS_ROLE,
    Column,
    JobSortProxy,
    JobTableModel,
)
from moodlelogsmart_gui.jobs.store import FailureReason, JobState
from tests.gui.fakes import FakeQueue, make_job

NOW = 1_800_000_000.0


def clock() -> float:
    return NOW


def display(model: Any, row: int, column: Column) -> str:
    return model.index(row, column).data(Qt.ItemDataRole.DisplayRole)


@pytest.fixture
def tested(qapp: Any) -> tuple[FakeQueue, JobTableModel]:
    queue = FakeQueue()
    model = JobTableModel(queue, clock=clock, chunk_size=50)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    return queue, model


def test_rows_follow_the_queue_one_row_at_a_time(tested: tuple[FakeQueue, JobTableModel]) -> None:
    queue, model = tested
    resets: list[int] = []
    changed: list[tuple[int, int, int, int]] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(
        lambda a, b, _r=None: changed.append((a.row(), a.column(), b.row(), b.column()))
    )
    job = make_job("course.csv", queued_at=NOW - 10)
    queue.put(job)
    assert model.rowCount() == 1
    assert display(model, 0, Column.STATE) == "Queued"
    for percent, stage in ((10, "read"), (55, "classify"), (90, "export")):
        queue.update(job.id, state=JobState.RUNNING, started_at=NOW - 5, percent=percent,
                     stage=stage)  # fmt: skip
    assert display(model, 0, Column.STATE) == "Exporting… 90%"
    assert model.index(0, Column.STATE).data(PROGRESS_ROLE) == 90
    assert display(model, 0, Column.DURATION) == "5 s"
    assert resets == []
    assert changed and all(c == (0, 0, 0, len(Column) - 1) for c in changed)

    queue.update(job.id, finished=True, state=JobState.COMPLETED, finished_at=NOW,
                 rows_in=12345, rows_out=12000, expires_at=NOW + 23 * 3600 + 100)  # fmt: skip
    assert display(model, 0, Column.STATE) == "Completed"
    assert display(model, 0, Column.EVENTS_IN) == "12\u202f345"
    assert display(model, 0, Column.EXPIRES) == "in 23 h"
    assert model.index(0, Column.STATE).data(PROGRESS_ROLE) is None

    queue.remove(job.id)
    assert model.rowCount() == 0
    assert resets == []


def test_failed_and_expired_rows_say_so(tested: tuple[FakeQueue, JobTableModel]) -> None:
    queue, model = tested
    failed = make_job("bad.csv", state=JobState.FAILED, reason=FailureReason.TIMEOUT,
                      message="The job ran longer than 10 min and was stopped.")  # fmt: skip
    expired = make_job("old.csv", state=JobState.COMPLETED, expired=True, finished_at=NOW - 1e5)
    queue.put(failed)
    queue.put(expired)
    rows = {display(model, r, Column.FILE): r for r in range(model.rowCount())}
    assert display(model, rows["bad.csv"], Column.STATE) == "Failed: timed out"
    assert model.index(rows["bad.csv"], 0).data(Qt.ItemDataRole.ToolTipRole).startswith("The job")
    assert display(model, rows["old.csv"], Column.EXPIRES) == "expired"
    assert model.index(rows["old.csv"], Column.STATE).data(Qt.ItemDataRole.DecorationRole)


def test_long_history_is_fetched_in_chunks(qapp: Any) -> None:
    jobs = [make_job(f"log{i:04}.csv", queued_at=NOW - i, state=JobState.COMPLETED,
                     started_at=NOW - i, finished_at=NOW - i + 1) for i in range(520)]  # fmt: skip
    queue = FakeQueue(jobs)
    model = JobTableModel(queue, clock=clock, chunk_size=200)
    assert model.rowCount() == 200
    assert model.canFetchMore(QModelIndex())
    assert model.total_jobs() == 520
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 400
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    # an old row changes while not loaded yet: it arrives fresh when fetched
    queue.update(jobs[-1].id, expired=True)
    model.fetch_all()
    assert model.rowCount() == 520
    assert not model.canFetchMore(QModelIndex())
    last = model.row_of(jobs[-1].id)
    assert last is not None and model.index(last, 0).data(JOB_ROLE).expired


def test_proxy_sorts_newest_first_and_by_any_column(qapp: Any) -> None:
    jobs = [
        make_job("b.csv", queued_at=NOW - 300, started_at=NOW - 300, rows_in=5),
        make_job("a.csv", queued_at=NOW - 100, started_at=NOW - 100, rows_in=50),
        make_job("c.csv", queued_at=NOW - 200, started_at=NOW - 200, rows_in=None),
    ]
    model = JobTableModel(FakeQueue(jobs), clock=clock)
    proxy = JobSortProxy()
    proxy.setSourceModel(model)
    QAbstractItemModelTester(proxy, QAbstractItemModelTester.FailureReportingMode.Fatal)
    proxy.sort(Column.STARTED, Qt.SortOrder.DescendingOrder)
    names = [proxy.index(r, 0).data() for r in range(3)]
    assert names == ["a.csv", "c.csv", "b.csv"]
    proxy.sort(Column.EVENTS_IN, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["c.csv", "b.csv", "a.csv"]
    proxy.sort(Column.FILE, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["a.csv", "b.csv", "c.csv"]


def test_running_durations_tick_without_touching_other_rows(qapp: Any, qtbot: Any) -> None:
    now = [NOW]
    running = make_job("run.csv", state=JobState.RUNNING, started_at=NOW - 1, percent=5)
    done = make_job("done.csv", state=JobState.COMPLETED, started_at=NOW - 9, finished_at=NOW)
    model = JobTableModel(FakeQueue([running, done]), clock=lambda: now[0])
    row = model.row_of(running.id)
    now[0] += 61
    with qtbot.waitSignal(model.dataChanged, timeout=3000) as signal:
        pass
    first, last = signal.args[0], signal.args[1]
    assert (first.row(), first.column(), last.row(), last.column()) == (
        row,
        Column.DURATION,
        row,
        Column.DURATION,
    )
    assert model.index(row, Column.DURATION).data() == "1 min 02 s"
    assert time.time() > 0


def test_progress_repaints_only_the_state_cell_and_at_most_every_quarter_second(
    tested: tuple[FakeQueue, JobTableModel], qtbot: Any
) -> None:
    """A worker reports up to ten times a second: the data is new at once, the repaint of
    the bar (one cell, no sort key) comes once for many reports; a new state at once."""
    queue, model = tested
    job = make_job("course.csv", queued_at=NOW - 10)
    queue.put(job)
    queue.update(job.id, state=JobState.RUNNING, started_at=NOW - 5, percent=0, stage="read")
    changed: list[tuple[int, int, int, int, list[int]]] = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append(
        (a.row(), a.column(), b.row(), b.column(), [int(r) for r in roles])))  # fmt: skip
    for percent in range(10, 100, 10):
        queue.update(job.id, percent=percent, stage="classify")
    assert display(model, 0, Column.STATE) == "Classifying… 90%"
    assert model.index(0, Column.STATE).data(PROGRESS_ROLE) == 90
    assert changed == []
    qtbot.waitUntil(lambda: bool(changed), timeout=3000)
    progress_roles = [int(Qt.ItemDataRole.DisplayRole), PROGRESS_ROLE]
    assert changed == [(0, Column.STATE, 0, Column.STATE, progress_roles)]
    queue.update(job.id)  # nothing a cell shows changed: nothing repainted
    queue.update(job.id, percent=95)
    queue.update(job.id, finished=True, state=JobState.COMPLETED, finished_at=NOW)
    assert changed[1:] == [(0, 0, 0, len(Column) - 1, [])]
    assert display(model, 0, Column.STATE) == "Completed"
    with qtbot.assertNotEmitted(model.dataChanged, wait=400):
        pass  # the finished job's bar is not repainted after it ended
