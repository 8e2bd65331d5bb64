"""Lower CPU priorities for the work behind the window: worker sessions and file threads.

The window starts its workers behind ``nice -n 10`` so that it keeps the processor it needs
while jobs use every core. But every worker process starts its own session (its own process
group, for the watchdog), and on Linux with ``kernel.sched_autogroup_enabled`` (the default
of many distributions) each session is one scheduling group whose *group* weight is that of
a nice-0 process: a process's own nice value then only orders it against the other
processes of its session, which a worker has none of. So each niced worker still took the
same share of a core as the whole window, and a drop of 300 files (the fork server, spares
and the first jobs starting at once) left the window thread waiting on the run queue for
60-200 ms at a time (measured: see benchmarks/bench_drop.py and docs/architecture.md).

:func:`lower_session_priority` is called first thing by every worker process (cold or
forked spare, launcher, fork server, job worker): a process that leads its own session and
runs at a lowered priority (nice > 0) gives its session's scheduling group the same nice
value. The command line's workers run at nice 0 and are left as they are. Best effort:
another system, no autogroup, or a refused write leaves the priority as it was.

:func:`lower_thread_priority` does the same for one thread of the app (Linux only, where a
thread has its own nice value): the file pool's threads, which copy dropped files in two at
a time, then yield to the window thread of the same process.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
import time
from pathlib import Path

AUTOGROUP_FILE = Path("/proc/self/autogroup")
RETRIES = 3
RETRY_SECONDS = 0.11  # the kernel takes one unprivileged autogroup change per 100 ms
BACKGROUND_NICE = 10


def current_nice() -> int:
    """This process's nice value (0 where there is none)."""
    if not hasattr(os, "getpriority"):
        return 0
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except OSError:
        return 0


def autogroup_nice(path: Path = AUTOGROUP_FILE) -> int | None:
    """The nice value of this process's scheduling group (``/autogroup-N nice V``), or None
    where there is no autogroup."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, ValueError):
        return None
    parts = text.split()
    if len(parts) == 3 and parts[1] == "nice":
        with contextlib.suppress(ValueError):
            return int(parts[2])
    return None


def lower_session_priority(path: Path = AUTOGROUP_FILE) -> bool:
    """Give this session's scheduling group this process's nice value if the process runs
    niced and leads its session; True when the group has it now."""
    if not sys.platform.startswith("linux"):
        return False
    nice = current_nice()
    if nice <= 0 or os.getsid(0) != os.getpid():
        return False  # not lowered, or the session (and its group) is someone else's
    current = autogroup_nice(path)
    if current is None:
        return False
    if current >= nice:
        return True
    for attempt in range(RETRIES):
        try:
            path.write_text(str(nice), encoding="ascii")
            return True
        except OSError as err:
            if err.errno != errno.EAGAIN or attempt == RETRIES - 1:
                return False
            time.sleep(RETRY_SECONDS)
    return False


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
