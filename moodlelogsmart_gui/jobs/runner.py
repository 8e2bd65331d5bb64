"""One job's worker process: started, read, watched and ended from a pool thread.

The runner starts the worker with ``QProcess`` (an argument list, its own session so the
whole process group can be killed), reads protocol lines as they come with short waits,
enforces the time limit and the stall limit, and reports back through Qt signals (queued to
the queue's thread). It never touches the store or a widget.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QRunnable, Signal

from moodlelogsmart_gui.jobs.outcome import (
    RunOutcome,
    Verdict,
    decide_outcome,
    tidy_job_folder,
    watchdog_verdict,
)
from moodlelogsmart_gui.jobs.store import FailureReason, JobState

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 64 * 1024
JOB_LOG_LIMIT_BYTES = 5 * 1024 * 1024
READ_WAIT = 0.2
TERM_GRACE = 0.7
POLL_FIRST, POLL_MAX = 0.001, 0.02
PROGRESS_EMIT_INTERVAL = 0.1
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


def wait_for(process: QProcess, event: str, seconds: float) -> bool:
    """``QProcess.waitForStarted/ReadyRead/Finished`` (``event``: started, ready, finished)
    without holding the GIL while it waits.

    PySide6 keeps Python's GIL during these blocking calls, so a runner waiting 200 ms would
    freeze every other Python thread, the GUI thread included. Instead: poll with a zero
    timeout and sleep in between (``time.sleep`` releases the GIL), 1 ms growing to 20 ms.
    """
    call = {
        "started": process.waitForStarted,
        "ready": process.waitForReadyRead,
        "finished": process.waitForFinished,
    }[event]
    deadline = time.monotonic() + seconds
    pause = POLL_FIRST
    while True:
        if call(0):
            return True
        state = process.state()
        if event == "started" and state != QProcess.ProcessState.Starting:
            return state == QProcess.ProcessState.Running
        if event != "started" and state == QProcess.ProcessState.NotRunning:
            return event == "finished"
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, POLL_MAX)


class RunnerSignals(QObject):
    """Lives in the queue's thread; emitted from the pool thread, so delivery is queued."""

    started = Signal(str, int, float)  # job id, worker pid, started_at (epoch)
    progress = Signal(str, int, str)  # job id, percent, stage
    counted = Signal(str, int)  # job id, log events read so far (when the worker says)
    finished = Signal(str, object)  # job id, RunOutcome


