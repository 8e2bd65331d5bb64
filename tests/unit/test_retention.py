"""Retention: the pure purge plan with a moved clock (never a sleep), and the deleter's
safety (symbolic links, odd names, things outside jobs/). No Qt."""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moodlelogsmart_gui.jobs.retention import (
    FUTURE_TOLERANCE_SECONDS,
    PurgePlan,
    RetentionPolicy,
    execute_purge,
    is_job_id,
    list_job_folders,
    plan_purge,
)
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState
from tests.fixtures.jobs import job_row

HOUR = 3600.0
POLICY = RetentionPolicy(
    ttl_completed_seconds=24 * HOUR, ttl_failed_seconds=HOUR, job_timeout_seconds=600
)
T0 = 1_800_000_000.0


def job(state: JobState, finished_at: float | None = T0, **changes: Any) -> Job:
    fields: dict[str, Any] = {
        "input_size": 1,
        "source_path": "/x/log.csv",
        "state": state,
        "reason": FailureReason.CRASHED if state == JobState.FAILED else None,
        "queued_at": T0 - 100,
        "started_at": T0 - 50,
        "finished_at": finished_at,
    }
    return job_row(**{**fields, **changes})


def test_policy_from_settings_uses_hours_and_seconds() -> None:
    values = SimpleNamespace(ttl_completed_hours=0.5, ttl_failed_hours=1.0, job_timeout_seconds=600)
    policy = RetentionPolicy.from_settings(values)
    assert policy.ttl_completed_seconds == 1800 and policy.ttl_failed_seconds == HOUR
    assert policy.job_timeout_seconds == 600


def test_completed_files_live_exactly_ttl_completed() -> None:
    done = job(JobState.COMPLETED)
    before = plan_purge([done], [done.id], T0 + 24 * HOUR - 1, POLICY)
    after = plan_purge([done], [done.id], T0 + 24 * HOUR, POLICY)
    assert before.expire == () and after.expire == (done.id,)
    assert POLICY.expires_at(done) == T0 + 24 * HOUR


@pytest.mark.parametrize("state", [JobState.FAILED, JobState.CANCELLED])
def test_failed_and_cancelled_files_live_ttl_failed(state: JobState) -> None:
    ended = job(state)
    assert plan_purge([ended], [ended.id], T0 + HOUR - 1, POLICY).expire == ()
    assert plan_purge([ended], [ended.id], T0 + HOUR, POLICY).expire == (ended.id,)


def test_queued_running_and_live_jobs_are_never_expired() -> None:
    queued = job(JobState.QUEUED, finished_at=None)
    running = job(JobState.RUNNING, finished_at=None, started_at=T0)
    live_done = job(JobState.COMPLETED)
    jobs = [queued, running, live_done]
    later = T0 + 400 * HOUR
    plan = plan_purge(jobs, [j.id for j in jobs], later, POLICY, live={running.id, live_done.id})
    assert plan.expire == () and plan.orphans == () and plan.stuck == ()


def test_a_running_job_without_a_worker_past_its_timeout_is_stuck() -> None:
    running = job(JobState.RUNNING, finished_at=None, started_at=T0, timeout_seconds=600)
    assert plan_purge([running], [], T0 + 599, POLICY).stuck == ()
    assert plan_purge([running], [], T0 + 601, POLICY).stuck == (running.id,)
    assert plan_purge([running], [], T0 + 601, POLICY, live={running.id}).stuck == ()


def test_orphans_are_job_named_folders_without_a_row_and_odd_names_are_skipped() -> None:
    known = job(JobState.QUEUED, finished_at=None)
    orphan = uuid.uuid4().hex
    odd = ["../x", "notes.txt", orphan.upper(), orphan + "0", ".hidden", "..", "x" * 32]
    plan = plan_purge([known], [known.id, orphan, *odd], T0, POLICY)
    assert plan.orphans == (orphan,)
    assert set(plan.skipped) == set(odd)


def test_an_expired_job_is_planned_again_only_while_its_folder_remains() -> None:
    gone = job(JobState.COMPLETED, expired=True)
    assert plan_purge([gone], [], T0 + 48 * HOUR, POLICY).expire == ()
    assert plan_purge([gone], [gone.id], T0 + 48 * HOUR, POLICY).expire == (gone.id,)


