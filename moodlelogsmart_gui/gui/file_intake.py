"""Turning dropped or chosen paths into jobs without stalling the window.

Folders are walked and files checked on the thread pool (the one intake, ``find_logs``); the
jobs are then submitted twenty at a time from the event loop, each batch one history
transaction, so dropping a thousand files never freezes the window (a batch costs the window
thread about 0.3 ms a file: twenty keep each turn of the event loop short).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from moodlelogsmart_gui.gui.log_files import refusal_text
from moodlelogsmart_gui.jobs.intake import FoundLogs, find_logs
from moodlelogsmart_gui.jobs.queue import JobSubmitError

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.background import BackgroundRunner
    from moodlelogsmart_gui.jobs.queue import JobQueue

BATCH = 20
"""Jobs submitted per event-loop turn (one history transaction each; copies run two at a time)."""


class FileIntake(QObject):
    """Emits ``finished(job_ids, refused)`` once per drop; refused is [(name, reason)].

    ``queued(drop, accepted, job_ids, last)`` comes for each twenty queued, as soon as they
    are (before any of them can finish): ``drop`` numbers the drops and picks, ``accepted``
    is how many files of that drop may be logs, ``last`` says the drop is all queued.
    """

    finished = Signal(list, list)
    queued = Signal(int, int, list, bool)

    def __init__(self, queue: JobQueue, runner: BackgroundRunner, parent: QObject | None = None):
        super().__init__(parent)
        self._queue = queue
        self._runner = runner
        self._drops = 0

    def add(self, paths: list[Path]) -> None:
        """Check ``paths`` off the GUI thread, then queue what may be a log."""
        if not paths:
            return
        self._runner.run(lambda: find_logs(list(paths)), self._sorted)

    def _sorted(self, result: Any, error: BaseException | None) -> None:
        if error is not None or not isinstance(result, FoundLogs):
            self.finished.emit([], [("", str(error))])
            return
        refused = [refusal_text(refusal) for refusal in result.refused]
        self._drops += 1
        drop = (self._drops, len(result.accepted))
        self._submit_batch(list(result.accepted), [], refused, drop)

    def _submit_batch(
        self,
        todo: list[Path],
        job_ids: list[str],
        refused: list[tuple[str, str]],
        drop: tuple[int, int],
    ) -> None:
        try:
            added, not_added = self._queue.submit_many(todo[:BATCH])
        except (JobSubmitError, OSError) as err:
            added, not_added = [], [(path, str(err)) for path in todo[:BATCH]]
        job_ids.extend(added)
        refused.extend((path.name, sentence) for path, sentence in not_added)
        rest = todo[BATCH:]
        self.queued.emit(*drop, added, not rest)
        if rest:
            QTimer.singleShot(0, lambda: self._submit_batch(rest, job_ids, refused, drop))
            return
        self.finished.emit(job_ids, refused)
