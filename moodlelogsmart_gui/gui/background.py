"""Run a function on a QThreadPool and get its result back on the GUI thread.

The callback is always invoked through a queued connection on an object that lives in the
GUI thread, so it may touch widgets; the function itself must never do so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

Callback = Callable[[Any, BaseException | None], None]


class _Relay(QObject):
    """Lives in the GUI thread; carries one result across the thread boundary."""

    finished = Signal(object, object)

    def __init__(self, owner: BackgroundRunner, callback: Callback) -> None:
        super().__init__()
        self._owner = owner
        self._callback = callback
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object)
    def _deliver(self, result: Any, error: BaseException | None) -> None:
        self._owner._relays.discard(self)
        try:
            self._callback(result, error)
        finally:
            self.deleteLater()


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as err:  # delivered to the callback, which decides
            self._relay.finished.emit(None, err)
        else:
            self._relay.finished.emit(result, None)


class BackgroundRunner(QObject):
    """Owns a small thread pool for the window's own I/O (folder sizes, copies, log reads)."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._relays: set[_Relay] = set()

    def run(self, fn: Callable[[], Any], callback: Callback) -> None:
        """Run ``fn()`` off the GUI thread; ``callback(result, error)`` runs on the GUI thread."""
        relay = _Relay(self, callback)
        self._relays.add(relay)
        self.pool.start(_Task(fn, relay))

    def pending(self) -> int:
        """How many results have not been delivered yet."""
        return len(self._relays)

    def wait(self, msecs: int = 30000) -> bool:
        """Wait for running tasks (used at shutdown and in tests)."""
        return self.pool.waitForDone(msecs)
