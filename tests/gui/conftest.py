"""GUI fixtures: the real JobQueue with a fast fake worker, a window, and guards so that no
test ever blocks on a real modal dialog."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.gui.translation import install_translators
from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.store import JobStore
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings_file import SettingsStore
from tests.jobs.conftest import no_worker_left_behind

__all__ = ["no_worker_left_behind"]  # autouse: fails a test that leaves a worker running

FAKE_WORKER = Path(__file__).parent / "workers" / "fake_worker.py"


def fake_worker_command(folder: Path) -> list[str]:
    return [sys.executable, str(FAKE_WORKER), str(folder)]


class DialogLog:
    """What the patched static dialogs were asked, and what they answer."""

    def __init__(self) -> None:
        self.save_answers: list[str] = []
        self.save_calls: list[str] = []
        self.folder_answers: list[str] = []
        self.folder_calls: list[tuple[str, str]] = []  # (title, starting folder)
        self.messages: list[tuple[str, str]] = []
        self.prompts: list[str] = []
        self.prompt_answer = "quit"
        """For QMessageBox(...).exec(): 'quit' clicks the destructive button, 'keep' escapes."""

    def get_save_file_name(self, _parent: Any, _title: str, suggested: str, *_: Any) -> Any:
        self.save_calls.append(suggested)
        return (self.save_answers.pop(0) if self.save_answers else "", "")

    def get_existing_directory(self, _parent: Any, title: str, start: str, *_: Any) -> str:
        self.folder_calls.append((title, start))
        return self.folder_answers.pop(0) if self.folder_answers else ""

    def message(self, kind: str) -> Callable[..., Any]:
        def record(_parent: Any, _title: str, text: str, *_: Any, **__: Any) -> Any:
            self.messages.append((kind, text))
            return QMessageBox.StandardButton.Ok

        return record

    def exec_box(self, box: QMessageBox) -> int:
        self.prompts.append(box.text())
        wanted = QMessageBox.ButtonRole.DestructiveRole
        for button in box.buttons():
            if self.prompt_answer == "quit" and box.buttonRole(button) == wanted:
                button.click()
                return 0
        escape = box.escapeButton()
        if escape is not None:
            escape.click()
        return 0


@pytest.fixture(scope="session", autouse=True)
def english_plurals(qapp: QApplication) -> Iterator[None]:
    """The app always loads the English plural forms ("%n job(s)" -> "1 job", "2 jobs")."""
    translators = install_translators(qapp, {"MOODLELOGSMART_LANG": "en_GB"})
    assert translators, "the English plural forms did not load"
    yield
    for translator in translators:
        qapp.removeTranslator(translator)


@pytest.fixture
def portuguese(qapp: QApplication) -> Iterator[None]:
    """The app's Portuguese (pt_BR) translators for one test."""
    translators = install_translators(qapp, {"MOODLELOGSMART_LANG": "pt_BR"})
    assert translators, "the pt_BR .qm file did not load"
    yield
    for translator in translators:
        qapp.removeTranslator(translator)


def shown_window(
    qtbot: Any, queue: Any, paths: AppPaths, settings_store: SettingsStore
) -> MainWindow:
    """The main window over ``queue``, shown and active (so it asks instead of notifying)."""
    window = MainWindow(queue, paths, settings_store.load(), settings_store)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window


@pytest.fixture(autouse=True)
def default_locale() -> Iterator[None]:
    """A test that installs another language's translators (and so its QLocale) gives the
    next test the locale it found."""
    before = QLocale()
    yield
    QLocale.setDefault(before)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogLog:
    """Static file and message dialogs never block a test; they record and answer."""
    log = DialogLog()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", log.get_save_file_name)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", log.get_existing_directory)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([], ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    for kind in ("information", "warning", "critical", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, log.message(kind))
    monkeypatch.setattr(QMessageBox, "exec", lambda box: log.exec_box(box))
    return log


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    resolved = AppPaths.resolve()
    resolved.ensure()
    return resolved


@pytest.fixture
def store(paths: AppPaths) -> Iterator[JobStore]:
    opened = JobStore(paths.history_db)
    yield opened
    opened.close()


@pytest.fixture
def settings_store(paths: AppPaths) -> SettingsStore:
    return SettingsStore(paths.settings_file)


@pytest.fixture
def queue(paths: AppPaths, store: JobStore, settings_store: SettingsStore) -> Iterator[JobQueue]:
    """The real queue, two jobs at a time, running the fake worker."""
    settings = settings_store.load().settings.replace(concurrent_jobs=2)
    real = JobQueue(paths, store, settings, worker_command=fake_worker_command)
    real.start()
    yield real
    real.shutdown(cancel_running=True)


@pytest.fixture
def window(
    qtbot: Any, queue: JobQueue, paths: AppPaths, settings_store: SettingsStore
) -> Iterator[MainWindow]:
    main = MainWindow(queue, paths, settings_store.load(), settings_store)
    qtbot.addWidget(main)
    main.show()
    main.activateWindow()
    qtbot.waitExposed(main)
    yield main
    main.runner.wait(10_000)


def write_log(folder: Path, name: str, first_line: str = "Time,User full name,Event name") -> Path:
    """A small file the fake worker understands (see workers/fake_worker.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(first_line + "\n1/02/24 10:00,Ana,Course viewed\n", encoding="utf-8")
    return path
