"""A small in-memory stand-in for JobQueue (same signals and methods) for pure widget tests."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState
from tests.fixtures.jobs import job_row


def make_job(name: str = "log.csv", **changes: Any) -> Job:
    """A history row with sensible defaults."""
    now = time.time()
    fields: dict[str, Any] = {"input_name": name, "input_size": 100, "source_path": f"/tmp/{name}"}
    return job_row(**{**fields, "queued_at": now, **changes})


class FakeQueue(QObject):
    """Records the calls the window makes; tests drive the state with :meth:`put`."""

    job_added = Signal(str)
    jobs_added = Signal(list)
    job_updated = Signal(str)
    job_finished = Signal(str)
    job_removed = Signal(str)
    jobs_changed = Signal()
    purge_finished = Signal(object)
    counts_changed = Signal(int, int)

    def __init__(self, jobs: list[Job] | None = None, log_dir: Path | None = None) -> None:
        super().__init__()
        self._jobs: dict[str, Job] = {job.id: job for job in jobs or []}
        self.calls: list[tuple[str, Any]] = []
        self.applied: list[Any] = []
        self.log_dir = log_dir or Path("/nonexistent")

    def put(self, job: Job, *, finished: bool = False) -> None:
        new = job.id not in self._jobs
        self._jobs[job.id] = job
        (self.job_added if new else self.job_updated).emit(job.id)
        if finished:
            self.job_finished.emit(job.id)
        self.counts_changed.emit(self.running_count(), self.queued_count())

    def update(self, job_id: str, *, finished: bool = False, **changes: Any) -> Job:
        job = dataclasses.replace(self._jobs[job_id], **changes)
        self.put(job, finished=finished)
        return job

    def jobs(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda job: job.queued_at, reverse=True)

    def job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def submit(self, source: Path, **_: Any) -> str:
        self.calls.append(("submit", source))
        job = make_job(Path(source).name, source_path=str(source))
        self.put(job)
        return job.id

    def submit_many(self, sources: list[Path]) -> tuple[list[str], list[tuple[Path, str]]]:
        return [self.submit(source) for source in sources], []

    def cancel(self, job_id: str) -> None:
        self.calls.append(("cancel", job_id))
        self.update(job_id, finished=True, state=JobState.CANCELLED, reason=FailureReason.CANCELLED)

    def rerun(self, job_id: str) -> str:
        self.calls.append(("rerun", job_id))
        return self.submit(Path(self._jobs[job_id].source_path))

    def remove(self, job_id: str) -> None:
        self.calls.append(("remove", job_id))
        del self._jobs[job_id]
        self.job_removed.emit(job_id)

    def purge_now(self, *, dry_run: bool = False) -> None:
        self.calls.append(("purge_now", dry_run))

    def apply_settings(self, settings: Any) -> None:
        self.applied.append(settings)

    def next_purge_at(self) -> float | None:
        return time.time() + 3600

    def running_count(self) -> int:
        return sum(1 for job in self._jobs.values() if job.state == JobState.RUNNING)

    def queued_count(self) -> int:
        return sum(1 for job in self._jobs.values() if job.state == JobState.QUEUED)

    def log_path(self, job_id: str) -> Path:
        return self.log_dir / job_id / "job.log"

    def shutdown(self, *, cancel_running: bool = True) -> None:
        self.calls.append(("shutdown", cancel_running))