def test_clock_set_back_an_hour_neither_deletes_early_nor_keeps_forever() -> None:
    done = job(JobState.COMPLETED, finished_at=T0)
    now = T0 - HOUR  # the clock jumped back after the job finished
    plan = plan_purge([done], [done.id], now, POLICY)
    assert plan.expire == () and plan.reanchor == (done.id,)
    anchored = replace(done, finished_at=now)  # what the queue records
    assert plan_purge([anchored], [done.id], now + 24 * HOUR - 1, POLICY).expire == ()
    assert plan_purge([anchored], [done.id], now + 24 * HOUR, POLICY).expire == (done.id,)


def test_a_small_future_skew_counts_as_age_zero() -> None:
    done = job(JobState.FAILED, finished_at=T0 + FUTURE_TOLERANCE_SECONDS - 1)
    plan = plan_purge([done], [done.id], T0, POLICY)
    assert plan.expire == () and plan.reanchor == ()


def test_clock_forward_a_day_purges_what_is_older_than_the_ttl_by_the_new_clock() -> None:
    fresh_done = job(JobState.COMPLETED, finished_at=T0)
    fresh_failed = job(JobState.FAILED, finished_at=T0)
    now = T0 + 24 * HOUR
    plan = plan_purge([fresh_done, fresh_failed], [fresh_done.id, fresh_failed.id], now, POLICY)
    assert set(plan.expire) == {fresh_done.id, fresh_failed.id}
    assert plan_purge([fresh_done], [fresh_done.id], T0 + 2 * HOUR, POLICY).expire == ()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(JobState)),
            st.floats(min_value=-100 * HOUR, max_value=100 * HOUR),
            st.booleans(),
            st.booleans(),
        ),
        max_size=12,
    ),
    st.lists(st.text(max_size=40), max_size=6),
    st.floats(min_value=-100 * HOUR, max_value=100 * HOUR),
)
def test_the_plan_never_touches_unfinished_live_or_young_jobs(
    specs: list[tuple[JobState, float, bool, bool]], names: list[str], offset: float
) -> None:
    jobs = [job(state, finished_at=T0 + age, expired=expired) for state, age, expired, _ in specs]
    live = {j.id for j, spec in zip(jobs, specs, strict=True) if spec[3]}
    now = T0 + offset
    plan = plan_purge(jobs, [j.id for j in jobs] + names, now, POLICY, live=live)
    by_id = {j.id: j for j in jobs}
    for job_id in plan.expire:
        expiring = by_id[job_id]
        assert job_id not in live and expiring.is_terminal
        ttl = POLICY.ttl_for(expiring.state)
        assert ttl is not None and expiring.finished_at is not None
        assert now - expiring.finished_at >= ttl
    assert all(is_job_id(name) and name not in by_id for name in plan.orphans)
    assert not set(plan.stuck) & live


# -- the deleter ---------------------------------------------------------------------------


def make_folder(jobs_dir: Path, name: str, size: int = 1000) -> Path:
    folder = jobs_dir / name
    folder.mkdir(parents=True)
    (folder / "result.zip").write_bytes(b"z" * size)
    (folder / "job.log").write_text("log")
    return folder


@pytest.fixture
def jobs_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "jobs"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.docx").write_text("years of work")
    return folder


def test_execute_deletes_planned_folders_and_counts_bytes(jobs_dir: Path) -> None:
    expired, orphan = uuid.uuid4().hex, uuid.uuid4().hex
    make_folder(jobs_dir, expired, 1000)
    make_folder(jobs_dir, orphan, 500)
    report = execute_purge(PurgePlan(expire=(expired,), orphans=(orphan,)), jobs_dir)
    assert report.errors == [] and report.jobs_purged == 1 and report.folders_removed == 2
    assert report.bytes_freed == 1000 + 500 + 2 * 3
    assert report.expired_ids == [expired]
    assert list_job_folders(jobs_dir) == []


