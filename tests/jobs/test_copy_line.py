"""The copy line reports the copies that ended together, once per turn of the event loop,
and a copy counts as in progress until it is reported; the queue's counts signal only moves
when the counts do (a copy ending keeps a job queued: no signal)."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.copying import CopyLine
from tests.jobs.conftest import SAMPLE_LOG, QueueMaker


def test_copies_that_end_in_one_turn_are_reported_together(qtbot: QtBot, tmp_path: Path) -> None:
    pool = QThreadPool()
    line = CopyLine(pool, width=5)
    reports: list[list[tuple[str, str | None]]] = []
    line.copied.connect(reports.append)
    ids = [f"{n:032x}" for n in range(5)]
    for job_id in ids:
        source = tmp_path / f"{job_id}.csv"
        source.write_text(SAMPLE_LOG, encoding="utf-8")
        line.add(job_id, source, tmp_path / job_id, {"input": "input.csv"})
    line.start()
    pool.waitForDone(-1)  # every copy ends while the event loop is busy here
    assert len(line) == 5 and set(ids) <= line.ids()  # in progress until reported
    with qtbot.waitSignal(line.copied, timeout=5000):
        pass
    assert len(reports) == 1
    assert sorted(reports[0]) == [(job_id, None) for job_id in ids]
    assert len(line) == 0
    for job_id in ids:
        assert (tmp_path / job_id / "input.csv").read_text(encoding="utf-8") == SAMPLE_LOG


def test_a_copy_no_longer_wanted_is_reported_without_running(qtbot: QtBot, tmp_path: Path) -> None:
    line = CopyLine(QThreadPool(), width=1)
    line.add("a" * 32, tmp_path / "missing.csv", tmp_path / ("a" * 32), {"input": "input.csv"})
    with qtbot.waitSignal(line.copied, timeout=5000) as blocker:
        line.start(lambda _job_id: False)
    assert blocker.args == [[("a" * 32, None)]]
    assert not (tmp_path / ("a" * 32)).exists()


def test_counts_are_signalled_only_when_they_change(
    qtbot: QtBot, make_queue: QueueMaker, user_log: Path
) -> None:
    queue = make_queue("ok")
    counts: list[tuple[int, int]] = []
    queue.counts_changed.connect(lambda running, queued: counts.append((running, queued)))
    job_ids = [queue.submit(user_log) for _ in range(3)]
    qtbot.waitUntil(lambda: all(job.is_terminal for job in queue.jobs()), timeout=30000)
    assert len(queue.jobs()) == len(job_ids)
    assert (0, 3) in counts and (1, 2) in counts  # three queued, then the first running
    assert all(a != b for a, b in itertools.pairwise(counts))
    assert counts[-1] == (0, 0)
