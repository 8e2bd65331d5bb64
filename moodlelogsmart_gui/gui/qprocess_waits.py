"""GIL-friendly ``QProcess.waitForReadyRead`` / ``waitForFinished`` for the window's process.

PySide6 keeps Python's GIL while these calls block, so a job runner thread waiting on its
worker (jobs/runner.py does, up to 200 ms a call, in a loop) freezes every other Python thread,
the GUI thread included: the window stalled for seconds while two jobs ran. These replacements
poll with a zero timeout and sleep in between (``time.sleep`` releases the GIL). Installed by
``app.build``; harmless once the runner waits differently.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QProcess

POLL_SECONDS = 0.004
_original: dict[str, object] = {}


def _deadline(msecs: int) -> float | None:
    return None if msecs < 0 else time.monotonic() + msecs / 1000


def wait_for_ready_read(process: QProcess, msecs: int = 30000) -> bool:
    """Like ``QProcess.waitForReadyRead``, without holding the GIL while waiting."""
    ready = _original["waitForReadyRead"]
    deadline = _deadline(msecs)
    while True:
        if ready(process, 0):  # type: ignore[operator]
            return True
        if process.state() == QProcess.ProcessState.NotRunning:
            return False
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


def wait_for_finished(process: QProcess, msecs: int = 30000) -> bool:
    """Like ``QProcess.waitForFinished``, without holding the GIL while waiting."""
    finished = _original["waitForFinished"]
    if process.state() == QProcess.ProcessState.NotRunning:
        return bool(finished(process, 0))  # type: ignore[operator]
    deadline = _deadline(msecs)
    while True:
        if finished(process, 0):  # type: ignore[operator]
            return True
        if process.state() == QProcess.ProcessState.NotRunning:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


def install() -> bool:
    """Replace the two waits process-wide (once); False if already installed."""
    if _original:
        return False
    _original["waitForReadyRead"] = QProcess.waitForReadyRead
    _original["waitForFinished"] = QProcess.waitForFinished
    QProcess.waitForReadyRead = wait_for_ready_read  # type: ignore[method-assign,assignment]
    QProcess.waitForFinished = wait_for_finished  # type: ignore[method-assign,assignment]
    return True
