"""Input copies waiting their turn: at most ``width`` run at once on the file pool, so a drop
of a thousand files costs the GUI thread one line per file, not a thousand pool tasks.

The copies that end are reported together, once per turn of the event loop (``copied``
with a list): two copy threads finish a small log every few milliseconds, and handling each
on its own (a dispatch, a count, a repaint) was most of the window's work after a drop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal

from moodlelogsmart_gui.jobs.tasks import CopySignals, InputCopyTask

Ended = list[tuple[str, str | None]]
"""(job id, error sentence or None) of each copy that ended, in the order they ended."""


class CopyLine(QObject):
    """``copied(ended)`` when copies end (in this object's thread, once per event-loop turn)."""

    copied = Signal(list)

    def __init__(self, pool: QThreadPool, width: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._width = width
        self._tasks: dict[str, InputCopyTask] = {}
        self._waiting: deque[str] = deque()
        self._running = 0
        self._signals = CopySignals(self)  # one for every task: the job id says which
        self._signals.copied.connect(self._on_copied, Qt.ConnectionType.QueuedConnection)
        self._ended: Ended = []
        self._report = QTimer(self)
        self._report.setSingleShot(True)
        self._report.setInterval(0)
        self._report.timeout.connect(self._send)

    def add(self, job_id: str, source: Path, folder: Path, config: dict[str, object]) -> None:
        self._tasks[job_id] = InputCopyTask(job_id, source, folder, config, self._signals)
        self._waiting.append(job_id)

    def start(self, wanted: Callable[[str], bool] = lambda _job_id: True) -> None:
        """Start waiting copies up to the width; a copy no longer ``wanted`` ends at once."""
        while self._waiting and self._running < self._width:
            job_id = self._waiting.popleft()
            if not wanted(job_id):
                self._end(job_id, None)
                continue
            self._running += 1
            self._pool.start(self._tasks[job_id])

    def start_all(self) -> None:
        """Every waiting copy now (the app is closing: a complete copy runs next time)."""
        self._width = len(self._tasks) + self._running + 1
        self.start()

    def _on_copied(self, job_id: str, error: str | None) -> None:
        if job_id not in self._tasks:
            return
        self._running -= 1
        self._end(job_id, error)

    def _end(self, job_id: str, error: str | None) -> None:
        """The copy is over; it counts as in progress until reported (``_send``)."""
        self._ended.append((job_id, error))
        if not self._report.isActive():
            self._report.start()

    def _send(self) -> None:
        ended, self._ended = self._ended, []
        for job_id, _error in ended:
            self._tasks.pop(job_id, None)
        if ended:
            self.copied.emit(ended)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._tasks

    def __len__(self) -> int:
        return len(self._tasks)

    def ids(self) -> set[str]:
        return set(self._tasks)
