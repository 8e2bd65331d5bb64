"""The commands on the jobs selected in the window: Save, Retry, Delete, Cancel, Show log.

Texts keep the ``MainWindow`` translation context they had when these were its methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt

from moodlelogsmart_gui.gui.log_viewer import LogViewer
from moodlelogsmart_gui.gui.window_menus import confirm_remove
from moodlelogsmart_gui.jobs.queue import JobSubmitError

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.main_window import MainWindow


class SelectionCommands:
    """What the job actions do to the window's selection (connected in ``MainWindow``)."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def save(self) -> None:
        """One job: the Save dialog; several: one folder for all their results."""
        jobs = self._window.selected_jobs()
        if len(jobs) == 1:
            self._window.saver.save(jobs[0].id)
        elif jobs:
            self._window.saver.save_many([job.id for job in jobs])

    def retry(self) -> None:
        """Every finished job runs again as a new job, with the same options."""
        for job in self._window.selected_jobs():
            try:
                if job.state.can_retry:
                    self._window.queue.rerun(job.id)
            except JobSubmitError as err:
                self._window.notice.show_notice(f"{job.input_name}: {err}")

    def remove(self) -> None:
        """Remove the selected jobs; a result that is still kept is only deleted once the
        person has said so (one wrong click on Delete loses nothing)."""
        window = self._window
        jobs = [job for job in window.selected_jobs() if job.state.can_remove]
        kept = [job for job in jobs if job.result_available]
        if kept and not confirm_remove(window, jobs, kept):
            return
        for job in jobs:
            try:
                window.queue.remove(job.id)
            except JobSubmitError as err:
                window.notice.show_notice(f"{job.input_name}: {err}")
        if jobs:
            count = len(jobs)
            text = QCoreApplication.translate(
                "MainWindow", "%n job(s) removed from the history.", "", count
            )
            window.status.showMessage(text, 6000)

    def cancel(self) -> None:
        for job in self._window.selected_jobs():
            if job.state.can_cancel:
                self._window.queue.cancel(job.id)

    def show_selected_log(self) -> None:
        jobs = self._window.selected_jobs()
        if len(jobs) == 1:
            self.show_log(jobs[0].id)

    def show_log(self, job_id: str) -> None:
        window = self._window
        job = window.queue.job(job_id)
        name = job.input_name if job else job_id
        viewer = LogViewer(name, window.queue.log_path(job_id), window.runner, window)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
