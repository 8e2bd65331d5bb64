"""Retention: which job files to delete and when (pure policy), and the careful deleter.

No Qt here. ``plan_purge`` decides with ``now`` passed in, so tests move the clock;
``execute_purge`` deletes only real directories named like a job id directly under
``jobs/``, never through a symbolic link.

Clock rule: a job that finished "in the future" (the clock was set back) counts as age 0;
if it is more than :data:`FUTURE_TOLERANCE_SECONDS` ahead its finish time is re-anchored to
``now``, so its files live one full TTL from the moment the jump was noticed: never deleted
early, never kept forever.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import stat
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moodlelogsmart_gui.jobs.store import Job, JobState
from moodlelogsmart_gui.settings import Settings

log = logging.getLogger(__name__)

JOB_ID_RE = re.compile(r"[0-9a-f]{32}")
FUTURE_TOLERANCE_SECONDS = 300.0


def is_job_id(name: str) -> bool:
    """Only ``uuid4().hex`` names are jobs; anything else under ``jobs/`` is never touched."""
    return JOB_ID_RE.fullmatch(name) is not None


@dataclass(frozen=True)
class RetentionPolicy:
    """How long files are kept, in seconds."""

    ttl_completed_seconds: float
    ttl_failed_seconds: float
    job_timeout_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            ttl_completed_seconds=settings.ttl_completed_hours * 3600.0,
            ttl_failed_seconds=settings.ttl_failed_hours * 3600.0,
            job_timeout_seconds=float(settings.job_timeout_seconds),
        )

    def ttl_for(self, state: JobState) -> float | None:
        if state == JobState.COMPLETED:
            return self.ttl_completed_seconds
        if state in (JobState.FAILED, JobState.CANCELLED):
            return self.ttl_failed_seconds
        return None

    def expires_at(self, job: Job) -> float | None:
        """When the purge will delete this job's files (None: not finished or already gone)."""
        ttl = self.ttl_for(job.state)
        if ttl is None or job.expired or job.finished_at is None:
            return None
        return job.finished_at + ttl


@dataclass(frozen=True)
class PurgePlan:
    """What one purge run will do; computed without touching the disk."""

    expire: tuple[str, ...] = ()
    """Finished jobs whose folder is deleted and whose row is marked expired."""
    orphans: tuple[str, ...] = ()
    """Folders named like a job id with no row in the history."""
    stuck: tuple[str, ...] = ()
    """Jobs recorded as running with no live worker, past their time limit."""
    reanchor: tuple[str, ...] = ()
    """Jobs whose finish time is in the future (clock set back): finish time := now."""
    skipped: tuple[str, ...] = ()
    """Entries under ``jobs/`` that are not job folders: left alone."""


@dataclass
class PurgeReport:
    """What a purge run did (or would do, when ``dry_run``)."""

    jobs_purged: int = 0
    folders_removed: int = 0
    bytes_freed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False
    expired_ids: list[str] = field(default_factory=list)
    stuck_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "jobs_purged": self.jobs_purged,
            "folders_removed": self.folders_removed,
            "bytes_freed": self.bytes_freed,
            "seconds": round(self.seconds, 3),
            "errors": list(self.errors),
            "dry_run": self.dry_run,
            "stuck": len(self.stuck_ids),
        }


def plan_purge(
    jobs: Iterable[Job],
    job_folders: Iterable[str],
    now: float,
    policy: RetentionPolicy,
    *,
    live: Collection[str] = frozenset(),
) -> PurgePlan:
    """Decide the purge. ``job_folders`` are entry names under ``jobs/``; ``live`` are ids
    with a worker or copy in progress in this process (never touched)."""
    folders = set(job_folders)
    known: set[str] = set()
    expire: list[str] = []
    stuck: list[str] = []
    reanchor: list[str] = []
    for job in jobs:
        known.add(job.id)
        if job.id in live:
            continue
        if job.state == JobState.RUNNING:
            started = job.started_at if job.started_at is not None else job.queued_at
            limit = max(float(job.timeout_seconds), policy.job_timeout_seconds)
            if now - started > limit or started - now > FUTURE_TOLERANCE_SECONDS:
                stuck.append(job.id)
            continue
        ttl = policy.ttl_for(job.state)
        if ttl is None or job.finished_at is None:
            continue
        if job.finished_at - now > FUTURE_TOLERANCE_SECONDS:
            reanchor.append(job.id)
            continue
        age = max(0.0, now - job.finished_at)
        if age >= ttl and (not job.expired or job.id in folders):
            expire.append(job.id)
    orphans = sorted(name for name in folders if is_job_id(name) and name not in known)
    skipped = sorted(name for name in folders if not is_job_id(name))
    return PurgePlan(
        expire=tuple(expire),
        orphans=tuple(orphans),
        stuck=tuple(stuck),
        reanchor=tuple(reanchor),
        skipped=tuple(skipped),
    )


