"""Faults injected with tiny real worker processes: each ends the job with the right reason
and a sentence, deletes the input copy, never presents a partial result, leaves the user's
file unchanged, lets the next job run, and leaves nothing after the next purge."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.runner import JobRunner, RunnerSignals
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState
from moodlelogsmart_gui.paths import AppPaths
from tests.jobs.conftest import QueueFactory, fake_worker, sha256

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the fake workers use POSIX signals")


def wait_finished(qtbot: QtBot, queue: JobQueue, job_id: str, timeout_ms: int = 15_000) -> Job:
    qtbot.waitUntil(
        lambda: (job := queue.job(job_id)) is not None and job.is_terminal, timeout=timeout_ms
    )
    job = queue.job(job_id)
    assert job is not None
    return job


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"
        except OSError:
            return False
    return True


def assert_after_fault(
    qtbot: QtBot,
    maker: QueueFactory,
    queue: JobQueue,
    app_paths: AppPaths,
    job: Job,
    user_log: Path,
    checksum: str,
    *,
    copy_kept_ok: bool = False,
) -> None:
    """The common promises after any fault (``copy_kept_ok``: a read-only folder cannot
    lose its input copy until the purge)."""
    folder = app_paths.jobs / job.id
    assert job.message and job.message.endswith((".", '."'))
    assert job.result_path is None
    if folder.exists():
        names = {p.name for p in folder.iterdir()}
        assert copy_kept_ok or not any(n.startswith("input.") for n in names), names
        assert "result.zip" not in names and "result.zip.part" not in names, names
    assert sha256(user_log) == checksum
    # The app goes on: the next job (same queue, now a good worker) completes.
    maker.use_worker(queue, "ok")
    next_id = queue.submit(user_log)
    assert wait_finished(qtbot, queue, next_id).state == JobState.COMPLETED
    # Nothing is left of the failed job after the next purge past its retention.
    maker.set_time(queue, time.time() + 2 * 3600)
    with qtbot.waitSignal(queue.purge_finished, timeout=5000) as purged:
        queue.purge_now()
    assert purged.args[0].errors == []
    assert not folder.exists()
    expired = queue.job(job.id)
    assert expired is not None and expired.expired and expired.state == job.state


CASES = [
    pytest.param("segv", FailureReason.CRASHED, "SIGSEGV", id="sigsegv"),
    pytest.param("sigkill", FailureReason.CRASHED, "SIGKILL", id="sigkill"),
    pytest.param("exit3", FailureReason.CRASHED, "exit status 3", id="nonzero-exit"),
    pytest.param("bad_input", FailureReason.BAD_INPUT, "no 'Event name' column", id="bad-input"),
    pytest.param("silent", FailureReason.CRASHED, "without reporting a result", id="silent-exit"),
    pytest.param(
        "memory",
        FailureReason.CRASHED,
        "MemoryError",
        id="out-of-memory",
        marks=pytest.mark.skipif(sys.platform == "darwin", reason="RLIMIT_AS is not enforced"),
    ),
    pytest.param("fsize", FailureReason.CRASHED, "File too large", id="disk-full-fsize"),
    pytest.param("done_no_result", FailureReason.INTERNAL, "no result file", id="done-no-zip"),
]


@pytest.mark.parametrize(("worker", "reason", "words"), CASES)
def test_worker_dies_or_misbehaves(
    qtbot: QtBot,
    make_queue: QueueFactory,
    app_paths: AppPaths,
    user_log: Path,
    worker: str,
    reason: FailureReason,
    words: str,
) -> None:
    checksum = sha256(user_log)
    queue = make_queue(worker)
    job = wait_finished(qtbot, queue, queue.submit(user_log))
    assert (job.state, job.reason) == (JobState.FAILED, reason), job.message
    assert words in job.message
    assert_after_fault(qtbot, make_queue, queue, app_paths, job, user_log, checksum)


@pytest.mark.parametrize("worker", ["hang", "stop_self"])
def test_watchdog_kills_the_whole_group_within_two_seconds_of_the_deadline(
    qtbot: QtBot, make_queue: QueueFactory, app_paths: AppPaths, user_log: Path, worker: str
) -> None:
    checksum = sha256(user_log)
    queue = make_queue(worker, job_timeout_seconds=1)
    job_id = queue.submit(user_log)
    qtbot.waitUntil(lambda: queue.job(job_id).state == JobState.RUNNING, timeout=15_000)
    started = queue.job(job_id).started_at
    job = wait_finished(qtbot, queue, job_id)
    assert (job.state, job.reason) == (JobState.FAILED, FailureReason.TIMEOUT)
    assert job.message == "Timed out after 1 s; the job was stopped."
    late = job.finished_at - (started + 1)
    print(f"{worker}: failed {late:.2f} s after its deadline")
    assert late < 2.0
    pids = [int(p) for p in (app_paths.jobs / job_id / "pids.txt").read_text().split()]
    qtbot.waitUntil(lambda: not any(pid_alive(pid) for pid in pids), timeout=2000)
    assert_after_fault(qtbot, make_queue, queue, app_paths, job, user_log, checksum)


def test_a_silent_worker_is_stopped_as_stuck(
    qtbot: QtBot, make_queue: QueueFactory, app_paths: AppPaths, user_log: Path
) -> None:
    checksum = sha256(user_log)
    queue = make_queue("silent_hang", stall_timeout_seconds=1)
    job = wait_finished(qtbot, queue, queue.submit(user_log))
    assert (job.state, job.reason) == (JobState.FAILED, FailureReason.TIMEOUT)
    assert job.message == "Made no progress for 1 s; the job was stopped as stuck."
    assert_after_fault(qtbot, make_queue, queue, app_paths, job, user_log, checksum)


def test_a_flood_of_garbage_is_ignored_and_the_job_completes(
    qtbot: QtBot, make_queue: QueueFactory, app_paths: AppPaths, user_log: Path
) -> None:
    queue = make_queue("flood")
    job = wait_finished(qtbot, queue, queue.submit(user_log))
    assert job.state == JobState.COMPLETED, job.message
    assert (job.rows_in, job.rows_out) == (5, 4)


def test_job_folder_deleted_while_running(
    qtbot: QtBot, make_queue: QueueFactory, app_paths: AppPaths, user_log: Path
) -> None:
    import shutil

    checksum = sha256(user_log)
    queue = make_queue(fake_worker("slow", "1.5"))
    job_id = queue.submit(user_log)
    qtbot.waitUntil(lambda: queue.job(job_id).stage == "read", timeout=15_000)
    shutil.rmtree(app_paths.jobs / job_id)
    job = wait_finished(qtbot, queue, job_id)
    assert job.state == JobState.FAILED
    assert "folder was deleted" in job.message
    assert_after_fault(qtbot, make_queue, queue, app_paths, job, user_log, checksum)


def make_read_only(folder: Path) -> Callable[[], None]:
    """Read-only for the worker (as root, which ignores modes: ``chattr +i``); returns undo."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("chattr +i is not available to make a folder read-only as root")
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=False)
    os.chmod(folder, 0o500)
    return lambda: None  # the purge itself restores write permission before deleting


