"""A job's life through the queue with well-behaved fake workers: submit, run, complete,
cancel, retry, remove, recovery after a crash of the app, settings changes."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.queue import CLOSED_MESSAGE, JobQueue, JobSubmitError
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState, JobStore
from moodlelogsmart_gui.jobs.tasks import find_input_copy
from moodlelogsmart_gui.paths import AppPaths, rules_preset_path
from moodlelogsmart_gui.settings import Settings
from tests.fixtures.jobs import job_row
from tests.jobs.conftest import QueueFactory, SwitchableWorker, fake_worker, sha256


def wait_finished(qtbot: QtBot, queue: JobQueue, job_id: str, timeout_ms: int = 10_000) -> Job:
    qtbot.waitUntil(
        lambda: (job := queue.job(job_id)) is not None and job.is_terminal, timeout=timeout_ms
    )
    job = queue.job(job_id)
    assert job is not None
    return job


def make_job(state: JobState) -> Job:
    return job_row(
        state=state,
        queued_at=time.time() - 60,
        started_at=time.time() - 30 if state == JobState.RUNNING else None,
        percent=40,
        stage="classify",
    )


def test_a_job_completes_with_its_result_and_no_input_copy(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, app_paths: AppPaths
) -> None:
    before = sha256(user_log)
    queue = make_queue("ok")
    with qtbot.waitSignal(queue.job_added, timeout=1000) as added:
        job_id = queue.submit(user_log)
    assert added.args == [job_id]
    first = queue.job(job_id)
    assert first is not None and first.state == JobState.QUEUED
    job = wait_finished(qtbot, queue, job_id)
    assert job.state == JobState.COMPLETED, job.message
    assert job.rows_in == 3 and job.rows_out == 3 and job.percent == 100
    assert job.result_path == str(app_paths.jobs / job_id / "result.zip")
    assert Path(job.result_path).is_file()
    folder = app_paths.jobs / job_id
    assert sorted(p.name for p in folder.iterdir()) == ["job.json", "job.log", "result.zip"]
    config = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    assert config["input"] == "input.csv" and config["original_name"] == user_log.name
    assert job.expires_at == pytest.approx(job.finished_at + 24 * 3600)
    assert sha256(user_log) == before and user_log.exists()
    assert queue.running_count() == 0 and queue.queued_count() == 0


def test_submit_refuses_what_cannot_be_processed(make_queue: QueueFactory, tmp_path: Path) -> None:
    queue = make_queue("ok")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(JobSubmitError, match="empty"):
        queue.submit(empty)
    with pytest.raises(JobSubmitError, match="does not exist"):
        queue.submit(tmp_path / "missing.csv")
    with pytest.raises(JobSubmitError, match="folder"):
        queue.submit(tmp_path)
    assert queue.jobs() == []


def test_the_classification_setting_picks_the_rules_of_new_jobs(
    make_queue: QueueFactory, user_log: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text("# my rules", encoding="utf-8")
    queue = make_queue("ok", start=False, classification="moodle2eventlog")
    preset = rules_preset_path("moodle2eventlog")
    assert preset is not None and preset.is_file()
    assert queue.job(queue.submit(user_log)).rules_file == str(preset)
    assert queue.job(queue.submit(user_log, rules_file="moodlelogsmart")).rules_file == ""
    assert queue.job(queue.submit(user_log, rules_file=str(mine))).rules_file == str(mine)
    custom = make_queue("ok", start=False, classification="moodle2eventlog", rules_file=str(mine))
    assert custom.job(custom.submit(user_log)).rules_file == str(mine)  # a custom file wins
    plain = make_queue("ok", start=False)
    assert plain.job(plain.submit(user_log)).rules_file == ""


def submit_two_and_wait_for_one_running(
    qtbot: QtBot, queue: JobQueue, user_log: Path
) -> tuple[str, str]:
    """Copies run in parallel, so either job may start first: return (running, queued)."""
    ids = [queue.submit(user_log), queue.submit(user_log)]
    qtbot.waitUntil(lambda: any(queue.job(i).stage == "read" for i in ids), timeout=15_000)
    running = next(i for i in ids if queue.job(i).stage == "read")
    return running, next(i for i in ids if i != running)


def test_cancel_a_queued_and_a_running_job(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, app_paths: AppPaths
) -> None:
    queue = make_queue(fake_worker("slow", "30"))
    running_id, queued_id = submit_two_and_wait_for_one_running(qtbot, queue, user_log)
    assert queue.job(queued_id).state == JobState.QUEUED
    queue.cancel(queued_id)
    queued = queue.job(queued_id)
    assert (queued.state, queued.reason) == (JobState.CANCELLED, FailureReason.CANCELLED)
    with qtbot.waitSignal(queue.job_finished, timeout=5000) as finished:
        queue.cancel(running_id)
    assert finished.args == [running_id]
    job = queue.job(running_id)
    assert (job.state, job.reason, job.message) == (
        JobState.CANCELLED,
        FailureReason.CANCELLED,
        "Cancelled.",
    )
    for job_id in (running_id, queued_id):
        assert find_input_copy(app_paths.jobs / job_id) is None
    assert queue.running_count() == 0 and queue.queued_count() == 0


def test_retry_uses_the_source_file_and_asks_again_when_it_is_gone(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path
) -> None:
    queue = make_queue("exit3")
    failed = wait_finished(qtbot, queue, queue.submit(user_log))
    assert failed.state == JobState.FAILED
    with pytest.raises(JobSubmitError, match="Only a finished job"):
        queue.rerun(queue.submit(user_log))
    make_queue.use_worker(queue, "ok")
    again = wait_finished(qtbot, queue, queue.rerun(failed.id))
    assert again.state == JobState.COMPLETED and again.id != failed.id
    assert again.input_name == failed.input_name and again.source_path == failed.source_path
    moved = user_log.with_name("moved.csv")
    user_log.rename(moved)
    with pytest.raises(JobSubmitError, match="no longer where it was; add it again"):
        queue.rerun(failed.id)


def test_retry_prefers_a_kept_input_copy(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, app_paths: AppPaths
) -> None:
    queue = make_queue("ok")
    job = wait_finished(qtbot, queue, queue.submit(user_log))
    assert job.state == JobState.COMPLETED  # a completed job runs again too
    kept = app_paths.jobs / job.id / "input.csv"
    kept.write_text(user_log.read_text(encoding="utf-8"), encoding="utf-8")
    user_log.unlink()
    assert wait_finished(qtbot, queue, queue.rerun(job.id)).state == JobState.COMPLETED


def test_remove_deletes_row_and_files_but_never_a_running_job(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, app_paths: AppPaths
) -> None:
    queue = make_queue(fake_worker("slow", "30"))
    running_id = queue.submit(user_log)
    qtbot.waitUntil(lambda: queue.job(running_id).stage == "read", timeout=15_000)
    with pytest.raises(JobSubmitError, match="cannot be removed"):
        queue.remove(running_id)
    queue.cancel(running_id)
    wait_finished(qtbot, queue, running_id)
    with qtbot.waitSignal(queue.job_removed, timeout=1000):
        queue.remove(running_id)
    assert queue.job(running_id) is None and not (app_paths.jobs / running_id).exists()
    assert user_log.exists()


def test_start_recovers_interrupted_and_queued_jobs_from_an_earlier_run(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, app_paths: AppPaths
) -> None:
    """The earlier run's leftovers, written as that run would have left them."""
    store = JobStore(app_paths.history_db)
    ids = {}
    for label, state in (
        ("running", JobState.RUNNING),
        ("queued", JobState.QUEUED),
        ("lost", JobState.QUEUED),
    ):
        job = make_job(state)
        store.add(job)
        ids[label] = job.id
        folder = app_paths.jobs / job.id
        folder.mkdir()
        (folder / "job.json").write_text(json.dumps({"input": "input.csv"}), encoding="utf-8")
        if label != "lost":
            (folder / "input.csv").write_bytes(user_log.read_bytes())
        else:
            (folder / "input.csv.copying").write_bytes(b"half")
    store.close()
    queue = make_queue("ok", start=False)
    queue.start()
    running = queue.job(ids["running"])
    assert (running.state, running.reason) == (JobState.FAILED, FailureReason.INTERRUPTED)
    assert running.message == "The app stopped while this job ran; try it again."
    assert find_input_copy(app_paths.jobs / ids["running"]) is None
    lost = queue.job(ids["lost"])
    assert lost.state == JobState.FAILED and "add the file again" in lost.message
    assert wait_finished(qtbot, queue, ids["queued"]).state == JobState.COMPLETED


