"""The main window: drop zone, job table, details pane, status bar; wires them to the queue."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QItemSelection, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from moodlelogsmart_gui.gui.actions import JobActions
from moodlelogsmart_gui.gui.background import BackgroundRunner
from moodlelogsmart_gui.gui.details_pane import DetailsPane
from moodlelogsmart_gui.gui.drop_zone import DropZone, local_paths
from moodlelogsmart_gui.gui.file_intake import FileIntake
from moodlelogsmart_gui.gui.finish_notices import notify_finished
from moodlelogsmart_gui.gui.icons import app_icon
from moodlelogsmart_gui.gui.job_model import JOB_ROLE, Column, JobSortProxy, JobTableModel
from moodlelogsmart_gui.gui.job_view import JobTableView
from moodlelogsmart_gui.gui.log_files import file_dialog_filter
from moodlelogsmart_gui.gui.notifications import NoticeBar, Notifier
from moodlelogsmart_gui.gui.save_result import ResultSaver
from moodlelogsmart_gui.gui.selection_commands import SelectionCommands
from moodlelogsmart_gui.gui.settings_dialog import SettingsDialog
from moodlelogsmart_gui.gui.sort_arrow import point_sort_arrow_by_order
from moodlelogsmart_gui.gui.status_bar import JobStatusBar
from moodlelogsmart_gui.gui.window_menus import build_menus, confirm_quit, show_about
from moodlelogsmart_gui.jobs.queue import CLOSED_MESSAGE
from moodlelogsmart_gui.jobs.state import JobState

if TYPE_CHECKING:
    from moodlelogsmart_gui.jobs.queue import JobQueue
    from moodlelogsmart_gui.jobs.store import Job
    from moodlelogsmart_gui.paths import AppPaths
    from moodlelogsmart_gui.settings import LoadedSettings, Settings
    from moodlelogsmart_gui.settings_file import SettingsStore


def _items(count: int) -> str:
    return QCoreApplication.translate("MainWindow", "%n item(s)", "", count)


def window_state_file(paths: AppPaths) -> Path:
    """Window geometry and table columns, kept apart from the user's settings."""
    return paths.config / "window.ini"


