"""The live job table: every job of the history in memory, owned by the queue (no Qt).

Views and the command line read jobs from here, never from the database. Changes are
written through a :class:`HistoryWriter`: a new state at once, progress at most once per
``progress_interval`` seconds per job (the rest is kept until :meth:`flush_progress`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from typing import Any

from moodlelogsmart_gui.jobs.history import HistoryWriter, outcome_columns
from moodlelogsmart_gui.jobs.outcome import RunOutcome
from moodlelogsmart_gui.jobs.state import JobState
from moodlelogsmart_gui.jobs.store import Job

PROGRESS_WRITE_SECONDS = 1.0


class LiveJobs:
    """Jobs by id in the order they were added; written through to the history."""

    def __init__(
        self,
        history: HistoryWriter,
        jobs: Iterable[Job],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        progress_interval: float = PROGRESS_WRITE_SECONDS,
    ) -> None:
        self._history = history
        self._jobs: dict[str, Job] = {
            job.id: job for job in sorted(jobs, key=lambda job: job.queued_at)
        }
        self._monotonic = monotonic
        self._interval = progress_interval
        self._progress_due: dict[str, dict[str, Any]] = {}
        self._progress_written: dict[str, float] = {}

    # -- reading ---------------------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        """Newest first (as the history lists them)."""
        return sorted(self._jobs.values(), key=lambda job: job.queued_at, reverse=True)

    def in_state(self, *states: JobState) -> list[Job]:
        """Newest first, only jobs in ``states``."""
        return [job for job in self.all() if job.state in states]

    def __len__(self) -> int:
        return len(self._jobs)

    # -- changing --------------------------------------------------------------------------
    def add(self, job: Job) -> None:
        """Record a new job; the history write may raise ``StoreError`` (nothing is kept)."""
        self._history.store.add(job)
        self._jobs[job.id] = job

    def add_many(self, jobs: list[Job]) -> None:
        """New jobs in one history transaction (may raise ``StoreError``: none is kept)."""
        self._history.store.add_many(jobs)
        for job in jobs:
            self._jobs[job.id] = job

    def change(self, job_id: str, **changes: Any) -> Job | None:
        """Change a job now and in the history (a failed write is retried later)."""
        job = self._apply(job_id, changes)
        if job is not None:
            due = self._progress_due.pop(job_id, {})
            self._history.write(job_id, **{**due, **changes})
        return job

    def note(self, job_id: str, **changes: Any) -> Job | None:
        """A change shown now but not worth a history write (it is not a new state)."""
        return self._apply(job_id, changes)

    def change_many(self, job_ids: list[str], **changes: Any) -> None:
        """The same change to many jobs, one history transaction."""
        known = [job_id for job_id in job_ids if self._apply(job_id, changes) is not None]
        self._history.write_many(known, **changes)

    def progress(self, job_id: str, percent: int, stage: str) -> Job | None:
        """New progress now; in the history at most once per interval per job."""
        changes = {"percent": percent, "stage": stage}
        job = self._apply(job_id, changes)
        if job is None:
            return None
        now = self._monotonic()
        if now - self._progress_written.get(job_id, -self._interval) >= self._interval:
            self._progress_written[job_id] = now
            self._progress_due.pop(job_id, None)
            self._history.write(job_id, **changes)
        else:
            self._progress_due[job_id] = changes
        return job

    def flush_progress(self) -> None:
        """Write the progress kept back (called about once per interval)."""
        now = self._monotonic()
        for job_id, changes in list(self._progress_due.items()):
            if now - self._progress_written.get(job_id, -self._interval) >= self._interval:
                del self._progress_due[job_id]
                self._progress_written[job_id] = now
                self._history.write(job_id, **changes)

    def record_outcome(self, job_id: str, outcome: RunOutcome) -> Job | None:
        """The end of a run, at once (kept-back progress goes with it)."""
        self._progress_written.pop(job_id, None)
        self._progress_due.pop(job_id, None)
        job = self._apply(job_id, outcome_columns(outcome))
        if job is not None:
            self._history.record_outcome(job_id, outcome)
        return job

    def remove(self, job_id: str) -> None:
        """Delete from the history (may raise ``StoreError``), then from memory."""
        self._history.store.delete(job_id)
        self._jobs.pop(job_id, None)
        self._progress_due.pop(job_id, None)
        self._progress_written.pop(job_id, None)

    def _apply(self, job_id: str, changes: dict[str, Any]) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None:
            return None
        job = dataclasses.replace(job, **changes)
        self._jobs[job_id] = job
        return job
