"""Per-job commands and their keys, and one save dialog at a time."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.jobs.store import JobState
from tests.gui.conftest import DialogLog, shown_window, write_log
from tests.gui.fakes import FakeQueue, make_job


def finished_jobs(window: MainWindow) -> dict[str, str]:
    return {job.input_name: str(job.state) for job in window.queue.jobs()}


def test_delete_removes_retry_reruns_cancel_stops(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    window.job_actions.ask_each.setChecked(False)
    window.add_paths([write_log(tmp_path, "bad.csv", "FAIL"), write_log(tmp_path, "ok.csv")])
    qtbot.waitUntil(
        lambda: finished_jobs(window) == {"bad.csv": "failed", "ok.csv": "completed"},
        timeout=10000,
    )
    bad = next(job for job in window.queue.jobs() if job.input_name == "bad.csv")
    window.select_job(bad.id)
    assert window.job_actions.retry.isEnabled() and window.job_actions.remove.isEnabled()
    assert not window.job_actions.cancel.isEnabled()
    with qtbot.waitSignal(window.queue.job_added, timeout=5000):
        window.job_actions.retry.trigger()
    qtbot.waitUntil(lambda: len(window.queue.jobs()) == 3, timeout=5000)
    qtbot.waitUntil(lambda: window.queue.running_count() + window.queue.queued_count() == 0,
                    timeout=10000)  # fmt: skip
    window.select_job(bad.id)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: bad.id not in {job.id for job in window.queue.jobs()}, timeout=3000)
    assert window.model.row_of(bad.id) is None

    release = tmp_path / "release"
    window.add_paths([write_log(tmp_path, "long.csv", f"HOLD {release}")])
    qtbot.waitUntil(lambda: window.queue.running_count() == 1, timeout=10000)
    running = next(job for job in window.queue.jobs() if str(job.state) == "running")
    window.select_job(running.id)
    assert window.job_actions.cancel.isEnabled()
    assert not window.job_actions.remove.isEnabled()
    with qtbot.waitSignal(window.queue.job_finished, timeout=10000):
        window.job_actions.cancel.trigger()
    assert str(window.queue.job(running.id).state) == "cancelled"


def test_only_one_save_dialog_at_a_time(
    qtbot: Any, paths: Any, settings_store: Any, dialogs: DialogLog, tmp_path: Path,
    monkeypatch: Any,
) -> None:  # fmt: skip
    result = tmp_path / "result.zip"
    result.write_bytes(b"PK")
    jobs = [make_job(f"j{i}.csv", state=JobState.COMPLETED, result_path=str(result),
                     finished_at=time.time()) for i in range(3)]  # fmt: skip
    queue = FakeQueue(jobs)
    window = shown_window(qtbot, queue, paths, settings_store)
    depth = [0]
    most = [0]

    def answer(*_: Any) -> tuple[str, str]:
        depth[0] += 1
        most[0] = max(most[0], depth[0])
        if len(dialogs.save_calls) == 0:  # while the first is open, two more jobs finish
            queue.job_finished.emit(jobs[1].id)
            queue.job_finished.emit(jobs[2].id)
            QApplication.processEvents()
        dialogs.save_calls.append("asked")
        depth[0] -= 1
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    queue.job_finished.emit(jobs[0].id)
    qtbot.waitUntil(lambda: len(dialogs.save_calls) == 3, timeout=3000)
    assert most[0] == 1
    assert window.saver.waiting() == []
