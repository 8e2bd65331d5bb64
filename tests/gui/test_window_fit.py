"""The window on an ordinary laptop screen: in English and in Portuguese the File column keeps
the room its names need at 1400 px, and the Settings dialog (with Save) fits a 768 px screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from moodlelogsmart_gui.gui.job_model import Column
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.gui.translation import install_translators
from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings_file import SettingsStore
from tests.gui.test_window_layout import run_one

NAME = "Turma_B_Engenharia_2024_logs.csv"


@pytest.fixture(params=["en_GB", "pt_BR"])
def language_window(
    request: Any,
    qapp: QApplication,
    qtbot: Any,
    queue: JobQueue,
    paths: AppPaths,
    settings_store: SettingsStore,
) -> Iterator[MainWindow]:
    translators = install_translators(qapp, {"MOODLELOGSMART_LANG": request.param})
    main = MainWindow(queue, paths, settings_store.load(), settings_store)
    qtbot.addWidget(main)
    main.resize(1400, 860)
    main.show()
    qtbot.waitExposed(main)
    try:
        yield main
    finally:
        main.runner.wait(10_000)
        for translator in translators:
            qapp.removeTranslator(translator)


def test_the_file_column_keeps_the_room_its_names_need(
    language_window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    window = language_window
    run_one(window, qtbot, tmp_path, NAME)
    QApplication.processEvents()
    table = window.table
    needed = table.fontMetrics().horizontalAdvance(NAME) + 12
    assert table.columnWidth(Column.FILE) >= needed
    # the other columns still fit their widest values
    for column, width in table.content_widths().items():
        if column != Column.FILE:
            assert table.columnWidth(column) >= width
    # and the name is readable where the table is: its cell is inside the visible viewport
    table.scrollTo(table.model().index(0, Column.FILE))
    cell: QRect = table.visualRect(table.model().index(0, Column.FILE))
    assert cell.left() >= 0
    assert cell.width() >= needed
    # after a narrower window, still the room it needs (the table scrolls sideways instead)
    window.resize(1000, 700)
    QApplication.processEvents()
    assert table.columnWidth(Column.FILE) >= needed
    window.resize(1400, 860)
    QApplication.processEvents()
    assert table.columnWidth(Column.FILE) >= needed


def test_the_settings_dialog_fits_a_768_px_screen_with_save_in_sight(
    language_window: MainWindow, qtbot: Any
) -> None:
    dialog = language_window.open_settings()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    assert dialog.height() <= 740
    assert dialog.sizeHint().height() <= 740 or dialog.maximumHeight() <= 740
    save = dialog.save_button
    assert save.isVisible()
    top_left = save.mapTo(dialog, QPoint(0, 0))
    assert QRect(top_left, save.size()) == QRect(top_left, save.size()).intersected(dialog.rect())
    # every setting is still reachable: the settings scroll, the buttons do not
    last = list(dialog.fields.values())[-1]
    dialog.settings_scroll.ensureWidgetVisible(last.editor)
    QApplication.processEvents()
    editor_top = last.editor.mapTo(dialog.settings_scroll.viewport(), QPoint(0, 0))
    assert dialog.settings_scroll.viewport().rect().contains(editor_top)
    assert save.mapTo(dialog, QPoint(0, 0)) == top_left
    dialog.reject()


def test_the_wheel_scrolls_the_settings_and_never_changes_a_value_it_passes(
    window: MainWindow, qtbot: Any
) -> None:
    dialog = window.open_settings()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    field = dialog.fields["ttl_completed_hours"]
    bar = dialog.settings_scroll.verticalScrollBar()
    assert bar.maximum() > 0  # the settings are taller than the dialog: they scroll
    before, where = field.editor.value(), bar.value()
    centre = QPointF(field.editor.rect().center())
    wheel = QWheelEvent(
        centre, field.editor.mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(field.editor, wheel)
    QApplication.processEvents()
    assert field.editor.value() == before
    assert bar.value() > where
    dialog.reject()
