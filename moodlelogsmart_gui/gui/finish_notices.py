"""What the window says when jobs end while the person is elsewhere: a desktop notification
for a job on its own, and one for a whole batch (a drop of several files) when its last job
ends; three hundred files are one notification, not three hundred.

Texts keep the ``MainWindow`` translation context they had when this was its method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from moodlelogsmart_gui.jobs.state import JobState

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.main_window import MainWindow
    from moodlelogsmart_gui.jobs.store import Job


def _tr(text: str, count: int = -1) -> str:
    return QCoreApplication.translate("MainWindow", text, "", count)


def in_front(window: MainWindow) -> bool:
    """The window, or a dialog of its own (a Save or folder question), has the focus."""
    active = QApplication.activeWindow()
    return window.isActiveWindow() or (active is not None and active.parentWidget() is window)


def finished_title(job: Job) -> str:
    if job.state is JobState.COMPLETED:
        return _tr("%1 is ready to save").replace("%1", job.input_name)
    if job.state is JobState.FAILED:
        return _tr("%1 failed").replace("%1", job.input_name)
    return _tr("%1 was cancelled").replace("%1", job.input_name)


def notify_finished(window: MainWindow, job: Job) -> None:
    """Called once the queue has recorded ``job``'s end (and the batches have seen it)."""
    if in_front(window):
        return
    batch = window.saver.batches.batch_of(job.id)
    if batch is None:
        window.notifier.notify(finished_title(job), job.message or job.input_name)
        return
    if not batch.all_queued or len(batch.ended) < len(batch.jobs):
        return
    ended = [window.queue.job(job_id) for job_id in batch.jobs]
    completed = sum(1 for one in ended if one is not None and one.state is JobState.COMPLETED)
    title = _tr("%n file(s) processed", len(batch.jobs))
    message = _tr("%1 completed, %2 failed or cancelled.")
    window.notifier.notify(
        title, message.replace("%1", str(completed)).replace("%2", str(len(ended) - completed))
    )
