"""Dropping files and folders on the window queues the logs and refuses the rest, aloud."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from moodlelogsmart_gui.gui.job_model import Column
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.jobs.intake import find_logs
from tests.gui.conftest import write_log


def drop(target: QWidget, paths: list[Path]) -> tuple[bool, bool]:
    """Send a drag-enter then a drop with file URLs; returns whether each was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    point = QPoint(target.width() // 2, target.height() // 2)
    enter = QDragEnterEvent(  # takes a QPoint (QDropEvent a QPointF) in PySide6 6.8 to 6.11
        point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(target, enter)
    event = QDropEvent(
        QPointF(point), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(target, event)
    return enter.isAccepted(), event.isAccepted()


def file_names(window: MainWindow) -> set[str]:
    proxy = window.proxy
    return {proxy.index(row, Column.FILE).data() for row in range(proxy.rowCount())}


def test_first_launch_shows_a_large_drop_zone(window: MainWindow) -> None:
    assert not window.drop_zone.is_compact()
    assert not window.splitter.isVisible()
    assert "Drop Moodle log files here" in window.drop_zone._title.text()
    assert window.drop_zone.add_button.text() == "Add files…"


def test_dropping_files_puts_jobs_in_the_table(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    logs = [write_log(tmp_path / "in", f"course_{i}.csv") for i in range(3)]
    entered, dropped = drop(window.drop_zone, logs)
    assert entered and dropped
    qtbot.waitUntil(lambda: file_names(window) == {p.name for p in logs}, timeout=5000)
    assert window.drop_zone.is_compact()
    assert window.splitter.isVisible()
    qtbot.waitUntil(lambda: window.queue.running_count() + window.queue.queued_count() == 0,
                    timeout=15000)  # fmt: skip
    for log in logs:  # the user's own files are never touched
        assert log.exists()


def test_the_whole_window_accepts_drops_and_folders(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    write_log(folder, "a.csv")
    write_log(folder / "sub", "b.xlsx")
    (folder / "notes.pdf").write_text("x")
    _, dropped = drop(window, [folder])
    assert dropped
    qtbot.waitUntil(lambda: file_names(window) == {"a.csv", "b.xlsx"}, timeout=5000)
    assert not window.notice.isVisible()  # a folder's other files are simply not logs


def test_what_cannot_be_a_log_is_refused_with_a_reason(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    good = write_log(tmp_path, "good.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    pdf = tmp_path / "slides.pdf"
    pdf.write_text("%PDF")
    missing = tmp_path / "gone.csv"
    drop(window.drop_zone, [good, empty, pdf, missing])
    qtbot.waitUntil(window.notice.isVisible, timeout=5000)
    text = window.notice.label.text()
    assert "Not added (3)" in text
    assert "empty.csv: the file is empty" in text
    assert "slides.pdf: not a log file type (.pdf)" in text
    assert "gone.csv" in text
    qtbot.waitUntil(lambda: file_names(window) == {"good.csv"}, timeout=5000)


def test_sorting_dropped_paths_without_a_window(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    write_log(folder, "x.tsv")
    (folder / ".hidden.csv").write_text("a")
    result = find_logs([folder, write_log(tmp_path, "y.ods"), tmp_path / "z.docx"])
    assert [p.name for p in result.accepted] == ["x.tsv", "y.ods"]
    assert [refusal.path.name for refusal in result.refused] == ["z.docx"]


def test_a_hundred_files_at_once(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    logs = [write_log(tmp_path / "many", f"log_{i:03}.csv", "SLOW 0") for i in range(100)]
    drop(window, logs)
    qtbot.waitUntil(lambda: window.model.total_jobs() == 100, timeout=10000)
    window.queue.shutdown(cancel_running=True)
