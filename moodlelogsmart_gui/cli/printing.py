"""What the command line prints: one line (or one JSON object) per job, the purge report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodlelogsmart_gui.terminal.listing import printable

if TYPE_CHECKING:
    from moodlelogsmart_gui.jobs.retention import PurgeReport
    from moodlelogsmart_gui.jobs.store import Job


def _seconds(job: Job | None) -> float | None:
    if job is None or job.started_at is None or job.finished_at is None:
        return None
    return round(max(0.0, job.finished_at - job.started_at), 2)


def job_record(job: Job | None, source: str, output: Path | None = None) -> dict[str, Any]:
    """The --json object: exactly id, input, state, reason, message, output, rows_in,
    rows_out, seconds."""
    if job is None:
        return {
            "id": None,
            "input": source,
            "state": "failed",
            "reason": "bad_input",
            "message": "",
            "output": None,
            "rows_in": None,
            "rows_out": None,
            "seconds": None,
        }
    return {
        "id": job.id,
        "input": source,
        "state": str(job.state),
        "reason": str(job.reason) if job.reason else None,
        "message": job.message,
        "output": str(output) if output else None,
        "rows_in": job.rows_in,
        "rows_out": job.rows_out,
        "seconds": _seconds(job),
    }


def history_record(job: Job) -> dict[str, Any]:
    """The ``jobs --json`` object: the job record with its times and expiry."""
    record = job_record(job, job.source_path)
    record.update(
        queued_at=job.queued_at,
        finished_at=job.finished_at,
        expired=job.expired,
        expires_at=job.expires_at,
        retry_of=job.retry_of,
        attempt=job.attempt,
    )
    return record


def describe_outcome(job: Job | None, source: Path, note: str, output: Path | None) -> str:
    name = printable(str(source))
    if job is None:
        return f"FAILED     {name}: {note}"
    if output is not None:
        rows = f"{job.rows_in} rows in, {job.rows_out} out, " if job.rows_in is not None else ""
        return f"completed  {name} -> {printable(str(output))} ({rows}{_seconds(job)} s)"
    reason = f" ({job.reason})" if job.reason else ""
    return f"{str(job.state).upper():<10} {name}{reason}: {note or job.message}"


def describe_purge(report: PurgeReport) -> str:
    verb = "Would delete" if report.dry_run else "Deleted"
    size = report.bytes_freed / 1_000_000
    text = (
        f"{verb} the files of {report.jobs_purged} expired jobs "
        f"({report.folders_removed} folders, {size:.1f} MB) in {report.seconds:.2f} s."
    )
    if report.errors:
        text += f" {len(report.errors)} could not be deleted: " + "; ".join(report.errors[:5])
    return text


def print_outcome(
    job: Job | None,
    source: Path,
    note: str,
    output: Path | None,
    *,
    as_json: bool,
    quiet: bool = False,
) -> None:
    """One finished job (``job`` None: refused before queueing, ``note`` says why);
    ``quiet``: jobs whose result was saved print nothing."""
    if as_json:
        record = job_record(job, str(source), output)
        if note:
            record["message"] = note
        print(json.dumps(record, ensure_ascii=False), flush=True)
    elif not (quiet and output is not None):
        print(describe_outcome(job, source, note, output), flush=True)
