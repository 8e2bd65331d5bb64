"""``moodlelogsmart settings`` and ``moodlelogsmart jobs`` filters, run as a user would."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from PySide6.QtCore import QSettings

from moodlelogsmart_gui.jobs.store import FailureReason, JobState, JobStore
from moodlelogsmart_gui.paths import AppPaths
from tests.fixtures.jobs import job_row
from tests.jobs.test_cli import assert_no_traceback, json_lines, run_cli

HOUR, DAY = 3600.0, 86400.0


def test_settings_json_says_where_each_value_comes_from(app_home: Path) -> None:
    paths = AppPaths.resolve()
    paths.ensure()
    saved = QSettings(str(paths.settings_file), QSettings.Format.IniFormat)
    saved.setValue("ttl_failed_hours", 6)
    saved.setValue("cleanup_interval_seconds", 3)  # below the minimum: the default is used
    saved.sync()
    env = {
        "MOODLELOGSMART_JOB_TIMEOUT_SECONDS": "900",
        "MOODLELOGSMART_TTL_COMPLETED_HOURS": "lots",
    }
    result = run_cli("settings", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    records = {str(r["key"]): r for r in json_lines(result.stdout)}
    timeout = records["job_timeout_seconds"]
    assert (timeout["source"], timeout["value"], timeout["unit"]) == ("environment", 900, "seconds")
    assert timeout["variable"] == "MOODLELOGSMART_JOB_TIMEOUT_SECONDS"
    assert timeout["shown"] == "15 minutes" and timeout["problems"] == []
    assert (records["ttl_failed_hours"]["source"], records["ttl_failed_hours"]["value"]) == (
        "user",
        6.0,
    )
    completed = records["ttl_completed_hours"]
    assert (completed["source"], completed["value"]) == ("default", 24.0)
    assert completed["problems"] == [
        "Keep completed results must be a number, not 'lots'. "
        "(from MOODLELOGSMART_TTL_COMPLETED_HOURS; ignored)"
    ]
    cleanup = records["cleanup_interval_seconds"]
    assert cleanup["source"] == "default" and "the default is used" in cleanup["problems"][0]
    assert {r["source"] for r in records.values()} == {"default", "user", "environment"}

    plain = run_cli("settings", env={**env, "COLUMNS": "80"})
    assert plain.returncode == 0 and plain.stderr == ""
    lines = plain.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines if str(app_home) not in line), lines
    assert any(line.startswith("Job time limit") and line.endswith("environment") for line in lines)
    assert "  set by MOODLELOGSMART_JOB_TIMEOUT_SECONDS" in lines
    assert f"User settings file:\n{paths.settings_file}\n" in plain.stdout  # the path kept whole
    assert "Ignored values:" in lines


def seed(paths: AppPaths, now: float) -> dict[str, str]:
    """Completed, failed, cancelled and expired jobs of different ages."""
    paths.ensure()
    rows = {
        "fresh": job_row(state=JobState.COMPLETED, queued_at=now - 0.25 * HOUR, rows_in=5),
        "timeout": job_row(
            state=JobState.FAILED,
            reason=FailureReason.TIMEOUT,
            message="Timed out after 600 s; the job was stopped.",
            queued_at=now - 5 * HOUR,
        ),
        "expired": job_row(state=JobState.COMPLETED, expired=True, queued_at=now - 3 * DAY),
        "cancelled": job_row(state=JobState.CANCELLED, queued_at=now - 9 * DAY),
        "ancient": job_row(
            state=JobState.FAILED,
            reason=FailureReason.BAD_INPUT,
            message="The file has no 'Event name' column; export the log again. " * 4,
            expired=True,
            queued_at=now - 40 * DAY,
        ),
    }
    store = JobStore(paths.history_db)
    try:
        for name, job in rows.items():
            store.add(dataclasses.replace(job, input_name=f"{name} log.csv"))
    finally:
        store.close()
    return {name: job.id for name, job in rows.items()}


def test_jobs_filters_on_a_history_of_different_ages(app_home: Path) -> None:
    paths = AppPaths.resolve()
    ids = seed(paths, time.time())  # ages are hours and days apart: the test's own run
    by_id = {value: key for key, value in ids.items()}  # time cannot move a job across
    everything = [by_id[str(r["id"])] for r in json_lines(run_cli("jobs", "--json").stdout)]
    assert everything == ["fresh", "timeout", "expired", "cancelled", "ancient"]

    def names(*args: str) -> list[str]:
        result = run_cli("jobs", "--json", *args)
        assert result.returncode == 0, result.stderr
        return [by_id[str(r["id"])] for r in json_lines(result.stdout)]

    assert names("--state", "failed") == names("--state", "FAILED") == ["timeout", "ancient"]
    assert names("--state", "expired") == ["expired", "ancient"]
    assert names("--state", "completed,cancelled") == ["fresh", "expired", "cancelled"]
    assert names("--since", "2h") == ["fresh"]
    assert names("--since", "7d") == ["fresh", "timeout", "expired"]
    assert names("--since", "7d", "--state", "failed") == ["timeout"]
    assert names("--limit", "2") == ["fresh", "timeout"]
    assert names("--state", "expired", "--limit", "1") == ["expired"]
    assert names("--state", "running") == []

    plain = run_cli("jobs", "--since", "30d", env={"COLUMNS": "80"})
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    heads = [line for line in lines if not line.startswith(" ")]
    assert [line.split()[0] for line in heads] == [
        ids[name][:8] for name in ("fresh", "timeout", "expired", "cancelled")
    ]
    assert "failed/timeout" in heads[1] and "(files deleted)" in heads[2]
    assert "          Timed out after 600 s; the job was stopped." in lines
    none = run_cli("jobs", "--state", "queued")
    assert none.returncode == 0 and none.stdout == "No jobs match.\n"


def test_jobs_filters_refuse_bad_values_with_one_sentence(app_home: Path) -> None:
    for args, words in (
        (["--since", "soon"], "is not a duration"),
        (["--limit", "0"], "at least 1"),
        (["--state", "done"], "is not a job state"),
    ):
        result = run_cli("jobs", *args)
        assert result.returncode == 2, result.stderr
        assert words in result.stderr and result.stdout == ""
        assert_no_traceback(result)
