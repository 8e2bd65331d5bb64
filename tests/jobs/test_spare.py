"""The warm spare worker: a job handed to a spare completes; a spare killed before its job is
replaced and the job still runs; a hanging job in a spare is stopped at its deadline counted
from the hand-over; an idle queue and a closed one keep no spare; new settings replace it."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.spare import SpareWorkers
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState, JobStore
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings import Settings
from tests.jobs.conftest import WORKERS, fake_worker, processes_mentioning

pytestmark = pytest.mark.skipif(
    not Path("/proc/self").exists(), reason="finds and kills workers through /proc and signals"
)


def fake_spare(jobs_folder: Path) -> list[str]:
    return [sys.executable, str(WORKERS / "spare.py"), "--spare", str(jobs_folder)]


SpareQueue = Callable[..., JobQueue]


@pytest.fixture
def spare_queue(app_paths: AppPaths, qtbot: QtBot) -> Iterator[SpareQueue]:
    made: list[tuple[JobQueue, JobStore]] = []

    def factory(
        spare: Callable[[Path], list[str]] = fake_spare,
        *,
        worker: Callable[[Path], list[str]] | None = None,
        idle_seconds: float = 60.0,
        **overrides: Any,
    ) -> JobQueue:
        settings = dataclasses.replace(Settings(), **{"concurrent_jobs": 1, **overrides})
        store = JobStore(app_paths.history_db)
        queue = JobQueue(
            app_paths,
            store,
            settings,
            worker_command=worker or fake_worker("ok"),
            spare_command=spare,
            spare_idle_seconds=idle_seconds,
        )
        made.append((queue, store))
        queue.start()
        return queue

    yield factory
    for queue, store in made:
        queue.shutdown()
        store.close()


@contextmanager
def real_queue(
    app_paths: AppPaths, spare_idle_seconds: float | None = None, **overrides: Any
) -> Iterator[JobQueue]:
    """A started queue with the real worker (one job at a time unless overridden); shut down
    and its history closed on the way out."""
    settings = dataclasses.replace(Settings(), **{"concurrent_jobs": 1, **overrides})
    store = JobStore(app_paths.history_db)
    idle = {} if spare_idle_seconds is None else {"spare_idle_seconds": spare_idle_seconds}
    queue = JobQueue(app_paths, store, settings, **idle)
    try:
        queue.start()
        yield queue
    finally:
        queue.shutdown()
        store.close()


def spares(queue: JobQueue) -> SpareWorkers:
    assert queue._spares is not None
    return queue._spares


def spare_pids(app_paths: AppPaths) -> list[int]:
    return processes_mentioning(f"--spare {app_paths.jobs}")


def log_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(
        "Time,User full name,Affected user,Event context,Component,Event name,Description,"
        "Origin,IP address\n"
        '"1/02/24, 10:00",Ana Núñez,-,Course: Test,System,Course viewed,'
        "\"The user with id '3' viewed the course with id '2'.\",web,10.0.0.1\n",
        encoding="utf-8",
    )
    return path


def run_to_end(qtbot: QtBot, queue: JobQueue, source: Path, timeout_ms: int = 20_000) -> Job:
    job_id = queue.submit(source)
    qtbot.waitUntil(
        lambda: (job := queue.job(job_id)) is not None and job.is_terminal, timeout=timeout_ms
    )
    job = queue.job(job_id)
    assert job is not None
    return job


def test_a_job_handed_to_a_spare_completes_and_a_new_spare_waits_behind_it(
    qtbot: QtBot, spare_queue: SpareQueue, app_paths: AppPaths, tmp_path: Path
) -> None:
    queue = spare_queue()
    assert spare_pids(app_paths) == []  # nothing queued yet: no spare
    job = run_to_end(qtbot, queue, log_file(tmp_path, "week 1.csv"))
    assert job.state == JobState.COMPLETED, job.message
    keeper = spares(queue).keeper
    assert keeper.handed_count == 1
    log_text = (app_paths.jobs / job.id / "job.log").read_text(encoding="utf-8")
    assert "fake spare" in log_text and f"waiting in {app_paths.jobs}" in log_text
    qtbot.waitUntil(lambda: len(spare_pids(app_paths)) == 1, timeout=10_000)
    assert keeper.started_count == 2


def test_a_spare_killed_before_its_job_is_replaced_and_the_job_still_runs(
    qtbot: QtBot, spare_queue: SpareQueue, app_paths: AppPaths, tmp_path: Path
) -> None:
    queue = spare_queue()
    first = run_to_end(qtbot, queue, log_file(tmp_path, "week 1.csv"))
    assert first.state == JobState.COMPLETED
    qtbot.waitUntil(lambda: len(spare_pids(app_paths)) == 1, timeout=10_000)
    (victim,) = spare_pids(app_paths)
    os.kill(victim, signal.SIGKILL)
    keeper = spares(queue).keeper
    qtbot.waitUntil(lambda: keeper.died_count == 1, timeout=10_000)
    qtbot.waitUntil(lambda: spare_pids(app_paths) not in ([], [victim]), timeout=10_000)
    second = run_to_end(qtbot, queue, log_file(tmp_path, "week 2.csv"))
    assert second.state == JobState.COMPLETED, second.message
    assert keeper.handed_count == 2  # the replacement took the job
    assert victim not in spare_pids(app_paths)


def test_a_hanging_job_in_a_spare_is_stopped_at_its_deadline_from_the_hand_over(
    qtbot: QtBot, spare_queue: SpareQueue, app_paths: AppPaths, tmp_path: Path
) -> None:
    queue = spare_queue(job_timeout_seconds=1, stall_timeout_seconds=30)
    run_to_end(qtbot, queue, log_file(tmp_path, "week 1.csv"))
    qtbot.waitUntil(lambda: len(spare_pids(app_paths)) == 1, timeout=10_000)
    spare_born = time.time()
    qtbot.wait(2000)  # the spare is now older than the job's whole time limit
    job = run_to_end(qtbot, queue, log_file(tmp_path, "hang.csv"))
    assert (job.state, job.reason) == (JobState.FAILED, FailureReason.TIMEOUT), job.message
    assert job.started_at is not None and job.finished_at is not None
    assert job.started_at - spare_born >= 1.9
    assert job.finished_at - job.started_at >= 0.95  # counted from the hand-over
    pids = (app_paths.jobs / job.id / "pids.txt").read_text().split()
    assert len(pids) == 2  # the hanging worker and its grandchild: both gone
    # The group is SIGKILLed; the grandchild (not the runner's child) dies a moment later.
    qtbot.waitUntil(lambda: not any(pid_running(int(pid)) for pid in pids), timeout=5_000)


def pid_running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def test_an_idle_queue_drops_its_spare_and_quitting_leaves_none(
    qtbot: QtBot, spare_queue: SpareQueue, app_paths: AppPaths, tmp_path: Path
) -> None:
    queue = spare_queue(idle_seconds=0.5)
    run_to_end(qtbot, queue, log_file(tmp_path, "week 1.csv"))
    qtbot.waitUntil(lambda: spare_pids(app_paths) == [], timeout=10_000)  # idle: dropped
    queue.submit(log_file(tmp_path, "week 2.csv"))  # busy again: a spare comes back
    qtbot.waitUntil(lambda: len(spare_pids(app_paths)) >= 1, timeout=10_000)
    queue.shutdown()
    assert spare_pids(app_paths) == []  # gone when shutdown returns, not later


def test_new_settings_replace_the_spare(
    qtbot: QtBot, spare_queue: SpareQueue, app_paths: AppPaths, tmp_path: Path
) -> None:
    queue = spare_queue()
    run_to_end(qtbot, queue, log_file(tmp_path, "week 1.csv"))
    qtbot.waitUntil(lambda: len(spare_pids(app_paths)) == 1, timeout=10_000)
    (old,) = spare_pids(app_paths)
    queue.apply_settings(dataclasses.replace(Settings(), concurrent_jobs=1, pseudonymize=True))
    qtbot.waitUntil(lambda: spare_pids(app_paths) not in ([], [old]), timeout=10_000)
    assert spares(queue).keeper.replaced_count == 1


def test_a_changed_rules_file_retires_the_spare_at_the_hand_over(
    qtbot: QtBot, spare_queue: SpareQueue, app_paths: AppPaths, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("# first version\n", encoding="utf-8")
    queue = spare_queue(rules_file=str(rules))
    run_to_end(qtbot, queue, log_file(tmp_path, "week 1.csv"))
    qtbot.waitUntil(lambda: len(spare_pids(app_paths)) == 1, timeout=10_000)
    (stale,) = spare_pids(app_paths)
    rules.write_text("# second version, longer\n", encoding="utf-8")
    keeper = spares(queue).keeper
    handed = keeper.handed_count
    job = run_to_end(qtbot, queue, log_file(tmp_path, "week 2.csv"))
    assert job.state == JobState.COMPLETED
    assert keeper.handed_count == handed  # the stale spare was not used ...
    assert keeper.replaced_count >= 1
    assert "fake spare" not in (app_paths.jobs / job.id / "job.log").read_text(encoding="utf-8")
    assert stale not in spare_pids(app_paths)  # ... and it is gone


@pytest.mark.slow
def test_the_real_worker_as_a_spare_completes_a_real_log(
    qtbot: QtBot, app_paths: AppPaths, tmp_path: Path
) -> None:
    from tests.fixtures.moodle_logs import make_report_log, write_report_csv

    source = write_report_csv(tmp_path / "course.csv", make_report_log(500, seed=3).rows)
    with real_queue(app_paths) as queue:
        job = run_to_end(qtbot, queue, source, timeout_ms=60_000)
        assert job.state == JobState.COMPLETED, job.message
        assert job.rows_in == 500
        assert spares(queue).keeper.handed_count == 1
        log_text = (app_paths.jobs / job.id / "job.log").read_text(encoding="utf-8")
        assert "spare worker: warm, waiting for a job" in log_text
    assert spare_pids(app_paths) == []
