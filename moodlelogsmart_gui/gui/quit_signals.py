"""SIGTERM (a desktop session logging out, ``kill``) and SIGINT (Ctrl+C) quit the window cleanly.

Python runs signal handlers only between bytecodes, never while Qt's event loop waits in C++;
so the signal number is written to a socket pair (``signal.set_wakeup_fd``) that a
QSocketNotifier watches, and the quit happens on the event loop like any other event.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

log = logging.getLogger(__name__)

QUIT_SIGNALS: tuple[signal.Signals, ...] = tuple(
    sig for sig in (getattr(signal, "SIGTERM", None), signal.SIGINT) if sig is not None
)


def _note(_signum: int, _frame: FrameType | None) -> None:
    """The Python-level handler only has to exist (so the default action is not taken)."""


class QuitOnSignal(QObject):
    """Emits ``requested(signum)`` on the event loop when SIGTERM or SIGINT arrives."""

    requested = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}
        for sig in QUIT_SIGNALS:
            self._previous[int(sig)] = signal.signal(sig, _note)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)

    def _on_wakeup(self, *_: object) -> None:
        try:
            data = self._reader.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        wanted = {int(sig) for sig in QUIT_SIGNALS}
        for signum in data:
            if signum in wanted:
                log.info("signal %d received: cancelling running jobs and quitting", signum)
                self.requested.emit(signum)
                return

    def restore(self) -> None:
        """Give the signals and the wake-up descriptor back as they were."""
        self._notifier.setEnabled(False)
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._reader.close()
        self._writer.close()
