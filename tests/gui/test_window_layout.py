"""What a person trips over: a wrong click on Delete, a banner moving the table, columns
too narrow, a pane scrolling sideways, a dialog growing under the pointer, words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent
from PySide6.QtWidgets import QApplication, QPushButton

from moodlelogsmart_gui.gui.details_pane import DetailsPane
from moodlelogsmart_gui.gui.job_model import Column
from moodlelogsmart_gui.gui.job_view import BAR_WIDTH
from moodlelogsmart_gui.gui.log_files import LOG_SUFFIXES
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.jobs.retention import PurgeReport
from moodlelogsmart_gui.jobs.store import FailureReason, JobState
from tests.gui.conftest import DialogLog, write_log
from tests.gui.fakes import make_job
from tests.gui.test_job_life import job_id_of


def run_one(window: MainWindow, qtbot: Any, folder: Path, name: str, first: str = "") -> str:
    window.job_actions.ask_each.setChecked(False)
    window.add_paths([write_log(folder, name, first or "Time,User full name,Event name")])
    qtbot.waitUntil(
        lambda: any(
            j.input_name == name and str(j.state) in ("completed", "failed")
            for j in window.queue.jobs()
        ),
        timeout=15000,
    )
    return job_id_of(window, name)


def test_delete_asks_before_deleting_a_kept_result(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    job_id = run_one(window, qtbot, tmp_path, "kept.csv")
    window.select_job(job_id)
    dialogs.prompt_answer = "keep"
    window.job_actions.remove.trigger()
    assert len(dialogs.prompts) == 1 and dialogs.prompts[0].startswith("Remove kept.csv and")
    assert window.queue.job(job_id) is not None  # one wrong click lost nothing
    assert (window.paths.jobs / job_id).exists()
    dialogs.prompt_answer = "quit"
    window.job_actions.remove.trigger()
    assert window.queue.job(job_id) is None
    assert window.status.currentMessage() == "1 job removed from the history."


def test_a_failed_job_is_removed_without_a_question(
    window: MainWindow, qtbot: Any, tmp_path: Path, dialogs: DialogLog
) -> None:
    job_id = run_one(window, qtbot, tmp_path, "bad.csv", "FAIL")
    window.select_job(job_id)
    window.job_actions.remove.trigger()
    assert dialogs.prompts == []
    assert window.queue.job(job_id) is None


def test_the_notice_never_moves_the_table(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    run_one(window, qtbot, tmp_path, "a.csv")
    top = window.table.mapTo(window, QPoint(0, 0))
    window.notice.show_notice("Not added (1):\n• x.doc: not a log file type (.doc)")
    qtbot.waitUntil(window.notice.isVisible)
    QApplication.processEvents()
    assert window.table.mapTo(window, QPoint(0, 0)) == top  # it comes below the table
    assert not [t for t in window.notice.findChildren(QTimer) if t.isActive()]  # stays
    window.notice.close_button.click()
    QApplication.processEvents()
    assert not window.notice.isVisible()
    assert window.table.mapTo(window, QPoint(0, 0)) == top


def test_numbers_and_stages_fit_their_columns(window: MainWindow, qtbot: Any) -> None:
    table = window.table
    metrics = table.fontMetrics()
    job = make_job("big.csv", state=JobState.RUNNING, stage="detect", percent=100)
    text = window.model._display(job, Column.STATE)
    assert text == "Detecting format… 100%"
    room = table.columnWidth(Column.STATE) - BAR_WIDTH - 18  # the bar and its margins
    assert metrics.horizontalAdvance(text) <= room
    kept = window.model._display(make_job("b.csv", rows_out=1_481_811), Column.KEPT)
    assert kept == "1\u202f481\u202f811"
    assert metrics.horizontalAdvance(kept) + 12 <= table.columnWidth(Column.KEPT)
    # a header saved by an older version with narrow columns is widened again
    table.setColumnWidth(Column.KEPT, 30)
    table.fit_restored_widths()
    assert metrics.horizontalAdvance(kept) + 12 <= table.columnWidth(Column.KEPT)


def test_a_long_file_name_wraps_in_the_details_pane(qtbot: Any) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    pane.resize(300, 500)
    pane.show()
    name = "logs_ENGENHARIA_DE_SOFTWARE_2024_TURMA_B_noturno_20240301-1200_final_v2.csv"
    failed = make_job(name, state=JobState.FAILED, reason=FailureReason.BAD_INPUT,
                      message=f"/home/ana/Área de trabalho/{name}: not a usable log.")  # fmt: skip
    pane.show_job(failed)
    qtbot.waitUntil(lambda: pane.widget().width() <= pane.viewport().width())
    assert pane.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    title = pane.widget().findChild(type(pane.widget().children()[1]), "detailsTitle")
    assert title is not None
    assert title.width() <= pane.viewport().width()
    assert title.height() > title.fontMetrics().lineSpacing() * 1.5  # wrapped, not cut
    assert title.text().replace("\u200b", "") == name


def test_the_settings_dialog_keeps_its_size_while_typing(window: MainWindow, qtbot: Any) -> None:
    dialog = window.open_settings()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()  # the wrapped help texts take their height once shown
    size = dialog.size()
    save = dialog.save_button.mapTo(dialog, QPoint(0, 0))
    field = dialog.fields["ttl_completed_hours"]
    field.editor.setValue(9000)
    QApplication.processEvents()
    assert field.error.isVisibleTo(dialog)
    assert dialog.size() == size
    assert dialog.save_button.mapTo(dialog, QPoint(0, 0)) == save
    field.editor.setValue(24)
    QApplication.processEvents()
    assert dialog.size() == size
    dialog.reject()


def test_the_purge_result_says_one_job_not_one_jobs(window: MainWindow, qtbot: Any) -> None:
    dialog = window.open_settings()
    dialog._on_purged(PurgeReport(jobs_purged=1, bytes_freed=3 * 1024 * 1024))
    assert dialog.purge_result.text() == "1 job purged, 3.0 MB freed."
    dialog._on_purged(PurgeReport(jobs_purged=2, bytes_freed=0, errors=["x"]))
    assert dialog.purge_result.text() == (
        "2 jobs purged, 0 B freed. 1 item could not be deleted (see the app log)."
    )
    dialog.reject()


def test_the_empty_state_names_every_file_type_the_dialog_takes(window: MainWindow) -> None:
    title = window.drop_zone._title.text()
    for suffix in LOG_SUFFIXES:
        assert suffix in title


def test_dragging_files_over_the_window_shows_the_drop_target(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    run_one(window, qtbot, tmp_path, "a.csv")
    mime = QMimeData()  # kept alive for as long as the events use it
    mime.setUrls([QUrl.fromLocalFile(str(write_log(tmp_path, "b.csv")))])
    enter = QDragEnterEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, mime,
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    assert window.drop_zone.property("hover") is True
    assert window.table.property("dropTarget") is True
    leave = QDragLeaveEvent()
    QApplication.sendEvent(window, leave)
    assert window.drop_zone.property("hover") is False
    assert window.table.property("dropTarget") is False


def test_failed_jobs_say_their_log_is_kept_not_a_result(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    job_id = run_one(window, qtbot, tmp_path, "bad.csv", "FAIL")
    window.select_job(job_id)
    status = window.details.findChild(type(window.details.widget().children()[1]), "detailsStatus")
    assert status is not None
    assert "no result; its log is kept until" in status.text()
    assert "result kept" not in status.text()
    row = window.model.row_of(job_id)
    assert row is not None
    shown = window.model.index(row, Column.EXPIRES).data()
    assert shown.startswith("log in ")
    assert window.details.findChild(QPushButton, "detailsSave") is None