class JobRunner(QRunnable):
    """Runs one job's worker to its end; ``request_cancel`` stops it from any thread."""

    def __init__(
        self,
        job_id: str,
        job_folder: Path,
        command: list[str],
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
        self.command = list(command)
        self.signals = signals
        self.timeout_seconds = float(timeout_seconds)
        self.stall_seconds = float(stall_seconds)
        self._clock = clock
        self._monotonic = monotonic
        self._log_limit = log_limit_bytes
        self._cancel = threading.Event()
        self._cancel_message = "Cancelled."
        self.outcome: RunOutcome | None = None
        self.pid: int | None = None
        self._buffer = bytearray()
        self._discarding = False
        self.ignored_lines = 0
        self._last_line_at = 0.0
        self._last_progress_emit = 0.0
        self._emitted_progress = (0, "")
        self._emitted_events: int | None = None
        self._percent = 0
        self._stage = ""
        self._events: int | None = None
        self._done_summary: dict[str, Any] | None = None
        self._error: tuple[str, str] | None = None
        self._stderr_tail = bytearray()
        self._log_handle: BinaryIO | None = None
        self._log_written = 0

    def request_cancel(self, message: str = "Cancelled.") -> None:
        self._cancel_message = message
        self._cancel.set()

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
            self._close_log()
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
        self._open_log()
        process = QProcess()
        self._prepare(process)
        process.start()
        if not wait_for(process, "started", 10.0):
            reason = process.errorString()
            return RunOutcome.failure(
                FailureReason.INTERNAL,
                f"The worker program could not be started ({reason}).",
                self._clock(),
            )
        self.pid = int(process.processId())
        start_mono = self._monotonic()
        self._last_line_at = start_mono
        self.signals.started.emit(self.job_id, self.pid, self._clock())
        forced = self._watch(process, start_mono)
        self._reap(process, forced)
        return decide_outcome(
            forced=forced,
            crashed=process.exitStatus() == QProcess.ExitStatus.CrashExit,
            exit_code=int(process.exitCode()),
            done_summary=self._done_summary,
            error=self._error,
            last_words=self._last_words(),
            job_folder=self.job_folder,
            finished_at=self._clock(),
            ignored_lines=self.ignored_lines,
        )

    def _prepare(self, process: QProcess) -> None:
        process.setProgram(self.command[0])
        process.setArguments(self.command[1:])
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

    def _watch(self, process: QProcess, start_mono: float) -> Verdict | None:
        """Read until the worker ends; a verdict (timeout, stall, cancel) when we end it."""
        while True:
            now = self._monotonic()
            if self._cancel.is_set():
                cancelled = Verdict(
                    JobState.CANCELLED, FailureReason.CANCELLED, self._cancel_message
                )
                self._stop(process, gentle=True)
                return cancelled
            verdict = watchdog_verdict(
                now=now,
                started=start_mono,
                last_line=self._last_line_at,
                timeout_seconds=self.timeout_seconds,
                stall_seconds=self.stall_seconds,
            )
            if verdict is not None:
                self._stop(process, gentle=False)
                return verdict
            if process.state() == QProcess.ProcessState.NotRunning:
                return None
            remaining = min(
                self.timeout_seconds - (now - start_mono),
                self.stall_seconds - (now - self._last_line_at),
            )
            wait_for(process, "ready", max(0.001, min(READ_WAIT, remaining)))
            self._drain(process)
            self._flush_progress()

    def _stop(self, process: QProcess, *, gentle: bool) -> None:
        """End the worker and its group: close stdin (gentle), SIGTERM, brief wait, SIGKILL."""
        log.info("job %s: stopping worker %s", self.job_id, self.pid)
        if gentle:
            process.closeWriteChannel()
            if wait_for(process, "finished", 0.3):
                return
        self._signal_group(signal.SIGTERM if os.name == "posix" else None, process)
        if os.name == "posix":
            self._signal_group(signal.SIGCONT, process)
        if wait_for(process, "finished", TERM_GRACE):
            return
        self._signal_group(getattr(signal, "SIGKILL", None), process)
        wait_for(process, "finished", 2.0)

    def _signal_group(self, signum: int | None, process: QProcess) -> None:
        if os.name != "posix" or self.pid is None or signum is None:
            if signum == getattr(signal, "SIGKILL", -1) or signum is None:
                process.kill()
            else:
                process.terminate()
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)

    def _reap(self, process: QProcess, forced: Verdict | None) -> None:
        running = process.state() != QProcess.ProcessState.NotRunning
        if running and not wait_for(process, "finished", 1.0):
            self._stop(process, gentle=False)
        self._drain(process)
        if os.name == "posix" and self.pid is not None:
            # Anything the worker left in its group goes with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        if self.ignored_lines:
            log.warning(
                "job %s: ignored %d non-protocol stdout lines", self.job_id, self.ignored_lines
            )

    # -- reading ---------------------------------------------------------------------------

    def _drain(self, process: QProcess) -> None:
        err = bytes(process.readAllStandardError().data())
        if err:
            self._write_log(err)
        out = bytes(process.readAllStandardOutput().data())
        if out:
            self._feed_stdout(out)

    def _feed_stdout(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_LINE_BYTES:
                    if not self._discarding:
                        self.ignored_lines += 1
                    self._discarding = True
                    self._buffer.clear()
                return
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._discarding:
                self._discarding = False
                continue
            self._handle_line(line)

    def _handle_line(self, line: bytes) -> None:
        line = line.strip()
        if not line.startswith(b"{") or len(line) > MAX_LINE_BYTES:
            self.ignored_lines += 1
            return
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            self.ignored_lines += 1
            return
        event = message.get("event") if isinstance(message, dict) else None
        if event == "progress":
            self._on_progress(message)
        elif event == "done":
            summary = message.get("summary")
            self._done_summary = summary if isinstance(summary, dict) else {}
        elif event == "error":
            code = str(message.get("code") or "internal")
            text = " ".join(str(message.get("message") or "").split())[:600]
            self._error = (code, text)
        else:
            self.ignored_lines += 1
            return
        self._last_line_at = self._monotonic()

    def _on_progress(self, message: dict[str, Any]) -> None:
        try:
            percent = max(0, min(100, int(message.get("percent", self._percent))))
        except (TypeError, ValueError, OverflowError):
            percent = self._percent
        stage = str(message.get("stage") or self._stage)[:40]
        self._percent, self._stage = percent, stage
        events = message.get("events")  # optional: older workers never send it
        if isinstance(events, int) and not isinstance(events, bool) and events >= 0:
            self._events = events
        self._flush_progress(force=percent == 100)

    def _flush_progress(self, *, force: bool = False) -> None:
        """Emit the latest progress, at most every PROGRESS_EMIT_INTERVAL.

        A throttled update is not lost: the read loop calls this again, so the last stage
        reported always reaches the window within the interval.
        """
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

    # -- job.log -------------------------------------------------------------------------------

    def _open_log(self) -> None:
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
            fd = os.open(self.job_folder / "job.log", flags, 0o600)  # may quote students' data
            self._log_handle = os.fdopen(fd, "ab")
        except OSError as err:
            log.warning("job %s: cannot write job.log (%s)", self.job_id, err.strerror)

    def _write_log(self, data: bytes) -> None:
        self._stderr_tail += data
        del self._stderr_tail[:-8192]
        if self._log_handle is None:
            return
        room = self._log_limit - self._log_written
        try:
            if room > 0:
                chunk = data[:room]
                self._log_handle.write(chunk)
                self._log_written += len(chunk)
                if len(data) > room:
                    self._log_handle.write(b"\n[job.log size limit reached; the rest is dropped]\n")
                self._log_handle.flush()
        except OSError:
            self._close_log()

    def _close_log(self) -> None:
        if self._log_handle is not None:
            with contextlib.suppress(OSError):
                self._log_handle.close()
            self._log_handle = None

    def _last_words(self) -> str:
        text = self._stderr_tail.decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""
