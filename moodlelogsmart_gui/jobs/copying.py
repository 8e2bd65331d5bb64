"""Input copies waiting their turn: at most ``width`` run at once on the file pool, so a drop
of a thousand files costs the GUI thread one line per file, not a thousand pool tasks."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal

from moodlelogsmart_gui.jobs.tasks import CopySignals, InputCopyTask


class CopyLine(QObject):
    """``copied(job_id, error)`` when a copy ends (queued to this object's thread)."""

    copied = Signal(str, object)

    def __init__(self, pool: QThreadPool, width: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._width = width
        self._tasks: dict[str, InputCopyTask] = {}
        self._waiting: deque[str] = deque()
        self._running = 0

    def add(self, job_id: str, source: Path, folder: Path, config: dict[str, object]) -> None:
        signals = CopySignals(self)
        signals.copied.connect(self._on_copied, Qt.ConnectionType.QueuedConnection)
        self._tasks[job_id] = InputCopyTask(job_id, source, folder, config, signals)
        self._waiting.append(job_id)

    def start(self, wanted: Callable[[str], bool] = lambda _job_id: True) -> None:
        """Start waiting copies up to the width; a copy no longer ``wanted`` ends at once."""
        while self._waiting and self._running < self._width:
            job_id = self._waiting.popleft()
            if not wanted(job_id):
                self._tasks.pop(job_id).signals.deleteLater()
                self.copied.emit(job_id, None)
                continue
            self._running += 1
            self._pool.start(self._tasks[job_id])

    def start_all(self) -> None:
        """Every waiting copy now (the app is closing: a complete copy runs next time)."""
        self._width = len(self._tasks) + self._running + 1
        self.start()

    def _on_copied(self, job_id: str, error: str | None) -> None:
        task = self._tasks.pop(job_id, None)
        if task is None:
            return
        self._running -= 1
        task.signals.deleteLater()
        self.copied.emit(job_id, error)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._tasks

    def __len__(self) -> int:
        return len(self._tasks)

    def ids(self) -> set[str]:
        return set(self._tasks)
