"""Retries in the history: a retry names the first job of its file's runs and counts its
attempt, so that the window and ``moodlelogsmart jobs`` can tell two runs of a file apart."""

from __future__ import annotations

from collections.abc import Iterable

from moodlelogsmart_gui.jobs.store import Job


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
