"""The job queue: the one object the window and the command line talk to.

It owns the store (written only from its own thread), the worker pool, the background file
work and the purge timer. Runners report through queued signals; the queue records.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal

from moodlelogsmart_gui import paths as paths_module
from moodlelogsmart_gui.jobs.history import HistoryWriter
from moodlelogsmart_gui.jobs.intake import (
    JobSubmitError,
    ensure_secret,
    new_job,
    validate_source,
)
from moodlelogsmart_gui.jobs.outcome import RunOutcome, tidy_job_folder
from moodlelogsmart_gui.jobs.retention import (
    PurgeReport,
    RetentionPolicy,
    list_job_folders,
    plan_purge,
    remove_job_folder,
)
from moodlelogsmart_gui.jobs.runner import JobRunner, RunnerSignals
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState, JobStore, StoreError
from moodlelogsmart_gui.jobs.tasks import (
    CopySignals,
    InputCopyTask,
    PurgeSignals,
    PurgeTask,
    find_input_copy,
    input_extension,
)
from moodlelogsmart_gui.jobs.worker_process import ProcessFactory, command_factory
from moodlelogsmart_gui.paths import RULES_PRESETS, AppPaths, rules_preset_path
from moodlelogsmart_gui.settings import Settings

__all__ = ["CLOSED_MESSAGE", "JobQueue", "JobSubmitError"]

log = logging.getLogger(__name__)
_QUEUED = Qt.ConnectionType.QueuedConnection  # pool threads emit; the queue's thread records

INTERRUPTED_MESSAGE = "The app stopped while this job ran; try it again."
STUCK_MESSAGE = "The job's worker was no longer running; the job was stopped."
CLOSED_MESSAGE = "Cancelled because the app was closed."
HISTORY_RETRY_MS = 2000
LOST_COPY_MESSAGE = "The copy of the file was lost before the job could run; add the file again."


class JobQueue(QObject):
    """Queues, runs, cancels, retries and purges jobs; see docs/architecture.md section 5."""

    job_added = Signal(str)
    job_updated = Signal(str)
    job_finished = Signal(str)
    job_removed = Signal(str)
    purge_finished = Signal(object)
    counts_changed = Signal(int, int)

    def __init__(
        self,
        paths: AppPaths,
        store: JobStore,
        settings: Settings,
        *,
        worker_command: Callable[[Path], list[str]] = paths_module.worker_command,
        process_factory: ProcessFactory | None = None,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._store = store
        self._retry = QTimer(self)
        self._retry.setInterval(HISTORY_RETRY_MS)
        self._retry.timeout.connect(self._flush_history)
        self._history = HistoryWriter(store, on_pending=self._retry.start)
        self._settings = settings
        self._policy = RetentionPolicy.from_settings(settings)
        self._process_factory = process_factory or command_factory(worker_command)
        self._clock = clock
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(settings.concurrent_jobs)
        self._io_pool = QThreadPool(self)
        self._io_pool.setMaxThreadCount(2)
        self._ready: deque[str] = deque()
        self._runners: dict[str, JobRunner] = {}
        self._events_read: dict[str, int] = {}
        self._copies: dict[str, InputCopyTask] = {}
        self._purge: PurgeTask | None = None
        self._closing = False
        self._closed = False
        self._next_purge_at: float | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer)

    # -- life --------------------------------------------------------------------------------

    def start(self, *, resume_queued: bool = True) -> None:
        """Recover jobs from an earlier run, purge once, arm the timer, run what is queued."""
        self._paths.jobs.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            ensure_secret(self._paths.secret_file)
        self.recover(resume_queued=resume_queued)
        self.purge_now()
        self._arm_timer()
        self._dispatch()

    def recover(self, *, resume_queued: bool = True) -> None:
        """Jobs left running by an earlier run fail as interrupted; queued ones queue again."""
        now = self._clock()
        for job in self._store.list_jobs(JobState.RUNNING):
            if job.id not in self._runners:
                self._finish(
                    job.id, RunOutcome.failure(FailureReason.INTERRUPTED, INTERRUPTED_MESSAGE, now)
                )
                tidy_job_folder(self._paths.jobs / job.id, keep_result=False)
        if not resume_queued:
            return
        for job in reversed(self._store.list_jobs(JobState.QUEUED)):
            if job.id in self._ready or job.id in self._copies or job.id in self._runners:
                continue
            if find_input_copy(self._paths.jobs / job.id) is None:
                self._finish(
                    job.id,
                    RunOutcome.failure(
                        FailureReason.INTERRUPTED,
                        LOST_COPY_MESSAGE,
                        now,
                    ),
                )
                tidy_job_folder(self._paths.jobs / job.id, keep_result=False)
            else:
                self._ready.append(job.id)
                self._history.write(job.id, stage="")

    def shutdown(self, *, cancel_running: bool = True) -> None:
        """Stop the timer, cancel (or let finish) running jobs and wait for every worker."""
        self._closing = True
        self._timer.stop()
        self._next_purge_at = None
        if cancel_running:
            for runner in list(self._runners.values()):
                runner.request_cancel(CLOSED_MESSAGE)
        self._pool.waitForDone(-1)
        self._io_pool.waitForDone(-1)
        for job_id, runner in list(self._runners.items()):
            if runner.outcome is not None:
                self._on_runner_finished(job_id, runner.outcome)
        self._emit_counts()
        self._retry.stop()
        self._history.flush()
        self._closed = True  # signals still queued from pool threads are ignored from now on

    def apply_settings(self, settings: Settings) -> None:
        """New limits for new jobs; the pool is resized and the purge timer re-armed."""
        self._settings = settings
        self._policy = RetentionPolicy.from_settings(settings)
        self._pool.setMaxThreadCount(settings.concurrent_jobs)
        if self._timer.isActive():
            self._arm_timer()
        self._dispatch()

    # -- jobs --------------------------------------------------------------------------------

    def submit(
        self, source: Path, *, pseudonymize: bool | None = None, rules_file: str | None = None
    ) -> str:
        """Validate quickly, record the job as queued, copy the file in the background."""
        source = Path(source)
        return self._submit(source, source, source.name, pseudonymize, rules_file)

    def _submit(
        self,
        copy_from: Path,
        source: Path,
        input_name: str,
        pseudonymize: bool | None,
        rules_file: str | None,
    ) -> str:
        if self._closing:
            raise JobSubmitError("The app is closing; add the file again after it restarts.")
        st = validate_source(copy_from)
        rules = self._rules_for_job(rules_file)
        pseudo = self._settings.pseudonymize if pseudonymize is None else bool(pseudonymize)
        job = new_job(
            source,
            input_name,
            st.st_size,
            now=self._clock(),
            pseudonymize=pseudo,
            rules_file=rules,
            timeout_seconds=int(self._settings.job_timeout_seconds),
        )
        job_id = job.id
        try:
            self._store.add(job)
        except StoreError as err:
            raise JobSubmitError(str(err)) from None
        config: dict[str, object] = {
            "input": f"input.{input_extension(input_name)}",
            "original_name": input_name,
            "pseudonymize": pseudo,
            "rules_file": rules or None,
            "secret_file": str(self._paths.secret_file.absolute()),
        }
        signals = CopySignals(self)
        signals.copied.connect(self._on_copied, _QUEUED)
        task = InputCopyTask(job_id, copy_from, self._paths.jobs / job_id, config, signals)
        self._copies[job_id] = task
        self._io_pool.start(task)
        self.job_added.emit(job_id)
        self._emit_counts()
        return job_id

    def _rules_for_job(self, rules_file: str | None) -> str:
        """The rules file a new job uses ("" = built-in): the one given (a path or a preset
        name), else the custom file of the settings, else their classification preset."""
        rules = self._settings.rules_file if rules_file is None else rules_file
        if rules_file is None and not rules:
            rules = self._settings.classification
        preset = rules_preset_path(rules) if rules else None
        if preset is not None and not Path(rules).expanduser().is_file():
            return "" if preset.name == RULES_PRESETS["moodlelogsmart"] else str(preset)
        if rules and not Path(rules).expanduser().is_file():
            raise JobSubmitError(f"The rules file {rules} does not exist; choose another.")
        return str(Path(rules).expanduser().absolute()) if rules else ""

    def cancel(self, job_id: str, message: str = "Cancelled.") -> None:
        """Stop a running job or drop a queued one; finished jobs are left as they are."""
        runner = self._runners.get(job_id)
        if runner is not None:
            runner.request_cancel(message)
            return
        job = self._store.get(job_id)
        if job is None or job.state != JobState.QUEUED:
            return
        with contextlib.suppress(ValueError):
            self._ready.remove(job_id)
        self._finish(job_id, RunOutcome.cancelled("Cancelled before it started.", self._clock()))
        if job_id not in self._copies:
            tidy_job_folder(self._paths.jobs / job_id, keep_result=False)

    def retry(self, job_id: str) -> str:
        """A new job from the kept input copy, else from the original file."""
        job = self._store.get(job_id)
        if job is None:
            raise JobSubmitError("That job is no longer in the history.")
        if job.state not in (JobState.FAILED, JobState.CANCELLED):
            raise JobSubmitError("Only a failed or cancelled job can be tried again.")
        kept = find_input_copy(self._paths.jobs / job_id)
        copy_from = kept if kept is not None else Path(job.source_path)
        if kept is None and not copy_from.is_file():
            raise JobSubmitError(
                f"The file {job.input_name} is no longer where it was; add it again."
            )
        return self._submit(
            copy_from,
            Path(job.source_path),
            job.input_name,
            job.pseudonymize,
            job.rules_file or "",
        )

    def remove(self, job_id: str) -> None:
        """Delete a job's history row and files; refused while it runs."""
        if job_id in self._runners or job_id in self._copies:
            raise JobSubmitError("A running job cannot be removed; cancel it first.")
        with contextlib.suppress(ValueError):
            self._ready.remove(job_id)
        errors = remove_job_folder(self._paths.jobs, job_id)
        if errors:
            log.warning("removing job %s: %s", job_id, "; ".join(errors))
        try:
            self._store.delete(job_id)
        except StoreError as err:
            raise JobSubmitError(str(err)) from None
        self.job_removed.emit(job_id)
        self._emit_counts()

    def jobs(self) -> list[Job]:
        return [self._with_expiry(job) for job in self._store.list_jobs()]

    def job(self, job_id: str) -> Job | None:
        job = self._store.get(job_id)
        return None if job is None else self._with_expiry(job)

    def running_count(self) -> int:
        return len(self._runners)

    def queued_count(self) -> int:
        return len(self._ready) + len(self._copies)

    def events_read(self, job_id: str) -> int | None:
        """Log events a running job has read so far, once its worker has said (else None)."""
        return self._events_read.get(job_id)

    def log_path(self, job_id: str) -> Path:
        return self._paths.jobs / job_id / "job.log"

    def _with_expiry(self, job: Job) -> Job:
        return replace(job, expires_at=self._policy.expires_at(job))

    # -- running -----------------------------------------------------------------------------

    def _on_copied(self, job_id: str, error: str | None) -> None:
        if self._closed:
            return
        task = self._copies.pop(job_id, None)
        if task is not None:
            task.signals.deleteLater()
        job = self._store.get(job_id)
        folder = self._paths.jobs / job_id
        if job is None or job.state != JobState.QUEUED:
            tidy_job_folder(folder, keep_result=False)
        elif error is not None:
            self._finish(job_id, RunOutcome.failure(FailureReason.BAD_INPUT, error, self._clock()))
            tidy_job_folder(folder, keep_result=False)
        else:
            self._history.write(job_id, stage="")
            self._ready.append(job_id)
            self.job_updated.emit(job_id)
        self._dispatch()  # also when a copy failed: later jobs may be waiting for this one
        self._emit_counts()

    def _next_ready(self) -> str | None:
        """The job added first, once its copy is made: jobs start in the order they were added.

        Copies finish out of order (a small file after a big one); a ready job waits for
        earlier jobs whose copy is still being made.
        """

        added_at: dict[str, float] = {}
        for job_id in [*self._ready, *self._copies]:
            job = self._store.get(job_id)
            if job is not None and (job_id in self._ready or job.state == JobState.QUEUED):
                added_at[job_id] = job.queued_at
            elif job_id in self._ready:
                added_at[job_id] = float("-inf")  # gone or finished: dropped by the caller
        first = min(added_at, key=added_at.__getitem__)
        if first not in self._ready:
            return None
        self._ready.remove(first)
        return first

    def _dispatch(self) -> None:
        while (
            self._ready
            and not self._closing
            and (len(self._runners) < self._settings.concurrent_jobs)
        ):
            job_id = self._next_ready()
            if job_id is None:
                break
            job = self._store.get(job_id)
            if job is None or job.state != JobState.QUEUED:
                continue
            folder = self._paths.jobs / job_id
            signals = RunnerSignals(self)
            signals.progress.connect(self._on_progress, _QUEUED)
            signals.counted.connect(self._on_counted, _QUEUED)
            signals.finished.connect(self._on_runner_finished, _QUEUED)
            runner = JobRunner(
                job_id,
                folder,
                self._process_factory,
                signals,
                timeout_seconds=job.timeout_seconds,
                stall_seconds=self._settings.stall_timeout_seconds,
                clock=self._clock,
            )
            self._runners[job_id] = runner
            self._history.write(
                job_id, state=JobState.RUNNING, started_at=self._clock(), stage="starting"
            )
            self._pool.start(runner)
            self.job_updated.emit(job_id)
        self._emit_counts()

    def _on_progress(self, job_id: str, percent: int, stage: str) -> None:
        if self._closed:
            return
        if job_id in self._runners:
            self._history.write(job_id, percent=percent, stage=stage)
            self.job_updated.emit(job_id)

    def _on_counted(self, job_id: str, events: int) -> None:
        if not self._closed and job_id in self._runners:
            self._events_read[job_id] = events
            self.job_updated.emit(job_id)

    def _on_runner_finished(self, job_id: str, outcome: RunOutcome) -> None:
        self._events_read.pop(job_id, None)
        runner = self._runners.pop(job_id, None)
        if runner is None:
            return
        runner.signals.deleteLater()
        if outcome.details:
            log.info("job %s: %s", job_id, outcome.details)
        self._finish(job_id, outcome)
        self._dispatch()

    def _finish(self, job_id: str, outcome: RunOutcome) -> None:
        self._history.record_outcome(job_id, outcome)
        self.job_updated.emit(job_id)
        self.job_finished.emit(job_id)
        self._emit_counts()

    # -- purge -------------------------------------------------------------------------------

    def purge_now(self, *, dry_run: bool = False) -> None:
        """Plan on this thread, delete in the background; ``purge_finished`` brings the report."""
        if self._purge is not None:
            return
        now = self._clock()
        live = set(self._runners) | set(self._copies) | set(self._ready)
        try:
            jobs = self._store.list_jobs()
        except StoreError as err:
            log.error("purge skipped: %s", err)
            self.purge_finished.emit(PurgeReport(dry_run=dry_run, errors=[str(err)]))
            return
        plan = plan_purge(jobs, list_job_folders(self._paths.jobs), now, self._policy, live=live)
        if not dry_run:
            for job_id in plan.stuck:
                self._finish(
                    job_id, RunOutcome.failure(FailureReason.INTERRUPTED, STUCK_MESSAGE, now)
                )
                tidy_job_folder(self._paths.jobs / job_id, keep_result=False)
            self._history.write_many(list(plan.reanchor), finished_at=now)
        signals = PurgeSignals(self)
        signals.done.connect(self._on_purge_done, _QUEUED)
        self._purge = PurgeTask(plan, self._paths.jobs, dry_run, signals)
        self._io_pool.start(self._purge)

    def _on_purge_done(self, report: PurgeReport) -> None:
        if self._closed:
            return
        if self._purge is not None:
            self._purge.signals.deleteLater()
        self._purge = None
        if not report.dry_run and report.expired_ids:
            self._history.write_many(report.expired_ids, expired=True, result_path=None)
        self.purge_finished.emit(report)

    def next_purge_at(self) -> float | None:
        return self._next_purge_at if self._timer.isActive() else None

    def _arm_timer(self) -> None:
        interval = int(self._settings.cleanup_interval_seconds)
        self._timer.start(interval * 1000)
        self._next_purge_at = self._clock() + interval

    def _on_timer(self) -> None:
        self._next_purge_at = self._clock() + int(self._settings.cleanup_interval_seconds)
        self.purge_now()

    def _flush_history(self) -> None:
        """Retry history writes that failed (locked or full); the view reloads those jobs."""
        for job_id in self._history.flush():
            self.job_updated.emit(job_id)
        if not self._history.pending:
            self._retry.stop()

    def _emit_counts(self) -> None:
        self.counts_changed.emit(self.running_count(), self.queued_count())
