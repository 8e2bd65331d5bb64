"""The window's actions (menus, toolbar, context menu, keys), enabled by the selected jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

if TYPE_CHECKING:
    from moodlelogsmart_gui.jobs.store import Job


class JobActions(QObject):
    """One QAction per command; :meth:`update_for` enables them by the selected jobs' states."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.add_files = self._make(window, self.tr("&Add files…"), QKeySequence.StandardKey.Open)
        self.add_files.setToolTip(self.tr("Add Moodle log files (Ctrl+O)"))
        self.save = self._make(window, self.tr("&Save result…"), QKeySequence.StandardKey.Save)
        self.save.setToolTip(
            self.tr("Save the enriched ZIP of the selected job, or several into a folder (Ctrl+S)")
        )
        self.cancel = self._make(window, self.tr("&Cancel job"))
        self.retry = self._make(window, self.tr("&Retry"))
        self.retry.setToolTip(self.tr("Run the same file again as a new job"))
        self.retry.setShortcut(QKeySequence("Ctrl+R"))
        self.remove = self._make(window, self.tr("Re&move from history"), "Delete")
        self.show_log = self._make(window, self.tr("Show &log"), "Ctrl+L")
        self.details = self._make(window, self.tr("&Details"), "Ctrl+D")
        self.details.setCheckable(True)
        self.details.setChecked(True)
        self.details.setToolTip(self.tr("Show or hide the details pane"))
        self.settings = self._make(window, self.tr("&Settings…"), "Ctrl+,")
        self.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit = self._make(window, self.tr("&Quit"), QKeySequence.StandardKey.Quit)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.ask_each = self._make(
            window, self.tr("Ask where to save each result when it is ready")
        )
        self.ask_each.setCheckable(True)
        self.ask_each.setChecked(True)
        self.about = self._make(window, self.tr("&About MoodleLogSmart"))
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.update_for([])

    @staticmethod
    def _make(
        window: QWidget, text: str, shortcut: QKeySequence.StandardKey | str | None = None
    ) -> QAction:
        action = QAction(text, window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        window.addAction(action)
        return action

    def job_actions(self) -> list[QAction]:
        return [self.save, self.cancel, self.retry, self.remove, self.show_log]

    def update_for(self, jobs: list[Job]) -> None:
        """Save needs a completed, unexpired job (several save into one folder); Cancel a
        queued/running one; and so on."""
        single = jobs[0] if len(jobs) == 1 else None
        self.save.setEnabled(any(job.result_available for job in jobs))
        self.cancel.setEnabled(any(job.state.can_cancel for job in jobs))
        self.retry.setEnabled(any(job.state.can_retry for job in jobs))
        self.remove.setEnabled(bool(jobs) and all(job.state.can_remove for job in jobs))
        self.show_log.setEnabled(single is not None and single.state.has_log)

    def context_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        menu.addAction(self.save)
        menu.addAction(self.show_log)
        menu.addAction(self.details)
        menu.addSeparator()
        menu.addAction(self.cancel)
        menu.addAction(self.retry)
        menu.addSeparator()
        menu.addAction(self.remove)
        return menu
