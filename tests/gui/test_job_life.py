"""A job's life in the window, with the real JobQueue running a fake worker."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from moodlelogsmart_gui.gui.job_model import Column
from moodlelogsmart_gui.gui.log_viewer import LogViewer
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.settings import Settings
from tests.gui.conftest import DialogLog, write_log


def row_texts(window: MainWindow) -> dict[str, str]:
    """File name -> State cell text, as the table shows it."""
    proxy = window.proxy
    return {
        proxy.index(r, Column.FILE).data(): proxy.index(r, Column.STATE).data()
        for r in range(proxy.rowCount())
    }


def cell(window: MainWindow, name: str, column: Column) -> str:
    proxy = window.proxy
    for r in range(proxy.rowCount()):
        if proxy.index(r, Column.FILE).data() == name:
            return str(proxy.index(r, column).data())
    raise KeyError(name)


def job_id_of(window: MainWindow, name: str) -> str:
    return next(job.id for job in window.queue.jobs() if job.input_name == name)


def test_queued_running_with_stage_then_completed(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    window.job_actions.ask_each.setChecked(False)
    release = tmp_path / "release"
    names = ["one.csv", "two.csv", "three.csv"]
    window.add_paths([write_log(tmp_path / "in", n, f"HOLD {release}") for n in names])
    # two slots: two jobs classify while the third waits its turn
    qtbot.waitUntil(
        lambda: (
            [t[:13] for t in sorted(row_texts(window).values())]
            == ["Classifying… ", "Classifying… ", "Queued"]
        ),
        timeout=10000,
    )
    running = next(j for j in window.model._rows if str(j.state) == "running")
    assert re.fullmatch(r"Classifying… (5[5-9]|6[0-4])%", cell(window, running.input_name,
                                                             Column.STATE))  # fmt: skip
    release.write_text("go")
    qtbot.waitUntil(lambda: list(row_texts(window).values()) == ["Completed"] * 3, timeout=15000)
    assert cell(window, "one.csv", Column.EVENTS_IN) == "1\u202f200"
    assert cell(window, "one.csv", Column.KEPT) == "1\u202f168"
    assert cell(window, "one.csv", Column.EXPIRES) == "in 24 h"
    assert dialogs.save_calls == []  # the option was off
    assert window.status.counts_label.text() == "No jobs running"


def test_failed_job_shows_its_reason_and_its_log(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    window.add_paths([write_log(tmp_path, "broken.csv", "FAIL")])
    qtbot.waitUntil(
        lambda: row_texts(window).get("broken.csv") == "Failed: not a usable log", timeout=10000
    )
    window.select_job(job_id_of(window, "broken.csv"))
    reason = window.details.findChild(QLabel, "failureReason")
    assert reason is not None
    assert reason.text() == "The file has no 'Event name' column; found: id, course, when."
    assert window.job_actions.show_log.isEnabled()
    assert not window.job_actions.save.isEnabled()
    assert window.job_actions.retry.isEnabled()
    button = window.details.findChild(QPushButton, "detailsShowLog")
    assert button is not None
    button.click()
    viewer = window.findChild(LogViewer)
    assert viewer is not None
    qtbot.waitUntil(lambda: "no Event name column" in viewer.text.toPlainText(), timeout=5000)
    viewer.close()


def test_completed_job_offers_the_save_dialog_and_the_zip_is_identical(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dialogs.save_answers.append(str(out / "mine"))  # no .zip typed: it is added
    with qtbot.waitSignal(window.saver.saved, timeout=15000) as saved:
        window.add_paths([write_log(tmp_path, "course 101.csv")])
    job = window.queue.job(saved.args[0])
    assert job is not None and job.result_path
    dest = Path(saved.args[1])
    assert dest == out / "mine.zip"
    assert dest.read_bytes() == Path(job.result_path).read_bytes()
    assert len(dialogs.save_calls) == 1
    assert re.search(r"course 101_enriched_\d{8}_\d{6}\.zip$", dialogs.save_calls[0])
    assert list(out.iterdir()) == [dest]  # no temporary file left behind
    # Ctrl+S later: the dialog starts in the folder used last time
    window.select_job(job.id)
    dialogs.save_answers.append(str(out / "again.zip"))
    with qtbot.waitSignal(window.saver.saved, timeout=5000):
        window.job_actions.save.trigger()
    assert Path(dialogs.save_calls[1]).parent == out
    assert (out / "again.zip").read_bytes() == dest.read_bytes()


def test_a_failed_copy_is_one_sentence(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    window.job_actions.ask_each.setChecked(False)
    window.add_paths([write_log(tmp_path, "c.csv")])
    qtbot.waitUntil(lambda: row_texts(window).get("c.csv") == "Completed", timeout=10000)
    job_id = job_id_of(window, "c.csv")
    dialogs.save_answers.append(str(tmp_path / "no" / "such" / "folder" / "c.zip"))
    with qtbot.waitSignal(window.saver.failed, timeout=5000) as failed:
        window.saver.save(job_id)
    assert failed.args[1].startswith("The file or folder no longer exists")
    assert ("warning", failed.args[1]) in dialogs.messages


def test_an_expired_job_cannot_be_saved_and_says_why(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    window.job_actions.ask_each.setChecked(False)
    window.add_paths([write_log(tmp_path, "old.csv")])
    qtbot.waitUntil(lambda: row_texts(window).get("old.csv") == "Completed", timeout=10000)
    job_id = job_id_of(window, "old.csv")
    # The real clean-up, with results kept for no time at all.
    window.queue.apply_settings(dataclasses.replace(Settings(), ttl_completed_hours=0.0))
    with qtbot.waitSignal(window.queue.purge_finished, timeout=5000) as purged:
        window.queue.purge_now()
    assert purged.args[0].expired_ids == [job_id]
    window.select_job(job_id)
    assert cell(window, "old.csv", Column.EXPIRES) == "expired"
    assert not window.job_actions.save.isEnabled()
    window.saver.save(job_id)
    assert dialogs.save_calls == []
    assert dialogs.messages[-1] == (
        "information",
        "The result was deleted after 24 h, as set in Settings; run the file again.",
    )


def test_in_the_background_a_notification_then_the_offer_on_return(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=3000)
    window.add_paths([write_log(tmp_path, "late.csv")])
    qtbot.waitUntil(lambda: window.windowTitle() == "(1) MoodleLogSmart", timeout=10000)
    assert dialogs.save_calls == []
    assert window.saver.waiting() == [job_id_of(window, "late.csv")]
    window.activateWindow()
    qtbot.waitUntil(lambda: len(dialogs.save_calls) == 1, timeout=3000)
    assert window.windowTitle() == "MoodleLogSmart"
