"""The warm spare worker: one worker process started ahead of its job.

``SpareWorkers`` (owned by the queue, lives in the queue's thread) keeps at most one spare
worker (``worker --spare``: imported and warmed up, waiting for a job folder on stdin):

- one spare while jobs are queued or running (``set_active(True)``); a job that takes it
  has a new one started behind it;
- none after ``idle_seconds`` (60 s) without queued or running jobs, so an idle app holds no
  worker process;
- replaced when the settings change (``refresh``) and, checked at every hand-over, when the
  rules file or the shipped tables it warmed up with changed since it started;
- replaced when it dies on its own (counted in the app log, never a job failure; after
  ``MAX_EARLY_DEATHS`` deaths in a row within ``EARLY_DEATH_SECONDS`` of their start no more
  spares are kept, and jobs start their own worker as before).

The spare ``QProcess`` objects are created, watched and ended by a ``_Keeper`` in a thread of
their own (its event loop never waits for the queue or a pool thread, so no hand-over can
deadlock with the queue's shutdown). ``take`` is called from the runner's pool thread: the
keeper checks the spare is alive and fresh and *pushes* it to the caller's thread with
``moveToThread`` (only the owning thread may), so that from then on the runner owns it as if
it had started it. The spare runs in the app's jobs folder (never a user's folder), in its
own session/process group, with no inherited file descriptors, and exits when its stdin
(the app's end of the pipe) closes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMetaObject, QObject, QProcess, Qt, QThread, QTimer, Signal, Slot

from moodlelogsmart_gui.jobs.handover import handover_line, spare_command
from moodlelogsmart_gui.jobs.worker_process import ProcessFactory, start_worker
from moodlelogsmart_gui.paths import resources_dir, worker_command
from moodlelogsmart_gui.settings import Settings

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0
TAKE_WAIT_SECONDS = 5.0
STOP_GRACE_SECONDS = 1.0
MAX_EARLY_DEATHS = 3
EARLY_DEATH_SECONDS = 10.0

Signature = tuple[tuple[str, int, int, int] | None, ...]


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


def _poll(process: QProcess, finished: bool, seconds: float) -> bool:
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


@dataclass
class _TakeRequest:
    """A pool thread's request: filled in by the keeper, then ``done`` is set."""

    thread: QThread
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    abandoned: bool = False  # the caller stopped waiting: the spare stays with the keeper
    process: QProcess | None = None


@dataclass
class _Spare:
    process: QProcess
    signature: Signature
    started: float


class _Keeper(QObject):
    """Lives in the spare thread; every ``QProcess`` it holds lives there too."""

    def __init__(self, command: Callable[[Path], list[str]], jobs_folder: Path) -> None:
        super().__init__()
        self._command = command
        self._jobs_folder = jobs_folder.absolute()
        self._spare: _Spare | None = None
        self._wanted = False
        self._files: tuple[Path, ...] = ()
        self._closed = False
        self._early_deaths = 0
        self.started_count = 0
        self.handed_count = 0
        self.died_count = 0
        self.replaced_count = 0

    # -- requests (queued from other threads) ----------------------------------------------

    @Slot(bool)
    def want(self, wanted: bool) -> None:
        self._wanted = wanted and not self._closed
        if self._wanted:
            self._ensure()
        else:
            self._drop("no job for a while")

    @Slot(object)
    def refresh(self, files: tuple[Path, ...]) -> None:
        self._files = files
        if self._spare is not None:
            self.replaced_count += 1
            self._drop("the settings changed")
        self._ensure()

    @Slot(object)
    def take(self, request: _TakeRequest) -> None:
        with request.lock:
            try:
                if not request.abandoned:
                    request.process = self._hand_over(request.thread)
            finally:
                request.done.set()
        self._ensure()

    def _hand_over(self, thread: QThread) -> QProcess | None:
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        if not self._usable(spare):
            self._end(spare.process)
            return None
        spare.process.finished.disconnect(self._on_finished)
        spare.process.errorOccurred.disconnect(self._on_error)
        spare.process.moveToThread(thread)  # only the owning thread may push it
        self.handed_count += 1
        return spare.process

    @Slot()
    def close(self) -> None:
        self._closed = True
        self._wanted = False
        self._drop("the app is closing")

    # -- inside the keeper's thread ----------------------------------------------------------

    def _usable(self, spare: _Spare) -> bool:
        process = spare.process
        if process.state() == QProcess.ProcessState.Starting:
            _poll(process, False, 2.0)
        if process.state() != QProcess.ProcessState.Running or process.waitForFinished(0):
            self._count_death(spare, "before its job arrived")
            return False
        if file_signature(self._files) != spare.signature:
            self.replaced_count += 1
            log.info("spare worker %s: the rules or tables changed; replaced", process.processId())
            return False
        return True

    def _ensure(self) -> None:
        if self._spare is not None or not self._wanted or self._closed:
            return
        if self._early_deaths >= MAX_EARLY_DEATHS:
            return
        # No parent (it may be moved to a pool thread later); it runs in the app's jobs
        # folder, never in (and never holding) a user's folder. A spare that cannot start is
        # found out at the hand-over, or by the signals below.
        signature = file_signature(self._files)
        process = start_worker(self._command(self._jobs_folder), self._jobs_folder)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self._spare = _Spare(process, signature, time.monotonic())
        self.started_count += 1

    def _on_finished(self, *_: object) -> None:
        spare = self._spare
        if spare is None or spare.process.state() != QProcess.ProcessState.NotRunning:
            return  # a signal from a spare already handed over or dropped
        self._spare = None
        self._count_death(spare, "while waiting")
        self._end(spare.process)
        self._ensure()

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._on_finished()

    def _count_death(self, spare: _Spare, when: str) -> None:
        self.died_count += 1
        early = time.monotonic() - spare.started < EARLY_DEATH_SECONDS
        self._early_deaths = self._early_deaths + 1 if early else 0
        process = spare.process
        log.warning(
            "spare worker %s ended on its own %s (%s, exit code %s); %d so far; %s",
            process.processId() or "-",
            when,
            process.errorString() if process.error() else "exit",
            process.exitCode(),
            self.died_count,
            "no more spares this session"
            if self._early_deaths >= MAX_EARLY_DEATHS
            else "a new one starts",
        )

    def _drop(self, why: str) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            log.info("spare worker %s dropped: %s", spare.process.processId(), why)
            self._end(spare.process)

    def _end(self, process: QProcess) -> None:
        """Close its stdin (it exits at end-of-file), then SIGKILL its group if it lingers."""
        with contextlib.suppress(RuntimeError, TypeError):
            process.finished.disconnect(self._on_finished)
            process.errorOccurred.disconnect(self._on_error)
        pid = int(process.processId())
        if process.state() != QProcess.ProcessState.NotRunning:
            process.closeWriteChannel()
            if not _poll(process, True, STOP_GRACE_SECONDS):
                if os.name == "posix" and pid > 0:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(pid, signal.SIGKILL)
                else:
                    process.kill()
                _poll(process, True, 2.0)
        if os.name == "posix" and pid > 0:  # anything it left in its group goes with it
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


