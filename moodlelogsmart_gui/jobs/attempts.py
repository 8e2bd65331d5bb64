"""Retries in the history: a retry names the first job of its file's runs and counts its
attempt, so that the window and ``moodlelogsmart jobs`` can tell two runs of a file apart."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from moodlelogsmart_gui.jobs.intake import JobSubmitError
from moodlelogsmart_gui.jobs.store import Job
from moodlelogsmart_gui.jobs.tasks import find_input_copy


def retry_fields(job: Job, history: Iterable[Job]) -> tuple[str, int]:
    """(retry_of, attempt) for a new run of ``job``: the first job of its runs, and one more
    than the highest attempt among them still in ``history`` (removed ones are not reused
    if they were the highest still known)."""
    first = job.retry_of or job.id
    highest = max(
        (other.attempt for other in history if other.id == first or other.retry_of == first),
        default=job.attempt,
    )
    return first, max(highest, job.attempt) + 1


def rerun_of(
    job: Job | None, jobs_folder: Path, history: Iterable[Job]
) -> tuple[Job, tuple[Path, Path, str], tuple[str, int]]:
    """The job, what a new run of it copies: (copy from, source path to record, name to
    show), the kept input copy else the original, and its (retry_of, attempt). Raises
    :class:`JobSubmitError` with one sentence when it cannot run again."""
    if job is None:
        raise JobSubmitError("That job is no longer in the history.")
    if not job.state.can_retry:
        raise JobSubmitError("Only a finished job can be run again.")
    kept = find_input_copy(jobs_folder / job.id)
    copy_from = kept if kept is not None else Path(job.source_path)
    if kept is None and not copy_from.is_file():
        raise JobSubmitError(f"The file {job.input_name} is no longer where it was; add it again.")
    return job, (copy_from, Path(job.source_path), job.input_name), retry_fields(job, history)
