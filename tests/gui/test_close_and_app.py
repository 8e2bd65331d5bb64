"""Closing with running jobs asks first; the app entry point queues files from the command line,
refuses a second window, and never imports pandas."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from moodlelogsmart_gui import app as app_module
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.jobs.lock import DataFolderLock
from moodlelogsmart_gui.paths import AppPaths
from tests.gui.conftest import DialogLog, fake_worker_command, write_log


def start_holding_job(window: MainWindow, qtbot: Any, tmp_path: Path) -> Path:
    release = tmp_path / "release"
    window.job_actions.ask_each.setChecked(False)
    window.add_paths([write_log(tmp_path, "long.csv", f"HOLD {release}")])
    qtbot.waitUntil(lambda: window.queue.running_count() == 1, timeout=10000)
    return release


def test_closing_with_a_running_job_can_keep_the_window_open(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    release = start_holding_job(window, qtbot, tmp_path)
    dialogs.prompt_answer = "keep"
    assert not window.close()
    assert window.isVisible()
    assert dialogs.prompts == ["1 job is still running. Quitting now cancels it."]
    assert window.queue.running_count() == 1
    release.write_text("go")
    qtbot.waitUntil(lambda: window.queue.running_count() == 0, timeout=10000)
    dialogs.prompts.clear()
    assert window.close()  # nothing runs: no question
    assert dialogs.prompts == []


def test_closing_can_cancel_the_running_jobs_and_quit(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    start_holding_job(window, qtbot, tmp_path)
    dialogs.prompt_answer = "quit"
    with qtbot.waitSignal(window.queue.job_finished, timeout=10000):
        assert window.close()
    job = window.queue.jobs()[0]
    assert str(job.state) == "cancelled"
    # window geometry and columns are remembered apart from the settings
    state_file = window.paths.config / "window.ini"
    assert state_file.exists() and "geometry" in state_file.read_text()


def test_keys(window: MainWindow) -> None:
    a = window.job_actions
    assert a.add_files.shortcut().toString() == "Ctrl+O"
    assert a.save.shortcut().toString() == "Ctrl+S"
    assert a.remove.shortcut().toString() == "Del"
    assert a.settings.shortcut().toString() == "Ctrl+,"


@pytest.fixture
def quiet_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    """build() routes uncaught exceptions to the app log; give pytest-qt its hook back."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


def test_files_on_the_command_line_are_queued(
    qapp: QApplication, qtbot: Any, tmp_path: Path, quiet_excepthook: None
) -> None:
    files = [write_log(tmp_path, "a.csv"), write_log(tmp_path, "b.csv")]
    context = app_module.build([str(f) for f in files], worker_command=fake_worker_command)
    assert context is not None
    try:
        window = context.window
        window.job_actions.ask_each.setChecked(False)
        qtbot.waitUntil(lambda: window.model.total_jobs() == 2, timeout=5000)
        assert window.isVisible()
        qtbot.waitUntil(
            lambda: all(str(j.state) == "completed" for j in context.queue.jobs()), timeout=15000
        )
    finally:
        window.close()
        app_module.teardown(context)


PANDAS_PROBE = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
from moodlelogsmart_gui import app as app_module
context = app_module.build([sys.argv[1]])
app.processEvents()
print("pandas" in sys.modules, context.window.isVisible(), context.queue.queued_count())
context.window.close()
app_module.teardown(context)
"""


def test_the_window_process_never_imports_pandas(tmp_path: Path, app_home: Path) -> None:
    """In a fresh interpreter (the test session itself may have pandas loaded already)."""
    log = write_log(tmp_path, "x.csv")
    env = dict(os.environ, MOODLELOGSMART_HOME=str(app_home), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", PANDAS_PROBE, str(log)],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert out.stdout.split()[:2] == ["False", "True"]


def test_a_window_while_the_command_line_holds_the_folder_is_refused_in_one_sentence(
    qapp: QApplication, dialogs: DialogLog, quiet_excepthook: None
) -> None:
    """The command line holds the lock but has no window to hand files to."""
    paths = AppPaths.resolve()
    paths.ensure()
    holder = DataFolderLock(paths.lock_file)
    holder.acquire()
    try:
        assert app_module.build([]) is None
    finally:
        holder.release()
    assert dialogs.prompts == [
        "Another MoodleLogSmart program (probably the command line) is working in the data "
        f"folder {paths.data}; open the window again when it has finished."
    ]