class SpareWorkers(QObject):
    """The queue's handle on the spare; ``take`` may be called from any thread."""

    _want = Signal(bool)
    _refresh = Signal(object)
    _take = Signal(object)

    def __init__(
        self,
        command: Callable[[Path], list[str]],
        jobs_folder: Path,
        watched_files: tuple[Path, ...] = (),
        *,
        idle_seconds: float = IDLE_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("spare-worker")
        self._keeper = _Keeper(command, jobs_folder)
        self._keeper.moveToThread(self._thread)
        self._want.connect(self._keeper.want)
        self._refresh.connect(self._keeper.refresh)
        self._take.connect(self._keeper.take)
        self._started = False  # the thread starts with the first job: `jobs` never starts it
        self._files = tuple(watched_files)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(int(idle_seconds * 1000))
        self._idle.timeout.connect(lambda: self._want.emit(False))
        self._active = False
        self._closed = False

    @property
    def keeper(self) -> _Keeper:
        """Counters for tests and logs (read-only use)."""
        return self._keeper

    def set_active(self, active: bool) -> None:
        """Jobs are queued or running (True) or none are (False: idle countdown starts)."""
        if self._closed:
            return
        if active:
            self._idle.stop()
            if not self._started:
                self._started = True
                self._thread.start()
                self._refresh.emit(self._files)
            if not self._active:
                self._want.emit(True)
        elif self._active:
            self._idle.start()
        self._active = active

    def on_counts(self, running: int, queued: int) -> None:
        """The queue's ``counts_changed``: active while a job is queued or running."""
        self.set_active(running + queued > 0)

    def refresh(self, watched_files: tuple[Path, ...]) -> None:
        """The settings changed: the spare is replaced (if one is wanted)."""
        self._files = tuple(watched_files)
        if self._started and not self._closed:
            self._refresh.emit(self._files)

    def take(self, wait_seconds: float = TAKE_WAIT_SECONDS) -> QProcess | None:
        """The warm spare, now owned by the calling thread; None if there is none usable."""
        if self._closed or not self._started:
            return None
        request = _TakeRequest(QThread.currentThread())
        self._take.emit(request)
        if not request.done.wait(wait_seconds):
            with request.lock:
                if not request.done.is_set():
                    request.abandoned = True
                    log.warning("no spare worker within %.0f s; a new one starts", wait_seconds)
                    return None
        return request.process

    def close(self) -> None:
        """End the spare and its thread; later calls do nothing."""
        if self._closed:
            return
        self._closed = True
        self._idle.stop()
        if not self._started:
            return
        QMetaObject.invokeMethod(self._keeper, "close", Qt.ConnectionType.BlockingQueuedConnection)
        self._thread.quit()
        self._thread.wait()

    def factory(self, fresh: ProcessFactory) -> ProcessFactory:
        """A :data:`ProcessFactory` that hands the job to the warm spare, else calls ``fresh``.

        Called in the runner's pool thread: the spare (now owned by that thread) gets the
        hand-over line and is returned only once the line is written, so the runner's
        watchdog counts from the hand-over. A spare that ended before that is killed and
        ``fresh`` makes the job's worker, as without spares.
        """

        def make(job_folder: Path) -> QProcess:
            process = self.take()
            if process is not None and _hand_over(process, job_folder):
                return process
            return fresh(job_folder)

        return make


def _hand_over(process: QProcess, job_folder: Path) -> bool:
    """Write the hand-over line and wait (polled) until it is written; False if it failed."""
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
    _poll(process, True, 2.0)
    if os.name == "posix" and pid > 0:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    return False