class MainWindow(QMainWindow):
    """Everything a teacher or researcher sees; the queue does the work."""

    def __init__(
        self,
        queue: JobQueue,
        paths: AppPaths,
        loaded: LoadedSettings,
        settings_store: SettingsStore,
        *,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("MoodleLogSmart")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.queue = queue
        self.paths = paths
        self.settings = loaded.settings
        self.admin_locked = loaded.admin_locked
        self.settings_store = settings_store
        self.window_state = QSettings(
            str(window_state_file(paths)), QSettings.Format.IniFormat, self
        )
        self.runner = BackgroundRunner(self)
        self._selected_ids: set[str] = set()
        self._quitting = False
        self._queued_message = ""
        self.job_actions = JobActions(self)
        self.model = JobTableModel(queue, clock=clock, parent=self)
        self.proxy = JobSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build_central(clock)
        self.status = JobStatusBar(queue, paths.jobs, self.runner, clock, self)
        self.setStatusBar(self.status)
        self.saver = ResultSaver(
            queue, self.window_state, self.runner, self,
            lambda: self.settings.ttl_completed_hours, clock,
        )  # fmt: skip
        self.saver.saved.connect(self._on_saved)
        self.intake = FileIntake(queue, self.runner, self)
        self.intake.finished.connect(self._on_intake_finished)
        self.intake.queued.connect(self.saver.batches.add)
        self.saver.batches.report.connect(self.notice.show_notice)
        self.saver.batches.status.connect(lambda text: self.status.showMessage(text, 10000))
        self.notifier = Notifier(self, self.windowIcon())
        self.commands = SelectionCommands(self)
        build_menus(self)
        self._connect()
        self._restore_state()
        self._update_layout()
        self._on_selection_changed()

    # -- building ----------------------------------------------------------------------------
    def _build_central(self, clock: Callable[[], float]) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.setSpacing(8)
        self.notice = NoticeBar(central)
        self.drop_zone = DropZone(central)
        self.table = JobTableView(central)
        self.table.setModel(self.proxy)
        self.table.apply_default_widths()
        self.table.sortByColumn(Column.STARTED, Qt.SortOrder.DescendingOrder)
        point_sort_arrow_by_order(self.table.horizontalHeader())
        self.details = DetailsPane(central, clock)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([780, 400])
        layout.addWidget(self.drop_zone)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.notice)  # below: coming and going never moves a row
        self.setCentralWidget(central)
        self.setTabOrder(self.drop_zone.add_button, self.table)
        self.setTabOrder(self.table, self.details)

    def _connect(self) -> None:
        a = self.job_actions
        a.add_files.triggered.connect(self.choose_files)
        c = self.commands
        a.save.triggered.connect(c.save)
        a.cancel.triggered.connect(c.cancel)
        a.retry.triggered.connect(c.retry)
        a.remove.triggered.connect(c.remove)
        a.show_log.triggered.connect(c.show_selected_log)
        a.details.toggled.connect(self.details.setVisible)
        a.settings.triggered.connect(self.open_settings)
        a.quit.triggered.connect(self.close)
        a.about.triggered.connect(lambda: show_about(self))
        a.ask_each.toggled.connect(self._set_ask_each)
        self.drop_zone.paths_dropped.connect(self.add_paths)
        self.drop_zone.add_files_requested.connect(self.choose_files)
        self.details.save_requested.connect(self.saver.save)
        self.details.show_log_requested.connect(c.show_log)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.context_menu_requested.connect(self._context_menu)
        self.table.activated_job.connect(lambda: a.details.setChecked(True))
        self.queue.job_updated.connect(self._on_job_changed)
        self.queue.job_finished.connect(self._on_job_finished)
        self.queue.job_removed.connect(lambda _id: self._on_selection_changed())
        self.queue.purge_finished.connect(lambda _report: self._refresh_selected())
        self.queue.counts_changed.connect(self._on_counts_changed)
        self.queue.jobs_changed.connect(self._refresh_selected)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        self.model.rowsRemoved.connect(lambda *_: self._update_layout())
        self.model.modelReset.connect(self._update_layout)

    # -- state of the window ---------------------------------------------------------------
    def _restore_state(self) -> None:
        state = self.window_state
        geometry = state.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 750)
        header = state.value("table/header")
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
            self.table.fit_restored_widths()
        splitter = state.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        ask = str(state.value("save/ask_each", "true")).lower() != "false"
        self.job_actions.ask_each.setChecked(ask)
        self.saver.ask_each = ask
        details = str(state.value("window/details", "true")).lower() != "false"
        self.job_actions.details.setChecked(details)

    def save_window_state(self) -> None:
        state = self.window_state
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("window/splitter", self.splitter.saveState())
        state.setValue("table/header", self.table.horizontalHeader().saveState())
        state.setValue("window/details", self.job_actions.details.isChecked())
        state.sync()

    def _set_ask_each(self, on: bool) -> None:
        self.saver.ask_each = on
        self.window_state.setValue("save/ask_each", on)

    def _update_layout(self) -> None:
        """Large drop zone while there are no jobs; then a band above the table."""
        has_jobs = self.model.rowCount() > 0
        self.drop_zone.set_compact(has_jobs)
        self.splitter.setVisible(has_jobs)

    def _on_rows_inserted(self, *_: object) -> None:
        self._update_layout()
        if not self.table.selectionModel().hasSelection() and self.proxy.rowCount():
            self.table.selectRow(0)

    # -- selection ---------------------------------------------------------------------------
    def selected_jobs(self) -> list[Job]:
        rows = self.table.selectionModel().selectedRows()
        jobs = [index.data(JOB_ROLE) for index in rows]
        return [job for job in jobs if job is not None]

    def select_job(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())

    def _on_selection_changed(
        self, _selected: QItemSelection | None = None, _deselected: QItemSelection | None = None
    ) -> None:
        jobs = self.selected_jobs()
        self._selected_ids = {job.id for job in jobs}
        self.job_actions.update_for(jobs)
        current = jobs[0] if len(jobs) == 1 else None
        if current is None or current.id != self.details.job_id():
            self.details.show_job(current)

    def _on_job_changed(self, job_id: str) -> None:
        if job_id == self.details.job_id():
            self.details.show_job(self.queue.job(job_id))
        if job_id in self._selected_ids:
            self.job_actions.update_for(self.selected_jobs())

    def _refresh_selected(self) -> None:
        """Purge or new settings: the pane, the actions and the menus show the jobs as the
        queue has them now (a purged result offers no Save)."""
        current = self.details.job_id()
        if current is not None:
            self.details.show_job(self.queue.job(current))
        self.job_actions.update_for(self.selected_jobs())

    def _on_counts_changed(self, _running: int, queued: int) -> None:
        """'3 files queued.' goes once nothing waits any more."""
        if queued == 0 and self.status.currentMessage() == self._queued_message:
            self.status.clearMessage()

    def _on_job_finished(self, job_id: str) -> None:
        self._on_job_changed(job_id)
        job = self.queue.job(job_id)
        if job is None:
            return
        notify_finished(self, job)
        if job.state.has_result:
            self.saver.offer(job_id)

    def _context_menu(self, global_pos: QPoint) -> None:
        self.job_actions.context_menu(self).exec(global_pos)

    # -- commands ----------------------------------------------------------------------------
    def choose_files(self) -> None:
        folder = str(self.window_state.value("add/last_folder", str(Path.home())))
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Choose Moodle log files"), folder, file_dialog_filter()
        )
        if files:
            self.window_state.setValue("add/last_folder", str(Path(files[0]).parent))
            self.add_paths([Path(name) for name in files])

    def add_paths(self, paths: list[Path]) -> None:
        """Queue the log files among ``paths`` (folders included); refusals are listed."""
        if paths:
            self.status.showMessage(self.tr("Checking %1…").replace("%1", _items(len(paths))))
            self.intake.add(paths)

    def _on_intake_finished(self, job_ids: list[str], refused: list[tuple[str, str]]) -> None:
        if job_ids:
            count = len(job_ids)
            self._queued_message = self.tr("%n file(s) queued.", "", count)
            self.status.showMessage(self._queued_message, 8000)
        if refused:
            lines = [f"• {name}: {reason}" if name else f"• {reason}" for name, reason in refused]
            shown = lines[:8]
            if len(lines) > 8:
                shown.append(self.tr("… and %1 more.").replace("%1", str(len(lines) - 8)))
            self.notice.show_notice(
                self.tr("Not added (%1):").replace("%1", str(len(refused)))
                + "\n"
                + "\n".join(shown)
            )
            if not job_ids:
                self.status.showMessage(self.tr("Nothing was added."), 8000)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(
            self.settings, self.admin_locked, self.settings_store,
            self.queue, self.paths, self.runner, self,
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_saved.connect(self._on_settings_saved)
        dialog.open()
        return dialog

    def _on_settings_saved(self, settings: Settings) -> None:
        self.settings = settings
        self.model.refresh_rows()
        self._refresh_selected()
        self.status.update_next_purge()
        self.status.showMessage(self.tr("Settings saved and applied."), 6000)

    def _on_saved(self, _job_id: str, dest: str) -> None:
        self.status.showMessage(self.tr("Saved %1").replace("%1", dest), 10000)

    # -- window events -------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.notifier.seen()
            self.saver.window_activated()

    def set_drop_target(self, on: bool) -> None:
        """Show where dropped files go: the drop band and the table light up."""
        self.drop_zone.set_drop_target(on)
        self.table.set_drop_target(on)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            self.set_drop_target(True)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.set_drop_target(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.set_drop_target(False)
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._quitting and self.queue.running_count() and not confirm_quit(self, self.queue):
            event.ignore()
            return
        for job in self.queue.jobs():
            if job.state is JobState.RUNNING:
                self.queue.cancel(job.id, CLOSED_MESSAGE)
        self.save_window_state()
        event.accept()

    def quit_now(self) -> None:
        """Logging out or ``kill``: cancel the running jobs, close without asking, quit."""
        self._quitting = True
        for widget in QApplication.topLevelWidgets():
            if widget is not self and widget.isVisible():
                widget.close()
        self.close()
        QApplication.quit()

    def receive_files(self, paths: list[Path]) -> None:
        """Files from a second launch (command line or desktop entry): queue them and come
        to the front."""
        if paths:
            self.add_paths(paths)
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()
        QApplication.alert(self, 0)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        QTimer.singleShot(0, self.saver.window_activated)