def test_dry_run_deletes_nothing(jobs_dir: Path) -> None:
    name = uuid.uuid4().hex
    make_folder(jobs_dir, name, 100)
    report = execute_purge(PurgePlan(expire=(name,)), jobs_dir, dry_run=True)
    assert report.dry_run and report.bytes_freed == 103 and (jobs_dir / name).exists()


def test_a_symlink_named_like_a_job_is_refused_and_its_target_survives(
    jobs_dir: Path, outside: Path
) -> None:
    name = uuid.uuid4().hex
    (jobs_dir / name).symlink_to(outside, target_is_directory=True)
    report = execute_purge(PurgePlan(expire=(name,), orphans=(name,)), jobs_dir)
    assert (outside / "thesis.docx").read_text() == "years of work"
    assert report.jobs_purged == 0 and report.errors


def test_a_symlink_inside_a_job_folder_is_removed_not_followed(
    jobs_dir: Path, outside: Path
) -> None:
    name = uuid.uuid4().hex
    folder = make_folder(jobs_dir, name)
    (folder / "link").symlink_to(outside, target_is_directory=True)
    (folder / "file_link").symlink_to(outside / "thesis.docx")
    report = execute_purge(PurgePlan(orphans=(name,)), jobs_dir)
    assert report.errors == [] and not folder.exists()
    assert (outside / "thesis.docx").read_text() == "years of work"


@pytest.mark.parametrize("name", ["../precious", "..", "/tmp", "A" * 32, "precious"])
def test_names_that_are_not_job_ids_are_refused(jobs_dir: Path, outside: Path, name: str) -> None:
    report = execute_purge(PurgePlan(expire=(name,), orphans=(name,)), jobs_dir)
    assert report.errors and report.folders_removed == 0
    assert (outside / "thesis.docx").exists()


def test_a_file_named_like_a_job_is_refused(jobs_dir: Path) -> None:
    name = uuid.uuid4().hex
    (jobs_dir / name).write_text("not a folder")
    report = execute_purge(PurgePlan(orphans=(name,)), jobs_dir)
    assert report.errors and (jobs_dir / name).exists()


def test_a_jobs_folder_that_is_a_symlink_is_not_purged(tmp_path: Path, outside: Path) -> None:
    name = uuid.uuid4().hex
    make_folder(outside, name)
    link = tmp_path / "data-jobs-link"
    link.symlink_to(outside, target_is_directory=True)
    report = execute_purge(PurgePlan(orphans=(name,)), link)
    assert report.errors and (outside / name / "result.zip").exists()


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions that apply (not root)"
)
def test_a_read_only_job_folder_is_still_purged(jobs_dir: Path) -> None:
    name = uuid.uuid4().hex
    folder = make_folder(jobs_dir, name)
    (folder / "sub").mkdir()
    (folder / "sub" / "f").write_text("x")
    os.chmod(folder / "sub", 0o000)
    os.chmod(folder, 0o500)
    report = execute_purge(PurgePlan(orphans=(name,)), jobs_dir)
    assert report.errors == [] and not folder.exists()


def test_each_run_logs_one_structured_line(
    jobs_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    name = uuid.uuid4().hex
    make_folder(jobs_dir, name, 10)
    with caplog.at_level(logging.INFO, logger="moodlelogsmart_gui.jobs.retention"):
        execute_purge(PurgePlan(expire=(name,)), jobs_dir)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("purge ")]
    assert len(lines) == 1
    data = json.loads(lines[0].removeprefix("purge "))
    assert data["jobs_purged"] == 1 and data["bytes_freed"] == 13 and data["errors"] == []
    assert {"seconds", "folders_removed", "dry_run"} <= set(data)


def test_store_and_retention_import_no_qt() -> None:
    """The Qt-free core stays Qt-free (import them with PySide6 made unimportable)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['PySide6'] = None\n"
        "import moodlelogsmart_gui.jobs.store, moodlelogsmart_gui.jobs.retention\n"
        "import moodlelogsmart_gui.jobs.outcome, moodlelogsmart_gui.jobs.results\n"
        "import moodlelogsmart_gui.jobs.lock, moodlelogsmart_gui.jobs.intake\n"
        "import moodlelogsmart_gui.jobs.history\n"
        "assert 'pandas' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
