"""A drop of several files asks once for a folder and saves every result there, under free
names; cancelled, the results stay in the list and several can be saved later at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.results import result_file_name
from moodlelogsmart_gui.jobs.store import JobState, JobStore
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings_file import SettingsStore
from tests.gui.conftest import DialogLog, fake_worker_command, shown_window, write_log
from tests.gui.fakes import FakeQueue, make_job

FINISHED_AT = 1_700_000_000.0
"""Every job of these tests ends at this time, so the result names are known."""


@pytest.fixture
def fixed_window(
    qtbot: Any, paths: AppPaths, store: JobStore, settings_store: SettingsStore
) -> Iterator[MainWindow]:
    settings = settings_store.load().settings.replace(concurrent_jobs=2)
    queue = JobQueue(paths, store, settings, worker_command=fake_worker_command,
                     clock=lambda: FINISHED_AT)  # fmt: skip
    queue.start()
    window = shown_window(qtbot, queue, paths, settings_store)
    yield window
    window.runner.wait(10_000)
    queue.shutdown(cancel_running=True)


def three_logs(tmp_path: Path) -> list[Path]:
    """Two files of the same name (from two folders) and a third one."""
    return [write_log(tmp_path / "a", "course.csv"), write_log(tmp_path / "b", "course.csv"),
            write_log(tmp_path / "a", "other.csv")]  # fmt: skip


def all_ended(window: MainWindow, count: int) -> bool:
    jobs = window.queue.jobs()
    return len(jobs) == count and all(job.is_terminal for job in jobs)


def test_a_drop_asks_once_for_a_folder_and_every_result_is_saved_there(
    fixed_window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    window = fixed_window
    out = tmp_path / "out"
    out.mkdir()
    name = result_file_name("course.csv", FINISHED_AT)
    (out / name).write_bytes(b"the person's own file")
    dialogs.folder_answers.append(str(out))
    with qtbot.waitSignal(window.saver.batches.report, timeout=20000) as report:
        window.add_paths(three_logs(tmp_path))
    assert len(dialogs.folder_calls) == 1
    assert dialogs.folder_calls[0][0] == "Choose a folder for the results of these 3 files"
    assert dialogs.save_calls == []  # no Save dialog per result
    stem = name.removesuffix(".zip")
    other = result_file_name("other.csv", FINISHED_AT)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [name, f"{stem}_2.zip", f"{stem}_3.zip", other]
    )
    assert (out / name).read_bytes() == b"the person's own file"  # never written over
    results = [Path(job.result_path).read_bytes() for job in window.queue.jobs()
               if job.result_path]  # fmt: skip
    assert len(results) == 3
    assert all((out / n).read_bytes() in results for n in (f"{stem}_2.zip", f"{stem}_3.zip", other))
    text = report.args[0]
    assert text.startswith(f"Saved 3 results in {out}:")
    assert f"• {stem}_2.zip" in text and f"• {other}" in text
    assert window.notice.isVisible() and window.notice.label.text() == text
    assert window.saver.waiting() == []


def test_cancelled_the_results_stay_and_several_selected_are_saved_at_once(
    fixed_window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    window = fixed_window
    window.add_paths(three_logs(tmp_path))
    qtbot.waitUntil(lambda: all_ended(window, 3), timeout=20000)
    qtbot.waitUntil(lambda: len(dialogs.folder_calls) == 1, timeout=3000)
    QApplication.processEvents()
    assert len(dialogs.folder_calls) == 1 and dialogs.save_calls == []
    assert "The results stay in the list" in window.status.currentMessage()
    assert not window.notice.isVisible()
    jobs = window.queue.jobs()
    assert all(job.state is JobState.COMPLETED and job.result_available for job in jobs)

    window.table.selectAll()
    assert window.job_actions.save.isEnabled()
    out = tmp_path / "later"
    out.mkdir()
    dialogs.folder_answers.append(str(out))
    with qtbot.waitSignal(window.saver.batches.report, timeout=10000) as report:
        window.job_actions.save.trigger()
    assert dialogs.folder_calls[-1][0] == "Choose a folder for the 3 selected results"
    assert dialogs.folder_calls[-1][1] == str(Path.home())
    assert len(list(out.glob("*.zip"))) == 3
    assert report.args[0].startswith(f"Saved 3 results in {out}:")
    # the next question starts in the folder chosen last
    window.table.selectAll()
    with qtbot.waitSignal(window.saver.batches.report, timeout=10000):
        dialogs.folder_answers.append(str(out))
        window.job_actions.save.trigger()
    assert dialogs.folder_calls[-1][1] == str(out)
    assert len(list(out.glob("*.zip"))) == 6  # numbered, nothing written over
    assert not list(out.glob(".*"))  # no temporary file left


def test_one_question_per_batch_and_one_dialog_at_a_time(
    qtbot: Any, paths: Any, settings_store: Any, dialogs: DialogLog, tmp_path: Path,
    monkeypatch: Any,
) -> None:  # fmt: skip
    """While the batch's folder question is open, the rest of the batch and a single job
    finish: no second question for the batch, the single job's Save dialog comes after."""
    result = tmp_path / "result.zip"
    result.write_bytes(b"PK")
    jobs = [make_job(f"j{i}.csv", state=JobState.COMPLETED, result_path=str(result),
                     finished_at=time.time()) for i in range(4)]  # fmt: skip
    queue = FakeQueue(jobs)
    window = shown_window(qtbot, queue, paths, settings_store)
    window.intake.queued.emit(7, 3, [job.id for job in jobs[:2]], False)
    window.intake.queued.emit(7, 3, [jobs[2].id], True)
    out = tmp_path / "out"
    out.mkdir()
    depth, most, asked = [0], [0], []

    def dialog(kind: str, answer: str) -> Any:
        def shown(*_: Any) -> Any:
            depth[0] += 1
            most[0] = max(most[0], depth[0])
            asked.append(kind)
            if len(asked) == 1:  # while the first is open, the others finish
                for job in jobs[1:]:
                    queue.job_finished.emit(job.id)
                QApplication.processEvents()
            depth[0] -= 1
            return answer if kind == "folder" else (answer, "")

        return shown

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", dialog("folder", str(out)))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog("save", ""))
    with qtbot.waitSignal(window.saver.batches.report, timeout=5000):
        queue.job_finished.emit(jobs[0].id)
    qtbot.waitUntil(lambda: asked == ["folder", "save"], timeout=3000)
    assert most[0] == 1
    assert window.saver.waiting() == []
    assert len(list(out.glob("*.zip"))) == 3


