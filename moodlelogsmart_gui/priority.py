"""A lower CPU priority for the app's own background threads (Linux).

The file pool's threads copy dropped files into the job folders, two at a time, right when
the window thread has the most to do (a drop of 300 files: rows, repaints, the first jobs).
They share the window's process, so the process's nice value cannot tell them apart; on
Linux a thread has its own nice value, and :func:`lower_thread_priority` lowers the calling
thread's only, so that the window thread of the same process goes first. (The workers are
other processes: see docs/architecture.md, "CPU priority behind the window".)
"""

from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICE = 10


def lower_thread_priority(nice: int = BACKGROUND_NICE) -> bool:
    """Linux: the calling thread (only it) runs at ``nice`` or lower priority from now on;
    True when it does."""
    if not sys.platform.startswith("linux"):
        return False
    thread = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, thread) >= nice:
            return True
        os.setpriority(os.PRIO_PROCESS, thread, nice)
    except OSError:
        return False
    return True
