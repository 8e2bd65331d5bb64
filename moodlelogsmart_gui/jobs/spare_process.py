"""Process helpers of the warm spares (jobs/spare.py, jobs/fork_server.py): polled waits
(PySide6 holds the GIL inside a blocking ``waitFor*``), ending a process and its group, the
hand-over write, the file signature a spare's warm state depends on, and the commands of
the fork server and of a forked spare's launcher."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from pathlib import Path

from PySide6.QtCore import QProcess

from moodlelogsmart_gui.jobs.handover import SPARE_ARGUMENT, handover_line, spare_command
from moodlelogsmart_gui.paths import resources_dir, worker_command, worker_program
from moodlelogsmart_gui.settings import Settings

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 1.0
FORK_SERVER_ARGUMENT = "--fork-server"  # the same words as worker_fork.py's (no import:
FORKED_ARGUMENT = "--forked"  # that module is the worker's side)

Signature = tuple[tuple[str, int, int, int] | None, ...]


def poll(process: QProcess, finished: bool, seconds: float) -> bool:
    """``waitForFinished`` (``finished``) or ``waitForStarted`` with a zero timeout and 1-20 ms
    sleeps in between: PySide6 holds the GIL inside a blocking wait (the window would freeze).
    """
    call = process.waitForFinished if finished else process.waitForStarted
    deadline = time.monotonic() + seconds
    pause = 0.001
    while not call(0):
        state = process.state()
        if finished and state == QProcess.ProcessState.NotRunning:
            return True
        if not finished and state != QProcess.ProcessState.Starting:
            return state == QProcess.ProcessState.Running
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    return True


def kill_group(pid: int) -> None:
    if os.name == "posix" and pid > 0:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def end_process(process: QProcess, grace: float = STOP_GRACE_SECONDS) -> None:
    """Close its stdin (a spare or server exits at end-of-file), then SIGKILL its group if it
    lingers; anything it left in its group goes with it."""
    pid = int(process.processId())
    if process.state() != QProcess.ProcessState.NotRunning:
        process.closeWriteChannel()
        if not poll(process, True, grace):
            if os.name == "posix" and pid > 0:
                kill_group(pid)
            else:
                process.kill()
            poll(process, True, 2.0)
    kill_group(pid)


def file_signature(paths: tuple[Path, ...]) -> Signature:
    """(path, inode, size, mtime) of each file, None for one that is missing."""
    result: list[tuple[str, int, int, int] | None] = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            result.append(None)
            continue
        result.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(result)


def hand_over(process: QProcess, job_folder: Path) -> bool:
    """Write the hand-over line and wait (polled) until it is written; False if it failed
    (the spare is then killed with its group)."""
    process.write(handover_line(job_folder))
    deadline = time.monotonic() + 2.0
    pause = 0.001
    while process.bytesToWrite() > 0 and process.state() == QProcess.ProcessState.Running:
        if process.waitForBytesWritten(0) or time.monotonic() >= deadline:
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    if process.state() == QProcess.ProcessState.Running and process.bytesToWrite() == 0:
        return True
    log.warning("the spare worker %s ended before its hand-over", process.processId())
    pid = int(process.processId())
    process.kill()
    poll(process, True, 2.0)
    kill_group(pid)
    return False


def runs_real_worker(spare: list[str]) -> bool:
    """The spare command runs the app's own worker (maybe behind a wrapper such as ``nice``):
    only that one understands the fork server's arguments."""
    program = worker_program()
    if len(spare) < len(program) + 2 or spare[-2] != SPARE_ARGUMENT:
        return False
    return spare[-2 - len(program) : -2] == program


def fork_server_command(spare: list[str]) -> list[str]:
    """``[..., --spare, <jobs>]`` -> ``[..., --fork-server, <jobs>]``."""
    return [*spare[:-2], FORK_SERVER_ARGUMENT, spare[-1]]


def forked_command(spare: list[str], socket_path: str) -> list[str]:
    """``[..., --spare, <jobs>]`` -> ``[..., --forked, <socket>, <jobs>]``."""
    return [*spare[:-2], FORKED_ARGUMENT, socket_path, spare[-1]]


def default_spare_command(jobs_folder: Path) -> list[str]:
    """The real worker as a spare: ``worker --spare <jobs-folder>`` (bundle-aware through
    ``paths.worker_command``)."""
    return spare_command(worker_command(jobs_folder))


def watched_files(settings: Settings) -> tuple[Path, ...]:
    """The files a spare's warm state depends on: the rules file of the settings and the
    shipped rules and tables (loaded once per process by the pipeline)."""
    shipped = resources_dir()
    files = [shipped / name for name in ("rules.toml", "events.csv", "languages.toml")]
    if settings.rules_file:
        files.append(Path(settings.rules_file).expanduser())
    return tuple(files)