def test_in_the_background_a_batch_is_one_notification_then_one_question(
    fixed_window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    window = fixed_window
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=3000)
    window.add_paths(three_logs(tmp_path))
    qtbot.waitUntil(lambda: all_ended(window, 3), timeout=20000)
    qtbot.waitUntil(lambda: window.windowTitle() == "(1) MoodleLogSmart", timeout=3000)
    QApplication.processEvents()
    assert window.notifier.unseen == 1  # one for the three files
    assert dialogs.folder_calls == [] and dialogs.save_calls == []
    out = tmp_path / "out"
    out.mkdir()
    dialogs.folder_answers.append(str(out))
    with qtbot.waitSignal(window.saver.batches.report, timeout=10000):
        window.activateWindow()
    assert len(dialogs.folder_calls) == 1 and len(list(out.glob("*.zip"))) == 3
    assert window.windowTitle() == "MoodleLogSmart"


def test_copies_that_fail_are_listed_in_the_notice_without_a_dialog_each(
    fixed_window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    window = fixed_window
    gone = tmp_path / "removed meanwhile"
    dialogs.folder_answers.append(str(gone))  # chosen, then gone before the copies
    with qtbot.waitSignal(window.saver.batches.report, timeout=20000) as report:
        window.add_paths(three_logs(tmp_path))
    lines = report.args[0].splitlines()
    assert lines[0] == "Not saved (3):"
    assert len(lines) == 4 and all("The file or folder no longer exists" in x for x in lines[1:])
    assert dialogs.messages == [] and dialogs.save_calls == []
    assert not gone.exists()
