"""Shared checks of the end-to-end tests: one-sentence messages and an emptied jobs folder."""

from __future__ import annotations

import time
from pathlib import Path

from moodlelogsmart_gui.jobs.store import JobStore
from moodlelogsmart_gui.paths import AppPaths
from tests.jobs.test_cli import json_lines, run_cli


def is_one_sentence(message: object) -> bool:
    """One sentence for people: no line break, no traceback, ends with a period, short."""
    text = str(message)
    return (
        bool(text)
        and "\n" not in text
        and "Traceback" not in text
        and 'File "' not in text
        and text.endswith(".")
        and len(text) < 300
    )


def purge_everything(paths: AppPaths, hours_ago: float = 2.0) -> dict[str, object]:
    """Move every job's finish time ``hours_ago`` back, then ``moodlelogsmart purge`` with
    tiny TTLs from the environment; returns the purge report."""
    store = JobStore(paths.history_db)
    try:
        ids = [job.id for job in store.list_jobs()]
        store.update_many(ids, finished_at=time.time() - hours_ago * 3600)
    finally:
        store.close()
    env = {"MOODLELOGSMART_TTL_COMPLETED_HOURS": "0.01", "MOODLELOGSMART_TTL_FAILED_HOURS": "0.01"}
    result = run_cli("purge", "--json", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return json_lines(result.stdout)[0]


def leftovers(paths: AppPaths) -> list[Path]:
    """Everything still under ``<home>/jobs``."""
    return sorted(paths.jobs.rglob("*")) if paths.jobs.exists() else []
