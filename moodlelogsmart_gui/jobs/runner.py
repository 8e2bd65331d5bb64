"""One job's worker process: started, read, watched and ended from a pool thread.

Each runner is a ``QRunnable`` that runs its own ``QEventLoop`` in its pool thread. The
worker's ``QProcess`` (made by a :data:`ProcessFactory`, in its own session so the whole
process group can be ended) drives it: ``readyReadStandardOutput`` brings protocol lines,
``finished`` and ``errorOccurred`` end the loop. A ``QTimer`` is the watchdog: it applies
:func:`watchdog_verdict` (time limit, stall limit) and a cancel request. The runner reports
through Qt signals (queued to the queue's thread) and never touches the store or a widget.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QProcess, QRunnable, Qt, QTimer, Signal, Slot

from moodlelogsmart_gui.jobs.job_log import JOB_LOG_LIMIT_BYTES, JobLog
from moodlelogsmart_gui.jobs.outcome import (
    RunOutcome,
    Verdict,
    decide_outcome,
    tidy_job_folder,
    watchdog_verdict,
)
from moodlelogsmart_gui.jobs.protocol import Done, Error, LineReader, Progress
from moodlelogsmart_gui.jobs.store import FailureReason, JobState
from moodlelogsmart_gui.jobs.worker_process import ProcessFactory, start_worker

log = logging.getLogger(__name__)

TICK_MS = 100
"""How often the watchdog looks at the clock (and passes on throttled progress)."""
START_SECONDS = 10.0
GENTLE_MS, TERM_GRACE_MS, KILL_WAIT_MS = 300, 700, 2000
PROGRESS_EMIT_INTERVAL = 0.1


class RunnerSignals(QObject):
    """Lives in the queue's thread; emitted from the pool thread, so delivery is queued."""

    progress = Signal(str, int, str)  # job id, percent, stage
    counted = Signal(str, int)  # job id, log events read so far (when the worker says)
    finished = Signal(str, object)  # job id, RunOutcome


class _Waker(QObject):
    """Lives in the pool thread: a cancel request from another thread is queued to it."""

    poke = Signal()

    def __init__(self, handler: Callable[[], None]) -> None:
        super().__init__()
        self._handler = handler
        self.poke.connect(self._on_poke, Qt.ConnectionType.QueuedConnection)

    @Slot()
    def _on_poke(self) -> None:
        self._handler()


