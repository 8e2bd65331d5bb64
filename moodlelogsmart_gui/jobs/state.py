"""A job's state and what each state allows: the one place these rules live (no Qt)."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """The job has ended and will not change state again."""
        return self in _FINAL

    @property
    def is_active(self) -> bool:
        """Waiting or running: the queue is still working on it."""
        return not self.is_final

    @property
    def can_cancel(self) -> bool:
        return self in (JobState.QUEUED, JobState.RUNNING)

    @property
    def can_retry(self) -> bool:
        """Run the same file again, with the same options, as a new job."""
        return self.is_final

    @property
    def can_remove(self) -> bool:
        """Removed from the history with its files: anything but a running job."""
        return self is not JobState.RUNNING

    @property
    def has_result(self) -> bool:
        """A result ZIP was made (it may have expired since: see ``Job.result_available``)."""
        return self is JobState.COMPLETED

    @property
    def has_failed(self) -> bool:
        """Ended without a result (failed or cancelled); its message says why."""
        return self in (JobState.FAILED, JobState.CANCELLED)

    @property
    def has_log(self) -> bool:
        """A worker ran (or was about to), so there may be a job log."""
        return self is not JobState.QUEUED

    @property
    def rank(self) -> int:
        """Sort order in the window: running, queued, failed, cancelled, completed."""
        return _RANK[self]


_FINAL = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})
_RANK = {
    JobState.RUNNING: 0,
    JobState.QUEUED: 1,
    JobState.FAILED: 2,
    JobState.CANCELLED: 3,
    JobState.COMPLETED: 4,
}