def list_job_folders(jobs_dir: Path) -> list[str]:
    """Entry names directly under ``jobs/`` (nothing followed)."""
    try:
        with os.scandir(jobs_dir) as entries:
            return [entry.name for entry in entries]
    except FileNotFoundError:
        return []


def execute_purge(plan: PurgePlan, jobs_dir: Path, *, dry_run: bool = False) -> PurgeReport:
    """Delete the planned folders safely and log one structured line; never raises."""
    started = time.monotonic()
    report = PurgeReport(dry_run=dry_run, stuck_ids=list(plan.stuck))
    if _is_unsafe_root(jobs_dir, report):
        return _finish(report, started)
    for job_id in plan.expire:
        outcome = _remove_job_folder(jobs_dir, job_id, report, dry_run)
        if outcome is not False:
            report.expired_ids.append(job_id)
            report.jobs_purged += 1
    for name in plan.orphans:
        _remove_job_folder(jobs_dir, name, report, dry_run)
    return _finish(report, started)


def remove_job_folder(jobs_dir: Path, job_id: str) -> list[str]:
    """Delete one job's folder with the purge's care (used by "remove from history")."""
    report = PurgeReport()
    if not _is_unsafe_root(jobs_dir, report):
        _remove_job_folder(jobs_dir, job_id, report, dry_run=False)
    return report.errors


def _finish(report: PurgeReport, started: float) -> PurgeReport:
    report.seconds = time.monotonic() - started
    log.info("purge %s", json.dumps(report.as_dict(), ensure_ascii=False))
    return report


def _real_folder(path: Path, label: str, refusal: str, report: PurgeReport) -> bool | None:
    """True for a real directory (never followed through a link); None if it is gone.

    Anything else is refused: ``refusal`` (or the OS error) goes to the report.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        report.errors.append(f"{label}: {err.strerror}")
        return False
    if not stat.S_ISDIR(st.st_mode):
        report.errors.append(refusal)
        return False
    return True


def _is_unsafe_root(jobs_dir: Path, report: PurgeReport) -> bool:
    refusal = f"{jobs_dir} is not a real folder (a link?); nothing was deleted."
    return not _real_folder(jobs_dir, str(jobs_dir), refusal, report)


def _remove_job_folder(
    jobs_dir: Path, name: str, report: PurgeReport, dry_run: bool
) -> bool | None:
    """True when removed, None when there was nothing to remove, False when refused/failed."""
    if not is_job_id(name):
        report.errors.append(f"refused {name!r}: not a job folder name")
        return False
    path = jobs_dir / name
    real = _real_folder(path, name, f"refused {name}: not a real folder (a link or a file)", report)
    if not real:
        return real
    size = tree_size(path)
    if dry_run:
        report.bytes_freed += size
        report.folders_removed += 1
        return True
    problems: list[str] = []
    shutil.rmtree(path, onerror=lambda _f, p, e: _retry_writable(p, e[1], problems))
    if os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):
        report.errors.append(f"{name}: {problems[0] if problems else 'could not be deleted'}")
        report.bytes_freed += max(0, size - tree_size(path))
        return False
    report.bytes_freed += size
    report.folders_removed += 1
    return True


def _retry_writable(path: str, err: BaseException, problems: list[str]) -> None:
    """A read-only job folder (made so while the app ran) is made writable, never via a link."""
    parent = os.path.dirname(path)
    try:
        st = os.lstat(parent)
        if stat.S_ISDIR(st.st_mode) and isinstance(err, PermissionError):
            os.chmod(parent, stat.S_IMODE(st.st_mode) | stat.S_IRWXU)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, stat.S_IRWXU)
            else:
                os.unlink(path)
            return
    except OSError as again:
        problems.append(again.strerror or str(again))
        return
    problems.append(getattr(err, "strerror", None) or str(err))


def tree_size(path: Path) -> int:
    """Bytes in a folder, counting links as links (never followed); safe off the GUI thread."""
    total = 0
    stack = [str(path)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    return total
