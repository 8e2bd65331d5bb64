"""The job queue: the one object the window and the command line talk to. It owns the live
job table (:class:`LiveJobs`, written through to the history), the worker pool, the file work
and the clean-up. Runners report through queued signals; views read jobs here, never SQLite.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal

from moodlelogsmart_gui import paths as paths_module
from moodlelogsmart_gui.jobs.attempts import rerun_of
from moodlelogsmart_gui.jobs.cleanup import Cleanup
from moodlelogsmart_gui.jobs.copying import CopyLine
from moodlelogsmart_gui.jobs.history import HistoryWriter
from moodlelogsmart_gui.jobs.intake import JobSubmitError, ensure_secret, only_job, prepare_jobs
from moodlelogsmart_gui.jobs.live import PROGRESS_WRITE_SECONDS, LiveJobs
from moodlelogsmart_gui.jobs.outcome import RunOutcome, tidy_job_folder
from moodlelogsmart_gui.jobs.recovery import Recovery
from moodlelogsmart_gui.jobs.retention import PurgeReport, RetentionPolicy, remove_job_folder
from moodlelogsmart_gui.jobs.run_order import RunOrder
from moodlelogsmart_gui.jobs.runner import JobRunner, RunnerSignals
from moodlelogsmart_gui.jobs.spare import IDLE_SECONDS as SPARE_IDLE_SECONDS
from moodlelogsmart_gui.jobs.spare_process import watched_files
from moodlelogsmart_gui.jobs.spare_wiring import spares_for
from moodlelogsmart_gui.jobs.state import JobState
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobStore, StoreError
from moodlelogsmart_gui.jobs.tasks import find_input_copy
from moodlelogsmart_gui.jobs.worker_process import ProcessFactory
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings import Settings

__all__ = ["CLOSED_MESSAGE", "JobQueue", "JobSubmitError"]

log = logging.getLogger(__name__)
_QUEUED = Qt.ConnectionType.QueuedConnection  # pool threads emit; the queue's thread records

CLOSED_MESSAGE = "Cancelled because the app was closed."


class JobQueue(QObject):
    """Queues, runs, cancels, reruns and purges jobs; see docs/architecture.md section 5.

    ``jobs_changed`` says "read every job again": many jobs changed at once (a purge, new
    settings changing expiry times, a removal); per-job changes come as ``job_updated``.
    """

    job_added = Signal(str)
    jobs_added = Signal(list)  # job ids added together (then job_added for each)
    job_updated = Signal(str)
    job_finished = Signal(str)
    job_removed = Signal(str)
    jobs_changed = Signal()
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
        spare_command: Callable[[Path], list[str]] | None = None,
        spare_idle_seconds: float = SPARE_IDLE_SECONDS,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._store = store
        self._history = HistoryWriter(store)
        self._live = LiveJobs(self._history, store.list_jobs())
        self._writer = QTimer(self)  # kept-back progress and failed history writes
        self._writer.setInterval(int(PROGRESS_WRITE_SECONDS * 1000))
        self._writer.timeout.connect(self._write_history)
        self._settings = settings
        self._policy = RetentionPolicy.from_settings(settings)
        self._spares, self._process_factory = spares_for(
            paths.jobs, settings, worker_command, process_factory, spare_command,
            spare_idle_seconds,
        )  # fmt: skip
        if self._spares is not None:  # spares while jobs are queued or running
            self.counts_changed.connect(self._spares.on_counts)
        self._clock = clock
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(settings.concurrent_jobs)
        self._io_pool = QThreadPool(self)
        self._io_pool.setMaxThreadCount(2)
        self._order = RunOrder(self._still_queued)
        self._recovery = Recovery(
            self._live, self._order, paths.jobs, self._finish, find_input_copy
        )
        self._runners: dict[str, JobRunner] = {}
        self._events_read: dict[str, int] = {}
        self._copies = CopyLine(self._io_pool, parent=self)
        self._copies.copied.connect(self._on_copied)
        self._cleanup = Cleanup(
            paths,
            self._live,
            self._io_pool,
            clock,
            busy_ids=self._busy_ids,
            fail_stuck=self._recovery.fail_stuck,
            parent=self,
        )
        self._cleanup.policy = self._policy
        self._cleanup.finished.connect(self._on_purged)
        self._closing = False
        self._closed = False
        self._counts = (0, 0)  # last emitted (running, queued)

    # -- life --------------------------------------------------------------------------------

    def start(self, *, resume_queued: bool = True) -> None:
        """Recover jobs from an earlier run, purge once, arm the timer, run what is queued."""
        self._paths.jobs.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            ensure_secret(self._paths.secret_file)
        self.recover(resume_queued=resume_queued)
        self.purge_now()
        self._cleanup.arm(self._settings.cleanup_interval_seconds)
        self._writer.start()
        self._dispatch()

    def recover(self, *, resume_queued: bool = True) -> None:
        """Jobs left running by an earlier run fail as interrupted; queued ones queue again."""
        self._recovery.recover(self._clock(), resume_queued, self._runners, self._copies)

    def shutdown(self, *, cancel_running: bool = True) -> None:
        """Stop the timer, cancel (or let finish) running jobs and wait for every worker."""
        self._closing = True
        self._cleanup.close()
        if cancel_running:
            for runner in list(self._runners.values()):
                runner.request_cancel(CLOSED_MESSAGE)
        if self._spares is not None:
            self._spares.close()  # first: a runner asking for the spare now gets none
        self._pool.waitForDone(-1)
        self._copies.start_all()
        self._io_pool.waitForDone(-1)
        for job_id, runner in list(self._runners.items()):
            if runner.outcome is not None:
                self._on_runner_finished(job_id, runner.outcome)
        self._emit_counts()
        self._writer.stop()
        self._write_history()
        self._closed = True  # signals still queued from pool threads are ignored from now on

    def apply_settings(self, settings: Settings) -> None:
        """New limits for new jobs; the pool is resized and the purge timer re-armed."""
        self._settings = settings
        self._policy = self._cleanup.policy = RetentionPolicy.from_settings(settings)
        self._pool.setMaxThreadCount(settings.concurrent_jobs)
        if self._cleanup.armed():
            self._cleanup.arm(settings.cleanup_interval_seconds)
        if self._spares is not None:
            self._spares.set_slots(settings.concurrent_jobs)
            self._spares.refresh(watched_files(settings))  # new spares for the new settings
        self.jobs_changed.emit()  # expiry times follow the new retention
        self._dispatch()

    # -- jobs --------------------------------------------------------------------------------

    def submit(
        self, source: Path, *, pseudonymize: bool | None = None, rules_file: str | None = None
    ) -> str:
        """Validate quickly, record the job as queued, copy the file in the background."""
        source = Path(source)
        return only_job(self._submit_all([(source, source, source.name)], pseudonymize, rules_file))

    def submit_many(self, sources: list[Path]) -> tuple[list[str], list[tuple[Path, str]]]:
        """Many files at once (a drop), one history transaction: (new ids, refused files)."""
        triples = [(Path(p), Path(p), Path(p).name) for p in sources]
        return self._submit_all(triples, None, None)

    def _submit_all(
        self,
        files: list[tuple[Path, Path, str]],
        pseudonymize: bool | None,
        rules_file: str | None,
        retry: tuple[str, int] | None = None,
    ) -> tuple[list[str], list[tuple[Path, str]]]:
        """``files``: (copy from, source path to record, name to show) each; ``retry``:
        (first job of the runs, attempt) for a retry."""
        if self._closing:
            raise JobSubmitError("The app is closing; add the file again after it restarts.")
        made, refused = prepare_jobs(
            files,
            self._settings,
            pseudonymize=pseudonymize,
            rules_file=rules_file,
            now=self._clock(),
            secret_file=self._paths.secret_file,
        )
        if retry is not None:
            made = [(replace(j, retry_of=retry[0], attempt=retry[1]), c, s) for j, c, s in made]
        try:
            self._live.add_many([job for job, _config, _src in made])
        except StoreError as err:
            return [], refused + [(Path(job.source_path), str(err)) for job, _c, _s in made]
        for job, config, copy_from in made:
            self._copies.add(job.id, copy_from, self._paths.jobs / job.id, config)
            self._order.add(job.id)
        self._copies.start(self._still_queued)
        job_ids = [job.id for job, _config, _src in made]
        self.jobs_added.emit(job_ids)
        for job_id in job_ids:
            self.job_added.emit(job_id)
        self._emit_counts()
        return job_ids, refused

    def cancel(self, job_id: str, message: str = "Cancelled.") -> None:
        """Stop a running job or drop a queued one; finished jobs are left as they are."""
        runner = self._runners.get(job_id)
        if runner is not None:
            runner.request_cancel(message)
            return
        job = self._live.get(job_id)
        if job is None or not job.state.can_cancel:
            return
        self._order.discard(job_id)
        self._finish(job_id, RunOutcome.cancelled("Cancelled before it started.", self._clock()))
        if job_id not in self._copies:
            tidy_job_folder(self._paths.jobs / job_id, keep_result=False)

    def rerun(self, job_id: str) -> str:
        """A finished job again, same options, from the kept input copy else the original."""
        job, again, retry = rerun_of(self._live.get(job_id), self._paths.jobs, self._live.all())
        return only_job(self._submit_all([again], job.pseudonymize, job.rules_file, retry))

    def remove(self, job_id: str) -> None:
        """Delete a job's history row and files; refused while it runs."""
        if job_id in self._runners or job_id in self._copies:
            raise JobSubmitError("A running job cannot be removed; cancel it first.")
        self._order.discard(job_id)
        errors = remove_job_folder(self._paths.jobs, job_id)
        if errors:
            log.warning("removing job %s: %s", job_id, "; ".join(errors))
        try:
            self._live.remove(job_id)
        except StoreError as err:
            raise JobSubmitError(str(err)) from None
        self.job_removed.emit(job_id)
        self._emit_counts()

    def jobs(self) -> list[Job]:
        """Every job, newest first, from the live table."""
        return [self._with_expiry(job) for job in self._live.all()]

    def job(self, job_id: str) -> Job | None:
        job = self._live.get(job_id)
        return None if job is None else self._with_expiry(job)

    def running_count(self) -> int:
        return len(self._runners)

    def queued_count(self) -> int:
        return self._order.ready_count() + len(self._copies)

    def events_read(self, job_id: str) -> int | None:
        """Log events a running job has read so far, once its worker has said (else None)."""
        return self._events_read.get(job_id)

    def log_path(self, job_id: str) -> Path:
        return self._paths.jobs / job_id / "job.log"

    def _still_queued(self, job_id: str) -> bool:
        job = self._live.get(job_id)
        return job is not None and job.state is JobState.QUEUED

    def _with_expiry(self, job: Job) -> Job:
        return replace(job, expires_at=self._policy.expires_at(job))

    # -- running -----------------------------------------------------------------------------

    def _on_copied(self, ended: list[tuple[str, str | None]]) -> None:
        """The copies that ended since the last turn of the event loop, all at once."""
        if self._closed:
            return
        self._copies.start(self._still_queued)
        for job_id, error in ended:
            job = self._live.get(job_id)
            folder = self._paths.jobs / job_id
            if job is None or job.state != JobState.QUEUED:
                tidy_job_folder(folder, keep_result=False)
            elif error is not None:
                failure = RunOutcome.failure(FailureReason.BAD_INPUT, error, self._clock())
                self._finish(job_id, failure)
                tidy_job_folder(folder, keep_result=False)
            else:
                self._live.note(job_id, stage="")  # copied: no new state, no history write
                self._order.mark_ready(job_id)
                self.job_updated.emit(job_id)
        self._dispatch()  # also when a copy failed: later jobs may be waiting for this one

    def _dispatch(self) -> None:
        while not self._closing and len(self._runners) < self._settings.concurrent_jobs:
            job_id = self._order.next()
            if job_id is None:
                break
            self._start_runner(job_id)
        self._emit_counts()

    def _start_runner(self, job_id: str) -> None:
        job = self._live.get(job_id)
        if job is None:
            return
        signals = RunnerSignals(self)
        signals.progress.connect(self._on_progress, _QUEUED)
        signals.counted.connect(self._on_counted, _QUEUED)
        signals.finished.connect(self._on_runner_finished, _QUEUED)
        runner = JobRunner(
            job_id,
            self._paths.jobs / job_id,
            self._process_factory,
            signals,
            timeout_seconds=job.timeout_seconds,
            stall_seconds=self._settings.stall_timeout_seconds,
            clock=self._clock,
        )
        self._runners[job_id] = runner
        self._live.change(
            job_id, state=JobState.RUNNING, started_at=self._clock(), stage="starting"
        )
        self._pool.start(runner)
        self.job_updated.emit(job_id)

    def _on_progress(self, job_id: str, percent: int, stage: str) -> None:
        if not self._closed and job_id in self._runners:
            self._live.progress(job_id, percent, stage)
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
        self._live.record_outcome(job_id, outcome)
        self._dispatch()  # the next job starts before the window's slots hear of this one
        self._finish(job_id, None)

    def _finish(self, job_id: str, outcome: RunOutcome | None) -> None:
        """Record ``outcome`` (None: recorded already) and say the job ended."""
        if outcome is not None:
            self._live.record_outcome(job_id, outcome)
        self.job_updated.emit(job_id)
        self.job_finished.emit(job_id)
        self._emit_counts()

    # -- purge -------------------------------------------------------------------------------

    def purge_now(self, *, dry_run: bool = False) -> None:
        """Plan on this thread, delete in the background; ``purge_finished`` brings the report."""
        self._cleanup.run(dry_run=dry_run)

    def next_purge_at(self) -> float | None:
        return self._cleanup.next_at()

    def _busy_ids(self) -> set[str]:
        return set(self._runners) | self._copies.ids() | self._order.ids()

    def _on_purged(self, report: PurgeReport) -> None:
        self.purge_finished.emit(report)
        if not report.dry_run and (report.expired_ids or report.stuck_ids):
            self.jobs_changed.emit()

    def _write_history(self) -> None:
        """Progress kept back, and writes that failed (history locked or disk full)."""
        self._live.flush_progress()
        if self._history.pending:
            self._history.flush()

    def _emit_counts(self) -> None:
        """``counts_changed`` when the counts changed (a copy ending moves a job from one
        kind of queued to the other: the same count, no signal)."""
        counts = (self.running_count(), self.queued_count())
        if counts != self._counts:
            self._counts = counts
            self.counts_changed.emit(*counts)
