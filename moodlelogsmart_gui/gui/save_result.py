"""Saving a job's result ZIP: the save dialog, the copy off the GUI thread, one dialog at a time;
a batch of several files asks once for a folder (save_batch.py)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from moodlelogsmart_gui.gui.save_batch import Batch, BatchSaves
from moodlelogsmart_gui.jobs.results import copy_result, describe_os_error, result_file_name

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.background import BackgroundRunner
    from moodlelogsmart_gui.jobs.queue import JobQueue
    from moodlelogsmart_gui.jobs.store import Job

LAST_FOLDER_KEY = "save/last_folder"


def default_name(job: Job, now: float) -> str:
    """``<input stem>_enriched_<YYYYMMDD_HHMMSS>.zip`` (the time the job finished)."""
    return result_file_name(job.input_name, job.finished_at or now)


class ResultSaver(QObject):
    """Asks where to save, copies in the background, and queues the ready-to-save offers."""

    saved = Signal(str, str)  # job id, destination
    failed = Signal(str, str)  # job id, sentence

    def __init__(
        self,
        queue: JobQueue,
        window_state: QSettings,
        runner: BackgroundRunner,
        window: QWidget,
        ttl_hours: Callable[[], float],
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(window)
        self._queue = queue
        self._state = window_state
        self._runner = runner
        self._window = window
        self._ttl_hours = ttl_hours
        self._clock = clock
        self._waiting: deque[str] = deque()
        self._dialog_open = False
        self.ask_each = True
        self.batches = BatchSaves(queue, runner, self)
        self.batches.saved.connect(self.saved)

    # -- the ready-to-save offers ---------------------------------------------------------
    def offer(self, job_id: str) -> None:
        """A job completed: ask where to save it, now or when the current dialog closes;
        a job of a batch asks for the batch's folder once (then its results go there)."""
        if not self.ask_each or job_id in self._waiting:
            return
        batch = self.batches.batch_of(job_id)
        if batch is not None:
            if batch.asked or batch.question_waiting:
                return
            batch.question_waiting = True
        self._waiting.append(job_id)
        QTimer.singleShot(0, self._next_offer)

    def waiting(self) -> list[str]:
        return list(self._waiting)

    def window_activated(self) -> None:
        """The window came back to the front: ask about the results that became ready."""
        QTimer.singleShot(0, self._next_offer)

    def _next_offer(self) -> None:
        if self._dialog_open or not self._waiting or not self.ask_each:
            return
        if not self._window.isActiveWindow():
            return
        job_id = self._waiting.popleft()
        job = self._queue.job(job_id)
        batch = self.batches.batch_of(job_id)
        if batch is not None and not batch.asked:
            self._ask_batch(batch)
        elif batch is None and job is not None and job.result_available:
            self.save(job_id)
        else:
            QTimer.singleShot(0, self._next_offer)

    def _ask_batch(self, batch: Batch) -> None:
        title = self.tr("Choose a folder for the results of these %n file(s)", "", batch.files)
        self.batches.answer(batch, self._ask_folder(title))

    def save_many(self, job_ids: list[str]) -> None:
        """Several selected jobs: one folder for all their results."""
        ready = [job_id for job_id in job_ids if (job := self._queue.job(job_id))
                 and job.result_available]  # fmt: skip
        if len(ready) == 1:
            self.save(ready[0])
        elif ready:
            title = self.tr("Choose a folder for the %n selected result(s)", "", len(ready))
            folder = self._ask_folder(title)
            if folder is not None:
                self.batches.save_all(ready, folder)

    def _ask_folder(self, title: str) -> Path | None:
        """The folder chooser, starting where the last result was saved."""
        start = str(self._state.value(LAST_FOLDER_KEY, str(Path.home())))
        self._dialog_open = True
        try:
            chosen = QFileDialog.getExistingDirectory(self._window, title, start)
        finally:
            self._dialog_open = False
            QTimer.singleShot(0, self._next_offer)
        if not chosen:
            return None
        self._state.setValue(LAST_FOLDER_KEY, chosen)
        return Path(chosen)

    # -- saving -----------------------------------------------------------------------------
    def save(self, job_id: str) -> None:
        """Ask where to save the job's ZIP, then copy it there off the GUI thread."""
        job = self._queue.job(job_id)
        if job is None:
            return
        if job.expired or (job.state.has_result and not job.result_path):
            hours = f"{self._ttl_hours():g}"
            QMessageBox.information(
                self._window,
                self.tr("Result no longer available"),
                self.tr(
                    "The result was deleted after %1 h, as set in Settings; run the file again."
                ).replace("%1", hours),
            )
            return
        if not job.state.has_result or not job.result_path:
            return
        folder = str(self._state.value(LAST_FOLDER_KEY, str(Path.home())))
        suggested = str(Path(folder) / default_name(job, self._clock()))
        self._dialog_open = True
        try:
            chosen, _ = QFileDialog.getSaveFileName(
                self._window,
                self.tr("Save the enriched log of %1").replace("%1", job.input_name),
                suggested,
                self.tr("ZIP archive (*.zip)"),
            )
        finally:
            self._dialog_open = False
            QTimer.singleShot(0, self._next_offer)
        if not chosen:
            return
        dest = Path(chosen)
        if dest.suffix.lower() != ".zip":
            dest = dest.with_name(dest.name + ".zip")
        self._state.setValue(LAST_FOLDER_KEY, str(dest.parent))
        self.copy(job_id, Path(job.result_path), dest)

    def copy(self, job_id: str, src: Path, dest: Path) -> None:
        """Copy under a temporary name, then rename; the outcome arrives as a signal."""

        def done(_result: Any, error: BaseException | None) -> None:
            if error is None:
                self.saved.emit(job_id, str(dest))
                return
            sentence = (
                describe_os_error(error)
                if isinstance(error, OSError)
                else self.tr("The result could not be saved: %1").replace("%1", str(error))
            )
            self.failed.emit(job_id, sentence)
            QMessageBox.warning(self._window, self.tr("Could not save the result"), sentence)

        self._runner.run(lambda: copy_result(src, dest), done)
