"""Jobs this app is not running any more: those an earlier run left running fail as
interrupted, queued ones queue again (or fail when their input copy is gone), and a job whose
worker the clean-up found gone fails as stuck. Qt-free; the queue tells the views.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from pathlib import Path

from moodlelogsmart_gui.jobs.live import LiveJobs
from moodlelogsmart_gui.jobs.outcome import RunOutcome, tidy_job_folder
from moodlelogsmart_gui.jobs.run_order import RunOrder
from moodlelogsmart_gui.jobs.state import JobState
from moodlelogsmart_gui.jobs.store import FailureReason

INTERRUPTED_MESSAGE = "The app stopped while this job ran; try it again."
STUCK_MESSAGE = "The job's worker was no longer running; the job was stopped."
LOST_COPY_MESSAGE = "The copy of the file was lost before the job could run; add the file again."


class Recovery:
    """Fails or re-queues left-over jobs; ``finish`` records an outcome (the queue's signals)."""

    def __init__(
        self,
        live: LiveJobs,
        order: RunOrder,
        jobs_folder: Path,
        finish: Callable[[str, RunOutcome], None],
        find_copy: Callable[[Path], Path | None],
    ) -> None:
        self._live = live
        self._order = order
        self._jobs = jobs_folder
        self._finish = finish
        self._find_copy = find_copy  # the complete input copy in a job folder, else None

    def recover(
        self, now: float, resume_queued: bool, running: Container[str], copying: Container[str]
    ) -> None:
        """Jobs left running by an earlier run fail as interrupted; queued ones queue again."""
        for job in self._live.in_state(JobState.RUNNING):
            if job.id not in running:
                self.fail(job.id, INTERRUPTED_MESSAGE, now)
        for job in reversed(self._live.in_state(JobState.QUEUED) if resume_queued else []):
            if job.id in self._order or job.id in copying or job.id in running:
                continue
            if self._find_copy(self._jobs / job.id) is None:
                self.fail(job.id, LOST_COPY_MESSAGE, now)
            else:
                self._order.add(job.id, ready=True)
                self._live.change(job.id, stage="")

    def fail(self, job_id: str, message: str, now: float) -> None:
        """A job this app is not running any more: failed as interrupted, its files tidied."""
        self._finish(job_id, RunOutcome.failure(FailureReason.INTERRUPTED, message, now))
        tidy_job_folder(self._jobs / job_id, keep_result=False)

    def fail_stuck(self, job_id: str, now: float) -> None:
        """A running job whose worker is gone (the clean-up's check)."""
        self.fail(job_id, STUCK_MESSAGE, now)
