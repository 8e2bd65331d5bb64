"""The Qt binding in use must not leak references on signal emission.

PySide6-Essentials 6.12.0 loses a reference to ``True`` on every ``Signal.emit()`` and to
``None`` on many void calls; on Python 3.11 a long-running app or command line then aborts
("deallocating True"). pyproject.toml keeps that release out; this test keeps it out for good.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal


class _Emitter(QObject):
    ping = Signal(str)


def test_signal_emission_and_void_calls_keep_reference_counts(qapp: object) -> None:
    emitter, timer = _Emitter(), QTimer()
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(200):
        emitter.ping.emit("x")
        timer.stop()
    # A little slack for unrelated references taken meanwhile; the bug loses 200 of each.
    assert true_before - sys.getrefcount(True) < 20
    assert none_before - sys.getrefcount(None) < 20
