"""The real worker under resource limits, through the queue's ``worker_command`` seam.

A file-size limit (the disk filling while the ZIP is written) and an address-space limit
(out of memory while the log is processed): the job fails with one clear sentence, no
``result.zip`` or ``.part`` is left to be presented, the input copy is deleted, the user's
file is unchanged, and the queue runs the next job with the normal worker.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState, JobStore
from moodlelogsmart_gui.paths import AppPaths, worker_command
from moodlelogsmart_gui.settings import Settings
from moodlelogsmart_gui.worker import DISK_MESSAGE, INTERNAL_MESSAGE, MEMORY_MESSAGE
from tests.e2e.helpers import is_one_sentence, leftovers, purge_everything
from tests.jobs.conftest import SwitchableWorker, sha256
from tests.jobs.test_cli import REAL_WORKER, write_log

pytestmark = [
    pytest.mark.skipif(not REAL_WORKER.exists(), reason="the real worker is absent"),
    pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE/RLIMIT_AS as on Linux"),
]

FSIZE_LIMIT = 100_000
STALL = 8
LIMITED_WORKER = """
import resource, runpy, sys
kind, extra = sys.argv.pop(1), int(sys.argv.pop(1))
if kind == "as":  # the pipeline's imports first: the limit is headroom above them
    import moodlelogsmart_gui.pipeline.run  # noqa: F401
    with open("/proc/self/status") as status:
        size = next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmSize:"))
    limit = size + extra
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
else:
    resource.setrlimit(resource.RLIMIT_FSIZE, (extra, extra))
runpy.run_module("moodlelogsmart_gui.worker", run_name="__main__", alter_sys=True)
"""


def limited(kind: str, amount: int) -> Callable[[Path], list[str]]:
    """The real worker started under a resource limit (``fsize`` bytes or ``as`` headroom)."""

    def command(folder: Path) -> list[str]:
        return [sys.executable, "-c", LIMITED_WORKER, kind, str(amount), str(folder)]

    return command


@pytest.fixture
def real_queue(
    qtbot: QtBot, app_home: Path
) -> Iterator[tuple[JobQueue, AppPaths, SwitchableWorker]]:
    paths = AppPaths.resolve()
    paths.ensure()
    store = JobStore(paths.history_db)
    # Starved of memory, Arrow's regular expressions can crawl for minutes (RE2 falls back to
    # its slowest engine): the stall limit stops such a worker (the app's default: 5 min).
    settings = dataclasses.replace(Settings(), concurrent_jobs=1, stall_timeout_seconds=STALL)
    worker = SwitchableWorker(worker_command)
    queue = JobQueue(paths, store, settings, worker_command=worker)
    queue.start()
    yield queue, paths, worker
    queue.shutdown()
    store.close()


def run_to_end(qtbot: QtBot, queue: JobQueue, source: Path) -> Job:
    job_id = queue.submit(source)
    qtbot.waitUntil(lambda: queue.job(job_id).is_terminal, timeout=60_000)
    job = queue.job(job_id)
    assert job is not None
    return job


def job_seconds(job: Job) -> float:
    return (job.finished_at or 0.0) - (job.started_at or 0.0)


def assert_failed_cleanly(job: Job, paths: AppPaths, *, sentence: bool = True) -> None:
    """No result to present, no input copy left, a sentence (the traceback in job.log)."""
    folder = paths.jobs / job.id
    names = {p.name for p in folder.iterdir()} if folder.exists() else set()
    assert job.result_path is None
    assert "result.zip" not in names and "result.zip.part" not in names, names
    assert not any(name.startswith("input.") for name in names), names
    assert is_one_sentence(job.message) or not sentence, job.message
    assert "Traceback" not in job.message and "\n" not in job.message
    if sentence:  # the details are in the job's log
        assert "Traceback" in (folder / "job.log").read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
def test_disk_full_while_writing_the_zip(
    qtbot: QtBot, real_queue: tuple[JobQueue, AppPaths, SwitchableWorker], tmp_path: Path
) -> None:
    queue, paths, worker = real_queue
    source = write_log(tmp_path / "big log.csv", 4000)
    checksum = sha256(source)
    worker.command = limited("fsize", FSIZE_LIMIT)
    job = run_to_end(qtbot, queue, source)
    assert (job.state, job.reason) == (JobState.FAILED, FailureReason.INTERNAL), job.message
    assert job.message == DISK_MESSAGE
    assert_failed_cleanly(job, paths)
    worker.command = worker_command
    after = run_to_end(qtbot, queue, source)
    assert after.state == JobState.COMPLETED, after.message
    assert Path(str(after.result_path)).stat().st_size > FSIZE_LIMIT  # the limit was the cause
    assert sha256(source) == checksum
    assert purge_everything(paths)["errors"] == []
    assert leftovers(paths) == []


HEADROOMS_MB = (5, 15, 30, 60, 130, 250)
"""Memory left above the imported pipeline: the log runs out of it at different stages (thread
start, CSV read, arrays, export, ZIP); several once gave the generic "internal error"."""
ALWAYS_SHORT_MB = 60
"""Up to this headroom the job cannot finish. Above it the streaming pipeline sometimes does
(its peak no longer grows with the log, and how much address space the allocator and the
threads reserve varies from run to run): then it must finish properly, with its result."""


@pytest.mark.slow
def test_out_of_memory_while_processing(
    qtbot: QtBot, real_queue: tuple[JobQueue, AppPaths, SwitchableWorker], tmp_path: Path
) -> None:
    queue, paths, worker = real_queue
    source = write_log(tmp_path / "huge log.csv", 10_000, repeat=10)
    checksum = sha256(source)
    seen = []
    for megabytes in HEADROOMS_MB:
        worker.command = limited("as", megabytes * 2**20)
        job = run_to_end(qtbot, queue, source)
        seen.append(f"{megabytes} MB: {job.reason}: {job.message} ({job_seconds(job):.1f} s)")
        if job.state == JobState.COMPLETED and megabytes > ALWAYS_SHORT_MB:
            assert Path(str(job.result_path)).is_file(), seen[-1]
            continue
        assert job.state == JobState.FAILED, seen[-1]
        assert job.message != INTERNAL_MESSAGE, seen[-1]
        if job.reason == FailureReason.CRASHED:  # C code aborted: the runner's sentence
            assert job.message.startswith("The worker stopped "), seen[-1]
        elif job.reason == FailureReason.TIMEOUT:
            assert job.message == f"Made no progress for {STALL} s; the job was stopped as stuck."
        else:
            assert (job.reason, job.message) == (FailureReason.INTERNAL, MEMORY_MESSAGE), seen[-1]
        # a crash or a stall kill (no progress while importing under load) leaves no traceback
        stopped = job.reason in (FailureReason.CRASHED, FailureReason.TIMEOUT)
        assert_failed_cleanly(job, paths, sentence=not stopped)
    print("\n" + "\n".join(seen))
    worker.command = worker_command
    assert run_to_end(qtbot, queue, source).state == JobState.COMPLETED
    assert sha256(source) == checksum
    assert purge_everything(paths)["errors"] == []
    assert leftovers(paths) == []
