"""What the window shows follows what happened: new settings move every expiry at once, a purge
refreshes the pane, the actions and the rows, the close prompt and the status bar follow the
live counts. The real queue (fake worker) on a clock the test moves."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from moodlelogsmart_gui.gui import formatting as fmt
from moodlelogsmart_gui.gui.job_model import Column
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.gui.window_menus import confirm_quit
from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.store import JobStore
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings_file import SettingsStore
from tests.gui.conftest import fake_worker_command, write_log
from tests.gui.fakes import FakeQueue
from tests.gui.test_window_layout import run_one

REAL_EXEC = QMessageBox.exec  # taken before the autouse fixture answers every question


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked_window(
    qtbot: Any, paths: AppPaths, store: JobStore, settings_store: SettingsStore, clock: Clock
) -> Iterator[MainWindow]:
    settings = settings_store.load().settings.replace(concurrent_jobs=2)
    queue = JobQueue(paths, store, settings, worker_command=fake_worker_command, clock=clock)
    queue.start()
    window = MainWindow(queue, paths, settings_store.load(), settings_store, clock=clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.runner.wait(10_000)
    queue.shutdown(cancel_running=True)


def status_text(window: MainWindow) -> str:
    label = window.details.widget().findChild(QLabel, "detailsStatus")
    assert label is not None
    return str(label.text())


def expires_cell(window: MainWindow, job_id: str) -> str:
    row = window.model.row_of(job_id)
    assert row is not None
    return str(window.model.index(row, Column.EXPIRES).data())


def test_new_settings_move_every_expiry_at_once(
    clocked_window: MainWindow, qtbot: Any, tmp_path: Path, clock: Clock
) -> None:
    window = clocked_window
    job_id = run_one(window, qtbot, tmp_path, "a.csv")
    window.select_job(job_id)
    assert expires_cell(window, job_id) == "in 24 h"
    dialog = window.open_settings()
    dialog.fields["ttl_completed_hours"].editor.setValue(2)
    dialog.save_button.click()
    assert expires_cell(window, job_id) == "in 2 h"  # not at the next tick, not at a restart
    job = window.queue.job(job_id)
    assert job is not None and job.expires_at is not None
    assert f"result kept until {fmt.clock_text(job.expires_at, clock.now)}" in status_text(window)
    dialog = window.open_settings()
    dialog.fields["ttl_completed_hours"].editor.setValue(24)
    dialog.save_button.click()
    assert expires_cell(window, job_id) == "in 24 h"


def test_after_a_purge_the_pane_actions_and_menus_offer_no_save(
    clocked_window: MainWindow, qtbot: Any, tmp_path: Path, clock: Clock
) -> None:
    window = clocked_window
    job_id = run_one(window, qtbot, tmp_path, "a.csv")
    window.select_job(job_id)
    assert window.details.findChild(QPushButton, "detailsSave") is not None
    assert window.job_actions.save.isEnabled()
    clock.now += 25 * 3600
    with qtbot.waitSignal(window.queue.purge_finished, timeout=10000):
        window.queue.purge_now()
    assert expires_cell(window, job_id) == "expired"
    assert window.details.findChild(QPushButton, "detailsSave") is None
    assert "result deleted" in status_text(window)
    assert not window.job_actions.save.isEnabled()
    menu = window.job_actions.context_menu(window)
    save = next(a for a in menu.actions() if a is window.job_actions.save)
    assert not save.isEnabled()


def test_the_queued_message_goes_once_nothing_waits(
    clocked_window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    window = clocked_window
    window.job_actions.ask_each.setChecked(False)
    shown: list[str] = []  # the job may start (and the message go) between two polls
    window.status.messageChanged.connect(shown.append)
    window.add_paths([write_log(tmp_path, "a.csv")])
    qtbot.waitUntil(lambda: "1 file queued." in shown, timeout=10000)
    qtbot.waitUntil(
        lambda: [str(j.state) for j in window.queue.jobs()] == ["completed"], timeout=15000
    )
    qtbot.waitUntil(lambda: window.status.currentMessage() == "", timeout=5000)


def test_the_close_prompt_follows_the_running_count(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = FakeQueue()
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[str] = []

    def exec_box(box: QMessageBox) -> int:
        seen.append(box.text())
        queue.counts_changed.emit(2, 0)  # another job started while the question was open
        seen.append(box.text())
        seen.extend(b.text() for b in box.buttons())
        queue.counts_changed.emit(0, 0)  # both finished: nothing is left to cancel
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_box)
    queue.put(queue.submit(Path("/tmp/x.csv")) and queue.jobs()[0])  # one job, for the count
    queue.running_count = lambda: 1  # type: ignore[method-assign]
    assert confirm_quit(parent, queue)  # closes by itself once nothing runs
    assert seen[0] == "1 job is still running. Quitting now cancels it."
    assert seen[1] == "2 jobs are still running. Quitting now cancels them."
    assert "Cancel 2 running jobs and quit" in seen


def test_the_open_close_prompt_follows_a_job_that_ends_meanwhile(
    clocked_window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real queue and worker: the question is open, the job ends; the question goes away
    by itself and the window closes as a close with nothing running does (nothing cancelled)."""
    monkeypatch.setattr(QMessageBox, "exec", REAL_EXEC)  # a real modal question
    window = clocked_window
    window.job_actions.ask_each.setChecked(False)
    release = tmp_path / "release"
    window.add_paths([write_log(tmp_path, "held.csv", f"HOLD {release}")])
    qtbot.waitUntil(lambda: window.queue.running_count() == 1, timeout=15000)
    seen: list[str] = []

    def while_open() -> None:
        box = window.findChild(QMessageBox, "quitPrompt")
        if box is None or not box.isVisible():
            QTimer.singleShot(20, while_open)
            return
        seen.append(box.text())
        release.touch()  # the job finishes while the question is open
        QTimer.singleShot(15000, lambda: give_up(box))

    def give_up(box: QMessageBox) -> None:
        with contextlib.suppress(RuntimeError):  # the box may be gone: all is well
            if box.isVisible():
                seen.append(f"still open: {box.text()}")
                box.reject()

    QTimer.singleShot(0, while_open)
    assert window.close()  # returns once the question is answered or has gone
    assert seen == ["1 job is still running. Quitting now cancels it."]
    assert not window.isVisible()
    assert [str(job.state) for job in window.queue.jobs()] == ["completed"]