def test_a_stuck_running_row_is_failed_by_the_purge(
    qtbot: QtBot, make_queue: QueueFactory, app_paths: AppPaths
) -> None:
    """A row left running by another process (not recovered at start) past its limit."""
    now = [1_900_000_000.0]
    store = JobStore(app_paths.history_db)
    job = job_row(state=JobState.RUNNING, queued_at=now[0], started_at=now[0])
    store.add(job)
    store.close()
    queue = make_queue("ok", start=False, clock=lambda: now[0])
    now[0] += 601
    with qtbot.waitSignal(queue.purge_finished, timeout=5000) as purged:
        queue.purge_now()
    assert purged.args[0].stuck_ids == [job.id]
    stuck = queue.job(job.id)
    assert (stuck.state, stuck.reason) == (JobState.FAILED, FailureReason.INTERRUPTED)


def test_the_purge_never_touches_a_running_job(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, app_paths: AppPaths
) -> None:
    now = [1_900_000_000.0]
    queue = make_queue(fake_worker("slow", "30"), clock=lambda: now[0])
    job_id = queue.submit(user_log)
    qtbot.waitUntil(lambda: queue.job(job_id).stage == "read", timeout=15_000)
    before = sorted(p.name for p in (app_paths.jobs / job_id).iterdir())
    now[0] += 1000 * 3600
    with qtbot.waitSignal(queue.purge_finished, timeout=5000) as purged:
        queue.purge_now()
    assert purged.args[0].folders_removed == 0 and purged.args[0].stuck_ids == []
    assert sorted(p.name for p in (app_paths.jobs / job_id).iterdir()) == before
    assert queue.job(job_id).state == JobState.RUNNING
    queue.cancel(job_id)
    wait_finished(qtbot, queue, job_id)


