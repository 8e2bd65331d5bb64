"""Warm spare workers: worker processes started ahead of their jobs.

``SpareWorkers`` (owned by the queue, lives in the queue's thread) keeps spare workers
(``worker --spare``: imported and warmed up, waiting for a job folder on stdin):

- while jobs are queued or running (``set_active(True)``): one spare per job slot plus one
  when they are forked from the fork server (cheap, see jobs/fork_server.py), so that the
  next job never waits for a worker to start; one started cold (the first of a batch, and
  always when there is no fork server). A job takes the oldest; a new one starts behind it;
- none after ``idle_seconds`` (60 s) without queued or running jobs, so an idle app holds no
  worker process (the fork server goes too);
- replaced when the settings change (``refresh``) and, checked at every hand-over, when the
  rules file or the shipped tables it warmed up with changed since it started;
- replaced when one dies on its own (counted in the app log, never a job failure; after
  ``MAX_EARLY_DEATHS`` deaths in a row within ``EARLY_DEATH_SECONDS`` of their start no more
  spares are kept, and jobs start their own worker as before).

The spare ``QProcess`` objects are created, watched and ended by a ``_Keeper`` in a thread of
their own (its event loop never waits for the queue or a pool thread, so no hand-over can
deadlock with the queue's shutdown). ``take`` is called from the runner's pool thread: the
keeper checks the spare is alive and fresh and *pushes* it to the caller's thread with
``moveToThread`` (only the owning thread may). Every spare runs in the app's jobs folder
(never a user's folder), in its own session/process group, with no inherited file
descriptors, and exits when its stdin (the app's end of the pipe) closes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMetaObject, QObject, QProcess, Qt, QThread, QTimer, Signal, Slot

from moodlelogsmart_gui.jobs.fork_server import ForkServer
from moodlelogsmart_gui.jobs.spare_process import (
    Signature,
    end_process,
    file_signature,
    fork_server_command,
    forked_command,
    hand_over,
    poll,
    runs_real_worker,
)
from moodlelogsmart_gui.jobs.worker_process import ProcessFactory, start_worker

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0
TAKE_WAIT_SECONDS = 5.0
MAX_EARLY_DEATHS = 3
EARLY_DEATH_SECONDS = 10.0
MAX_SERVER_FAILURES = 2


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
    server: ForkServer | None  # the fork server it came from; None: started cold


class _Keeper(QObject):
    """Lives in the spare thread; every ``QProcess`` it holds lives there too."""

    def __init__(self, command: Callable[[Path], list[str]], jobs_folder: Path) -> None:
        super().__init__()
        self._command = command
        self._jobs_folder = jobs_folder.absolute()
        self._spares: list[_Spare] = []  # oldest first
        self._slots = 1
        self._wanted = False
        self._files: tuple[Path, ...] = ()
        self._closed = False
        self._early_deaths = 0
        self._fork: bool | None = None  # the command runs the real worker: fork server
        self._server: ForkServer | None = None
        self._retired: list[ForkServer] = []
        self._server_failures = 0
        self.started_count = 0
        self.forked_count = 0
        self.servers_started = 0
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
            self._retire_server()

    @Slot(int)
    def set_slots(self, slots: int) -> None:
        self._slots = max(1, slots)
        self._ensure()

    @Slot(object)
    def refresh(self, files: tuple[Path, ...]) -> None:
        self._files = files
        if self._spares:
            self.replaced_count += 1
            self._drop("the settings changed")
        self._retire_server()
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
        while self._spares:
            spare = self._spares.pop(0)
            if not self._usable(spare):
                self._end(spare.process)
                continue
            spare.process.finished.disconnect(self._on_finished)
            spare.process.errorOccurred.disconnect(self._on_error)
            spare.process.moveToThread(thread)  # only the owning thread may push it
            self.handed_count += 1
            return spare.process
        return None

    @Slot()
    def close(self) -> None:
        self._closed = True
        self._wanted = False
        self._drop("the app is closing")
        for server in [*self._retired, *([self._server] if self._server else [])]:
            server.end()
        self._server, self._retired = None, []

    # -- inside the keeper's thread ----------------------------------------------------------

    def _usable(self, spare: _Spare) -> bool:
        process = spare.process
        if process.state() == QProcess.ProcessState.Starting:
            poll(process, False, 2.0)
        if process.state() != QProcess.ProcessState.Running or process.waitForFinished(0):
            self._count_death(spare, "before its job arrived")
            return False
        if file_signature(self._files) != spare.signature:
            if spare.server is not None and spare.server is self._server:
                self._retire_server()  # it imported the old tables: a new one starts
            self.replaced_count += 1
            log.info("spare worker %s: the rules or tables changed; replaced", process.processId())
            return False
        return True

    def _target(self) -> int:
        """Spares to keep: one per job slot plus one when forked, else one started cold."""
        return self._slots + 1 if self._server is not None and self._server.usable() else 1

    def _ensure(self) -> None:
        if not self._wanted or self._closed or self._early_deaths >= MAX_EARLY_DEATHS:
            return
        command = self._command(self._jobs_folder)
        self._ensure_server(command)
        while len(self._spares) < self._target():
            # No parent (it may be moved to a pool thread later); it runs in the app's jobs
            # folder, never in (and never holding) a user's folder. A spare that cannot start
            # is found out at the hand-over, or by the signals below.
            server = self._server if self._server is not None and self._server.usable() else None
            argv = forked_command(command, server.socket or "") if server else command
            process = start_worker(argv, self._jobs_folder)
            process.finished.connect(self._on_finished)
            process.errorOccurred.connect(self._on_error)
            signature = server.signature if server else file_signature(self._files)
            spare = _Spare(process, signature, time.monotonic(), server)
            self._spares.append(spare)
            self.started_count += 1
            self.forked_count += server is not None

    def _ensure_server(self, command: list[str]) -> None:
        if self._fork is None:
            self._fork = runs_real_worker(command)
        if not self._fork or self._server is not None:
            return
        if self._server_failures < MAX_SERVER_FAILURES:
            self._server = ForkServer(
                fork_server_command(command), self._jobs_folder, self._on_server_change
            )
            self._server.signature = file_signature(self._files)  # what it will import
            self.servers_started += 1

    def _on_server_change(self) -> None:
        self._retired = [server for server in self._retired if not server.ended]
        server = self._server
        if server is not None and server.ended:  # died on its own (or refused to fork)
            self._server = None
            self._server_failures += 1
            for spare in [s for s in self._spares if s.server is server]:
                self._spares.remove(spare)  # gone with their server: not counted as deaths
                self._end(spare.process)
        self._ensure()

    def _retire_server(self) -> None:
        if self._server is not None:
            self._server.retire()  # it ends once the jobs it forked have ended
            self._retired.append(self._server)
            self._server = None

    def _on_finished(self, *_: object) -> None:
        for spare in [s for s in self._spares if s.process.state() == _NOT_RUNNING]:
            self._spares.remove(spare)
            if spare.server is None or not spare.server.ended:
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
        spares, self._spares = self._spares, []
        for spare in spares:
            log.info("spare worker %s dropped: %s", spare.process.processId(), why)
            self._end(spare.process)

    def _end(self, process: QProcess) -> None:
        """Close its stdin (it exits at end-of-file), then SIGKILL its group if it lingers."""
        with contextlib.suppress(RuntimeError, TypeError):
            process.finished.disconnect(self._on_finished)
            process.errorOccurred.disconnect(self._on_error)
        end_process(process)


_NOT_RUNNING = QProcess.ProcessState.NotRunning


class SpareWorkers(QObject):
    """The queue's handle on the spare; ``take`` may be called from any thread."""

    _want = Signal(bool)
    _slots = Signal(int)
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
        self._slots.connect(self._keeper.set_slots)
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
    def keeper(self) -> _Keeper:  # counters for tests and logs (read-only use)
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

    def set_slots(self, slots: int) -> None:
        """Jobs at the same time (forked spares kept: one per slot plus one)."""
        self._slots.emit(slots)

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
            if process is not None and hand_over(process, job_folder):
                return process
            return fresh(job_folder)

        return make
