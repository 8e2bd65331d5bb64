"""Where a worker process is made: the one seam to replace (a frozen app, a warm spare).

:func:`worker_command` (in :mod:`moodlelogsmart_gui.paths`) builds the argument list;
:func:`start_worker` turns it into a started ``QProcess`` in its own session, so the
runner can end the whole process group. A :data:`ProcessFactory` is called in the pool
thread that runs the job and must return a ``QProcess`` created in that thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment

ProcessFactory = Callable[[Path], QProcess]
"""Given the job folder, a started (or starting) worker process owned by this thread."""

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


def start_worker(command: list[str], working_dir: Path | None = None) -> QProcess:
    """Start ``command`` with separate stdout/stderr, in a new session, no core dumps (in
    ``working_dir``, else the app's own working folder)."""
    process = QProcess()
    if working_dir is not None:
        process.setWorkingDirectory(str(working_dir))
    process.setProgram(command[0])
    process.setArguments(command[1:])
    process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
    env = QProcessEnvironment.systemEnvironment()
    current = env.value("PYTHONPATH", "")
    env.insert("PYTHONPATH", os.pathsep.join(p for p in (_PACKAGE_PARENT, current) if p))
    process.setProcessEnvironment(env)
    if os.name == "posix":
        params = QProcess.UnixProcessParameters()
        flags = QProcess.UnixProcessFlag
        params.flags = (
            flags.CreateNewSession
            | flags.ResetSignalHandlers
            | flags.CloseFileDescriptors
            | flags.DisableCoreDumps
        )
        process.setUnixProcessParameters(params)
    process.start()
    return process


def command_factory(worker_command: Callable[[Path], list[str]]) -> ProcessFactory:
    """The usual factory: a fresh process running ``worker_command(job_folder)``."""
    return lambda folder: start_worker(worker_command(folder))