def test_the_timer_purges_and_apply_settings_rearms_it_and_resizes_the_pool(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path
) -> None:
    queue = make_queue("ok", cleanup_interval_seconds=1)
    next_at = queue.next_purge_at()
    assert next_at is not None and 0 < next_at - time.time() <= 1.5
    with qtbot.waitSignal(queue.purge_finished, timeout=3000):
        pass
    changed = dataclasses.replace(
        queue._settings, cleanup_interval_seconds=7200, concurrent_jobs=2, job_timeout_seconds=42
    )
    queue.apply_settings(changed)
    assert queue._pool.maxThreadCount() == 2
    assert 7000 < queue.next_purge_at() - time.time() <= 7200
    job = wait_finished(qtbot, queue, queue.submit(user_log))
    assert job.timeout_seconds == 42
    queue.shutdown()
    assert queue.next_purge_at() is None


def test_jobs_start_in_the_order_they_were_added_even_when_copies_finish_out_of_order(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big_log.csv"
    big.write_bytes(user_log.read_bytes() + b"x" * 40_000_000)
    queue = make_queue("ok", concurrent_jobs=1)
    ids = [queue.submit(big), queue.submit(user_log), queue.submit(user_log)]
    jobs = [wait_finished(qtbot, queue, job_id) for job_id in ids]
    started = [job.started_at for job in jobs]
    assert all(s is not None for s in started)
    assert started == sorted(started), [job.input_name for job in jobs]


def test_cancelling_a_job_still_copying_does_not_hold_back_later_jobs(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big_log.csv"
    big.write_bytes(user_log.read_bytes() + b"x" * 40_000_000)
    queue = make_queue("ok", concurrent_jobs=1)
    first, second = queue.submit(big), queue.submit(user_log)
    queue.cancel(first)
    assert wait_finished(qtbot, queue, second).state == JobState.COMPLETED
    assert wait_finished(qtbot, queue, first).state == JobState.CANCELLED
    qtbot.waitUntil(lambda: queue.queued_count() == 0, timeout=5000)


def test_the_last_progress_of_a_burst_reaches_the_history(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path
) -> None:
    """Progress is throttled, but the latest stage is never dropped."""
    queue = make_queue(fake_worker("burst", "3"))
    job_id = queue.submit(user_log)
    qtbot.waitUntil(
        lambda: (job := queue.job(job_id)) is not None and job.stage == "export", timeout=15_000
    )
    job = queue.job(job_id)
    assert job is not None and job.state == JobState.RUNNING and job.percent == 70
    assert wait_finished(qtbot, queue, job_id).state == JobState.COMPLETED


def test_the_events_read_reach_the_queue_and_bad_counts_are_ignored(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path
) -> None:
    queue = make_queue(fake_worker("counting", "3"))
    job_id = queue.submit(user_log)
    assert queue.events_read(job_id) is None
    qtbot.waitUntil(lambda: queue.job(job_id).percent == 60, timeout=15_000)
    assert queue.events_read(job_id) == 1234  # "lots" and -1 left it as it was
    assert wait_finished(qtbot, queue, job_id).state == JobState.COMPLETED
    assert queue.events_read(job_id) is None  # only running jobs have a live count


def test_two_jobs_run_at_once_when_allowed(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path
) -> None:
    queue = make_queue(fake_worker("slow", "1"), concurrent_jobs=2)
    first, second = queue.submit(user_log), queue.submit(user_log)
    qtbot.waitUntil(lambda: queue.running_count() == 2, timeout=5000)
    for job_id in (first, second):
        assert wait_finished(qtbot, queue, job_id).state == JobState.COMPLETED


def test_shutdown_cancels_running_jobs_and_keeps_queued_ones(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path
) -> None:
    queue = make_queue(fake_worker("slow", "30"))
    running_id, queued_id = submit_two_and_wait_for_one_running(qtbot, queue, user_log)
    started = time.monotonic()
    queue.shutdown()
    assert time.monotonic() - started < 3
    running = queue.job(running_id)
    assert (running.state, running.message) == (JobState.CANCELLED, CLOSED_MESSAGE)
    assert queue.job(queued_id).state == JobState.QUEUED
    with pytest.raises(JobSubmitError, match="closing"):
        queue.submit(user_log)


def test_secret_and_history_are_private(make_queue: QueueFactory, app_paths: AppPaths) -> None:
    make_queue("ok")
    if os.name == "posix":
        assert stat.S_IMODE(app_paths.secret_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(app_paths.history_db.stat().st_mode) == 0o600
        assert stat.S_IMODE(app_paths.data.stat().st_mode) == 0o700
        assert len(app_paths.secret_file.read_bytes()) == 32


def test_signals_arriving_after_shutdown_are_ignored(
    qtbot: QtBot, app_paths: AppPaths, user_log: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A copy finishing while the app closes must not touch the closed history."""
    store = JobStore(app_paths.history_db)
    queue = JobQueue(app_paths, store, Settings(), worker_command=fake_worker("ok"))
    queue.start()
    job_id = queue.submit(user_log)
    queue.shutdown()
    store.close()
    qtbot.wait(200)  # deliver whatever the pool threads queued
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    reopened = JobStore(app_paths.history_db)
    job = reopened.get(job_id)
    reopened.close()
    assert job is not None and job.state == JobState.QUEUED  # it runs at the next start


def test_clock_set_back_an_hour_reanchors_then_purges_one_ttl_later(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, app_paths: AppPaths
) -> None:
    now = [1_900_000_000.0]
    queue = make_queue("ok", clock=lambda: now[0])
    job = wait_finished(qtbot, queue, queue.submit(user_log))
    now[0] -= 3600  # the clock jumps back an hour
    with qtbot.waitSignal(queue.purge_finished, timeout=5000) as purged:
        queue.purge_now()
    assert purged.args[0].jobs_purged == 0
    anchored = queue.job(job.id)
    assert anchored.finished_at == now[0] and (app_paths.jobs / job.id / "result.zip").exists()
    now[0] += 24 * 3600 - 1
    with qtbot.waitSignal(queue.purge_finished, timeout=5000) as purged:
        queue.purge_now()
    assert purged.args[0].jobs_purged == 0
    now[0] += 1
    with qtbot.waitSignal(queue.purge_finished, timeout=5000) as purged:
        queue.purge_now()
    assert purged.args[0].expired_ids == [job.id] and queue.job(job.id).expired


LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def test_a_history_locked_by_another_program_delays_records_but_loses_none(
    qtbot: QtBot, app_paths: AppPaths, user_log: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = JobStore(app_paths.history_db, busy_timeout_ms=100)
    worker = SwitchableWorker(fake_worker("slow", "1.5"))
    queue = JobQueue(app_paths, store, Settings(), worker_command=worker)
    queue.start()
    job_id = queue.submit(user_log)
    qtbot.waitUntil(lambda: queue.job(job_id).stage == "read", timeout=15_000)
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(app_paths.history_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(JobSubmitError, match="locked by another program"):
            queue.submit(user_log)
        with qtbot.waitSignal(queue.job_finished, timeout=10_000) as finished:
            pass
        assert finished.args == [job_id]
        assert any("will retry" in r.getMessage() for r in caplog.records)
        # The live table (what the views show) has the end at once; the history later.
        assert queue.job(job_id).state == JobState.COMPLETED
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)

    def recorded() -> Job | None:
        return store.get(job_id)

    qtbot.waitUntil(lambda: getattr(recorded(), "state", None) == JobState.COMPLETED, timeout=5000)
    job = recorded()
    assert job is not None and job.rows_in == 1 and job.result_path
    worker.command = fake_worker("ok")
    assert wait_finished(qtbot, queue, queue.submit(user_log)).state == JobState.COMPLETED
    queue.shutdown()
    store.close()


def test_rerun_of_a_completed_job_keeps_its_options(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "my rules.toml"
    rules.write_text("# rules\n", encoding="utf-8")
    queue = make_queue("ok")  # the settings say: no pseudonyms, built-in rules
    first = wait_finished(
        qtbot, queue, queue.submit(user_log, pseudonymize=True, rules_file=str(rules))
    )
    assert first.state == JobState.COMPLETED and first.state.can_retry
    again = wait_finished(qtbot, queue, queue.rerun(first.id))
    assert again.id != first.id and again.state == JobState.COMPLETED
    assert (again.pseudonymize, again.rules_file) == (True, str(rules.absolute()))
    assert (again.input_name, again.source_path) == (first.input_name, first.source_path)


def test_views_read_the_live_table_not_the_database(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path
) -> None:
    """What the queue reports does not change when the database is edited behind its back,
    and progress reaches the history at most once a second."""
    queue = make_queue("ok")
    job = wait_finished(qtbot, queue, queue.submit(user_log))
    queue._store.update(job.id, message="edited elsewhere")
    assert queue.job(job.id) is not None and queue.job(job.id).message == job.message
    with qtbot.waitSignal(queue.jobs_changed, timeout=2000):
        queue.apply_settings(dataclasses.replace(queue._settings, ttl_completed_hours=2.0))