def test_job_folder_made_read_only_while_running(
    qtbot: QtBot, make_queue: QueueFactory, app_paths: AppPaths, user_log: Path
) -> None:
    checksum = sha256(user_log)
    queue = make_queue(fake_worker("slow", "1.5"))
    job_id = queue.submit(user_log)
    qtbot.waitUntil(lambda: queue.job(job_id).stage == "read", timeout=15_000)
    undo = make_read_only(app_paths.jobs / job_id)
    try:
        job = wait_finished(qtbot, queue, job_id)
    finally:
        undo()
    assert (job.state, job.reason) == (JobState.FAILED, FailureReason.INTERNAL)
    assert "became read-only" in job.message
    assert_after_fault(
        qtbot, make_queue, queue, app_paths, job, user_log, checksum, copy_kept_ok=True
    )


def test_runner_caps_job_log_and_counts_ignored_lines(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "job"
    folder.mkdir()
    script = (
        "import sys\n"
        "sys.stderr.write('e' * 300000)\n"
        "print('not json'); print('{\"event\": \"mystery\"}'); print('[1]', flush=True)\n"
        "sys.exit(1)\n"
    )
    signals = RunnerSignals()
    runner = JobRunner(
        "f" * 32,
        folder,
        [sys.executable, "-c", script],
        signals,
        timeout_seconds=30,
        stall_seconds=30,
        log_limit_bytes=10_000,
    )
    pool = QThreadPool()
    with qtbot.waitSignal(signals.finished, timeout=10_000):
        pool.start(runner)
    pool.waitForDone()
    assert runner.ignored_lines == 3
    size = (folder / "job.log").stat().st_size
    assert 10_000 <= size < 10_200
    assert runner.outcome is not None and runner.outcome.reason == FailureReason.CRASHED
    assert runner.outcome.message.startswith("The worker stopped with exit status 1.")


def test_a_worker_that_cannot_start_fails_the_job_and_the_next_runs(
    qtbot: QtBot, make_queue: QueueFactory, user_log: Path, app_paths: AppPaths
) -> None:
    checksum = sha256(user_log)
    queue = make_queue(lambda folder: [str(folder / "no-such-program"), str(folder)])
    job = wait_finished(qtbot, queue, queue.submit(user_log))
    assert (job.state, job.reason) == (JobState.FAILED, FailureReason.INTERNAL)
    assert job.message.startswith("The worker program could not be started")
    assert_after_fault(qtbot, make_queue, queue, app_paths, job, user_log, checksum)