def test_a_queued_job_that_starts_while_the_question_is_open_is_not_cancelled_unasked(
    clocked_window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One job at a time: the running job ends while the question is open and the next one
    starts at once. The question stays (for the new job) rather than closing by itself and
    cancelling a job the person was never asked about."""
    monkeypatch.setattr(QMessageBox, "exec", REAL_EXEC)
    window = clocked_window
    window.queue.apply_settings(window.queue._settings.replace(concurrent_jobs=1))
    window.job_actions.ask_each.setChecked(False)
    first, second = tmp_path / "release-first", tmp_path / "release-second"
    window.add_paths([write_log(tmp_path, "first.csv", f"HOLD {first}")])
    qtbot.waitUntil(lambda: window.queue.running_count() == 1, timeout=15000)
    window.add_paths([write_log(tmp_path, "second.csv", f"HOLD {second}")])
    qtbot.waitUntil(lambda: window.queue.queued_count() == 1, timeout=15000)

    def states() -> dict[str, str]:
        return {job.input_name: str(job.state) for job in window.queue.jobs()}

    seen: list[str] = []

    def while_open() -> None:
        box = window.findChild(QMessageBox, "quitPrompt")
        if box is None or not box.isVisible():
            QTimer.singleShot(20, while_open)
            return
        seen.append(box.text())
        first.touch()  # the first job ends; the second starts at once
        wait_for_second(box, 0)

    def wait_for_second(box: QMessageBox, tries: int) -> None:
        if states().get("second.csv") != "running" and tries < 500:
            QTimer.singleShot(20, lambda: wait_for_second(box, tries + 1))
            return
        QTimer.singleShot(200, lambda: answer(box))

    def answer(box: QMessageBox) -> None:
        with contextlib.suppress(RuntimeError):
            seen.append(f"open: {box.text()}" if box.isVisible() else "closed by itself")
            if box.isVisible():
                box.escapeButton().click()  # keep the window open

    QTimer.singleShot(0, while_open)
    window.close()
    assert seen == [
        "1 job is still running. Quitting now cancels it.",
        "open: 1 job is still running. Quitting now cancels it.",
    ]
    assert window.isVisible()
    assert states() == {"first.csv": "completed", "second.csv": "running"}
    second.touch()
    qtbot.waitUntil(lambda: states()["second.csv"] == "completed", timeout=15000)
