"""``moodlelogsmart jobs``: choosing jobs (state, age, how many) and one listing that fits the
terminal (80 columns when there is none). Qt-free; the time is passed in."""

from __future__ import annotations

import re
import textwrap
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moodlelogsmart_gui.jobs.store import Job

STATES = ("queued", "running", "completed", "failed", "cancelled", "expired")
"""``expired``: a finished job whose files the cleanup has deleted."""
SHORT_ID = 8
MESSAGE_LINES = 3
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


class DurationError(ValueError):
    """``str()`` is one sentence saying what a duration looks like."""


def parse_duration(text: str) -> float:
    """``90m``, ``2h``, ``7d``, ``1w`` or ``30s`` as seconds."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise DurationError(
            f"'{text}' is not a duration; write a number and a unit, such as 30m, 2h or 7d "
            "(s, m, h, d or w)."
        )
    return float(match.group(1)) * _UNITS[match.group(2).lower()]


def parse_states(values: Iterable[str]) -> frozenset[str]:
    """``--state failed --state cancelled`` or ``--state failed,cancelled``."""
    chosen = {part.strip().lower() for value in values for part in value.split(",")}
    chosen.discard("")
    unknown = sorted(chosen - set(STATES))
    if unknown:
        raise ValueError(f"'{unknown[0]}' is not a job state; choose from {', '.join(STATES)}.")
    return frozenset(chosen)


def matches_state(job: Job, states: frozenset[str]) -> bool:
    return not states or str(job.state) in states or ("expired" in states and job.expired)


def choose_jobs(
    jobs: Sequence[Job],
    *,
    states: frozenset[str] = frozenset(),
    since_seconds: float | None = None,
    limit: int | None = None,
    now: float,
) -> list[Job]:
    """The newest first, of the given states, queued within ``since_seconds`` of ``now``."""
    chosen = sorted(jobs, key=lambda job: job.queued_at, reverse=True)
    chosen = [job for job in chosen if matches_state(job, states)]
    if since_seconds is not None:
        chosen = [job for job in chosen if job.queued_at >= now - since_seconds]
    return chosen[:limit] if limit is not None else chosen


def _common_prefix(a: str, b: str) -> int:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return size


def short_ids(ids: Iterable[str], length: int = SHORT_ID) -> dict[str, str]:
    """Each id cut to ``length`` characters, longer only where two would look the same."""
    unique = sorted(set(ids))
    out: dict[str, str] = {}
    for index, job_id in enumerate(unique):
        near = unique[max(0, index - 1) : index] + unique[index + 1 : index + 2]
        size = max([length, *(_common_prefix(job_id, n) + 1 for n in near)])
        out[job_id] = job_id[:size]
    return out


def printable(text: str) -> str:
    """A file name safe on one line: control characters shown as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, an ellipsis where it was cut."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def job_lines(job: Job, short_id: str, width: int = 80, first_id: str | None = None) -> list[str]:
    """``5f3a9c1e  2026-12-01 14:05  failed/timeout     name.csv`` and the message below it,
    wrapped to ``width`` and cut with an ellipsis after three lines. A retry says so after
    the name: ``(attempt 2, retry of 1a2b3c4d)`` (``first_id``: the first job's short id)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.queued_at))
    reason = str(job.reason) if job.reason and str(job.reason) != str(job.state) else ""
    state = str(job.state) + (f"/{reason}" if reason else "")
    head = f"{short_id}  {when}  {state:<18} "
    gone = " (files deleted)" if job.expired else ""
    if job.retry_of:
        gone = f" (attempt {job.attempt}, retry of {first_id or job.retry_of[:SHORT_ID]})" + gone
    room = max(10, width - len(head) - len(gone))
    lines = [head + cut(printable(job.input_name), room) + gone]
    message = " ".join(job.message.split()) if str(job.state) != "completed" else ""
    if message:
        indent = " " * (len(short_id) + 2)
        lines += textwrap.wrap(
            printable(message),
            width=max(30, width),
            initial_indent=indent,
            subsequent_indent=indent,
            max_lines=MESSAGE_LINES,
            placeholder=" …",
        )
    return lines
