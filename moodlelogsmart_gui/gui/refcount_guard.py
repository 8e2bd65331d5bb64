"""A stop-gap for PySide6 6.12.0 on Python 3.11: its bindings drop one reference to ``None`` on
every call of a void Qt method from Python, and one to ``True`` on every ``Signal.emit``. Those
objects are not immortal before Python 3.12, so a long session aborts ("deallocating None").

The real fix is a PySide6 without the bug (6.11.3 has none); until then this keeps a reserve of
references and tops it up from a timer. It does nothing on versions without the bug.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6 import __version_info__ as pyside_version
from PySide6.QtCore import QObject, QTimer

AFFECTED_VERSIONS = ((6, 12, 0),)
FLOOR = 400_000
"""Top up when a count falls below this; a reserve twice as large is kept (about 10 MB)."""


def is_affected() -> bool:
    """True for the PySide6 releases with the bug, on a Python without immortal singletons."""
    return tuple(pyside_version[:3]) in AFFECTED_VERSIONS and sys.version_info < (3, 12)


class RefcountGuard(QObject):
    """Keeps ``None``, ``True`` and ``False`` far from a zero reference count."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 200) -> None:
        super().__init__(parent)
        self.top_ups = 0
        self.top_up()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.top_up)
        self._timer.start()

    def top_up(self) -> None:
        for singleton in (None, True, False):
            count = sys.getrefcount(singleton)
            if count < FLOOR:
                reserve = [singleton] * (2 * FLOOR - count)
                # The reserve itself is leaked on purpose: freeing it at exit would hand the
                # lost references back as a crash.
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(reserve))
                self.top_ups += 1


def install_if_needed(parent: QObject) -> RefcountGuard | None:
    """Start the guard when this PySide6 needs it (call once, before the window is built)."""
    return RefcountGuard(parent) if is_affected() else None