class JobRunner(QRunnable):
    """Runs one job's worker to its end; ``request_cancel`` stops it from any thread.

    ``worker`` is the argument list of the worker, or a :data:`ProcessFactory` that makes
    the worker process (the seam for a frozen app or a pre-started worker).
    """

    def __init__(
        self,
        job_id: str,
        job_folder: Path,
        worker: Sequence[str] | ProcessFactory,
        signals: RunnerSignals,
        *,
        timeout_seconds: float,
        stall_seconds: float,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        log_limit_bytes: int = JOB_LOG_LIMIT_BYTES,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.job_id = job_id
        self.job_folder = Path(job_folder)
        if callable(worker):
            self._factory: ProcessFactory = worker
        else:
            command = list(worker)
            self._factory = lambda _folder: start_worker(command)
        self.signals = signals
        self.timeout_seconds = float(timeout_seconds)
        self.stall_seconds = float(stall_seconds)
        self._clock = clock
        self._monotonic = monotonic
        self._log_limit = log_limit_bytes
        self._cancel = threading.Event()
        self._cancel_message = "Cancelled."
        self._lock = threading.Lock()
        self._waker: _Waker | None = None
        self.outcome: RunOutcome | None = None
        self.pid: int | None = None
        self._reader = LineReader()
        self._log: JobLog | None = None
        self._loop: QEventLoop | None = None
        self._process: QProcess | None = None
        self._stop_timer: QTimer | None = None
        self._stop_step = 0
        self._forced: Verdict | None = None
        self._start_error: str | None = None
        self._started_at: float | None = None
        self._created_at = 0.0
        self._last_line_at = 0.0
        self._last_progress_emit = 0.0
        self._emitted_progress = (0, "")
        self._emitted_events: int | None = None
        self._events: int | None = None
        self._percent = 0
        self._stage = ""
        self._done_summary: dict[str, Any] | None = None
        self._error: tuple[str, str] | None = None

    @property
    def ignored_lines(self) -> int:
        return self._reader.ignored_lines

    def request_cancel(self, message: str = "Cancelled.") -> None:
        self._cancel_message = message
        self._cancel.set()
        with self._lock:
            if self._waker is not None:
                self._waker.poke.emit()

    # -- the pool thread -------------------------------------------------------------------

    def run(self) -> None:
        try:
            self.outcome = self._run()
        except Exception as err:  # a bug here must still end the job, not the app
            log.exception("runner for job %s failed", self.job_id)
            self.outcome = RunOutcome.failure(
                FailureReason.INTERNAL,
                f"The job could not be run because of an internal error ({type(err).__name__}).",
                self._clock(),
            )
        finally:
            with self._lock:
                self._waker = None
            if self._log is not None:
                self._log.close()
        if self.outcome.state != JobState.COMPLETED:
            tidy_job_folder(self.job_folder, keep_result=False)  # whatever path got us here
        self.signals.finished.emit(self.job_id, self.outcome)

    def _run(self) -> RunOutcome:
        if self._cancel.is_set():
            return RunOutcome.cancelled(self._cancel_message, self._clock())
        if not self.job_folder.is_dir():
            return RunOutcome.failure(
                FailureReason.INTERNAL,
                "The job's folder was deleted before the job could start; add the file again.",
                self._clock(),
            )
        self._log = JobLog(self.job_folder, self.job_id, self._log_limit)
        loop = self._loop = QEventLoop()
        waker = _Waker(self._on_cancel)
        with self._lock:
            self._waker = waker
        tick, stop_timer = QTimer(), QTimer()
        tick.setInterval(TICK_MS)
        tick.timeout.connect(self._on_tick)
        stop_timer.setSingleShot(True)
        stop_timer.timeout.connect(self._escalate)
        self._stop_timer = stop_timer
        self._created_at = self._monotonic()
        process = self._process = self._factory(self.job_folder)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.started.connect(self._on_started)
        process.finished.connect(self._on_exit)
        process.errorOccurred.connect(self._on_error)
        state = process.state()
        if state == QProcess.ProcessState.Running:
            self._on_started()
        elif state == QProcess.ProcessState.NotRunning:
            self._start_error = process.errorString()
        if self._start_error is None:
            tick.start()
            if process.state() != QProcess.ProcessState.NotRunning:
                loop.exec()
        tick.stop()
        stop_timer.stop()
        for source in (process.readyReadStandardOutput, process.readyReadStandardError):
            source.disconnect()
        if self._start_error is not None or self._started_at is None:
            self._end_group(process)
            reason = self._start_error or "it did not start in time"
            return RunOutcome.failure(
                FailureReason.INTERNAL,
                f"The worker program could not be started ({reason}).",
                self._clock(),
            )
        self._read_all(process)
        self._end_group(process)
        if self.ignored_lines:
            log.warning(
                "job %s: ignored %d non-protocol stdout lines", self.job_id, self.ignored_lines
            )
        return decide_outcome(
            forced=self._forced,
            crashed=process.exitStatus() == QProcess.ExitStatus.CrashExit,
            exit_code=int(process.exitCode()),
            done_summary=self._done_summary,
            error=self._error,
            last_words=self._log.last_words(),
            job_folder=self.job_folder,
            finished_at=self._clock(),
            ignored_lines=self.ignored_lines,
        )

    # -- events (all in the pool thread) ---------------------------------------------------

    def _on_started(self) -> None:
        if self._started_at is not None or self._process is None:
            return
        self.pid = int(self._process.processId())
        self._started_at = self._last_line_at = self._monotonic()

    def _on_exit(self, *_: object) -> None:
        if self._loop is not None:
            self._loop.quit()

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._start_error = self._process.errorString()
            if self._loop is not None:
                self._loop.quit()

    def _on_cancel(self) -> None:
        if self._cancel.is_set() and self._forced is None and self._started_at is not None:
            message = self._cancel_message
            self._forced = Verdict(JobState.CANCELLED, FailureReason.CANCELLED, message)
            self._stop(gentle=True)

    def _on_tick(self) -> None:
        self._flush_progress()
        now = self._monotonic()
        if self._started_at is None:
            if now - self._created_at >= START_SECONDS and self._loop is not None:
                self._start_error = "it did not start in time"
                self._loop.quit()
            return
        if self._forced is not None:
            return
        if self._cancel.is_set():
            self._on_cancel()
            return
        verdict = watchdog_verdict(
            now=now,
            started=self._started_at,
            last_line=self._last_line_at,
            timeout_seconds=self.timeout_seconds,
            stall_seconds=self.stall_seconds,
        )
        if verdict is not None:
            self._forced = verdict
            self._stop(gentle=False)

    # -- ending the worker -----------------------------------------------------------------

    def _stop(self, *, gentle: bool) -> None:
        """Close stdin (gentle) and wait briefly, then SIGTERM the group, then SIGKILL it."""
        log.info("job %s: stopping worker %s", self.job_id, self.pid)
        if gentle and self._process is not None and self._stop_timer is not None:
            self._process.closeWriteChannel()
            self._stop_step = 0
            self._stop_timer.start(GENTLE_MS)
        else:
            self._stop_step = 0
            self._escalate()

    def _escalate(self) -> None:
        process, timer = self._process, self._stop_timer
        if process is None or timer is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        self._stop_step += 1
        if self._stop_step == 1:
            self._signal_group(signal.SIGTERM if os.name == "posix" else None, process)
            if os.name == "posix":
                self._signal_group(signal.SIGCONT, process)
            timer.start(TERM_GRACE_MS)
        elif self._stop_step == 2:
            self._signal_group(getattr(signal, "SIGKILL", None), process)
            timer.start(KILL_WAIT_MS)
        elif self._loop is not None:
            log.error("job %s: worker %s does not end", self.job_id, self.pid)
            self._loop.quit()

    def _signal_group(self, signum: int | None, process: QProcess) -> None:
        if os.name != "posix" or self.pid is None or signum is None:
            if signum == getattr(signal, "SIGKILL", -1) or signum is None:
                process.kill()
            else:
                process.terminate()
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)

    def _end_group(self, process: QProcess) -> None:
        """Anything the worker left in its process group goes with it."""
        if os.name == "posix" and self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        if process.state() != QProcess.ProcessState.NotRunning:
            process.kill()

    # -- reading ---------------------------------------------------------------------------

    def _read_all(self, process: QProcess) -> None:
        self._read_stderr()
        self._read_stdout()

    def _read_stderr(self) -> None:
        if self._process is not None and self._log is not None:
            data = bytes(self._process.readAllStandardError().data())
            if data:
                self._log.write(data)

    def _read_stdout(self) -> None:
        if self._process is None:
            return
        data = bytes(self._process.readAllStandardOutput().data())
        for message in self._reader.feed(data):
            if isinstance(message, Progress):
                percent = self._percent if message.percent is None else message.percent
                self._percent, self._stage = percent, message.stage or self._stage
                if message.events is not None:
                    self._events = message.events
                self._flush_progress(force=percent == 100)
            elif isinstance(message, Done):
                self._done_summary = message.summary
            elif isinstance(message, Error):
                self._error = (message.code, message.message)
            self._last_line_at = self._monotonic()

    def _flush_progress(self, *, force: bool = False) -> None:
        """Emit the latest progress, at most every PROGRESS_EMIT_INTERVAL; a throttled
        update is passed on by the watchdog's next tick."""
        current = (self._percent, self._stage)
        if current == self._emitted_progress and self._events == self._emitted_events:
            return
        now = self._monotonic()
        if force or now - self._last_progress_emit >= PROGRESS_EMIT_INTERVAL:
            self._last_progress_emit = now
            if self._events != self._emitted_events and self._events is not None:
                self._emitted_events = self._events
                self.signals.counted.emit(self.job_id, self._events)
            if current != self._emitted_progress:
                self._emitted_progress = current
                self.signals.progress.emit(self.job_id, *current)
