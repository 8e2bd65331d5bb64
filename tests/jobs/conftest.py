"""Fixtures for the job system: a queue wired to tiny fake workers, a user's log file with
its checksum, and a guard that fails any test leaving a worker process behind."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.store import JobStore
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings import Settings

WORKERS = Path(__file__).parent / "workers"
SAMPLE_LOG = (
    "Time,User full name,Affected user,Event context,Component,Event name,Description,Origin,"
    "IP address\n"
    '"1/02/24, 10:00",Ana Núñez,-,Course: Test,System,Course viewed,'
    "\"The user with id '3' viewed the course with id '2'.\",web,10.0.0.1\n"
)


def fake_worker(name: str, *extra: str) -> Callable[[Path], list[str]]:
    """A ``worker_command`` seam running ``tests/jobs/workers/<name>.py <job-folder>``."""

    def command(folder: Path) -> list[str]:
        return [sys.executable, str(WORKERS / f"{name}.py"), str(folder), *extra]

    return command


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def processes_mentioning(text: str) -> list[int]:
    """Live (not zombie) processes whose command line contains ``text`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
            status = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if text.encode() in cmdline and status.rsplit(")", 1)[-1].split()[0] != "Z":
            found.append(int(entry))
    return found


@pytest.fixture(autouse=True)
def no_worker_left_behind(tmp_path: Path) -> Iterator[None]:
    """Every worker a test starts carries its job folder (under tmp_path) on its command
    line; any still alive shortly after the test is killed and fails the test."""
    yield
    if not Path("/proc/self").exists():
        return
    deadline = time.monotonic() + 3.0
    while (left := processes_mentioning(str(tmp_path))) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"worker processes left running: {left}"


@pytest.fixture
def app_paths(app_home: Path) -> AppPaths:
    paths = AppPaths.resolve()
    paths.ensure()
    return paths


@pytest.fixture
def user_log(tmp_path: Path) -> Path:
    """The user's own file, in a folder with an awkward name."""
    folder = tmp_path / "my logs ñ"
    folder.mkdir()
    path = folder / "course log 'week 1'.csv"
    path.write_text(SAMPLE_LOG, encoding="utf-8")
    return path


class SwitchableWorker:
    """A ``worker_command`` a test can point at another fake worker later."""

    def __init__(self, command: Callable[[Path], list[str]]) -> None:
        self.command = command

    def __call__(self, folder: Path) -> list[str]:
        return self.command(folder)


class SettableClock:
    """A clock a test can move: the real time until ``at`` is set."""

    def __init__(self, base: Callable[[], float] = time.time) -> None:
        self.base = base
        self.at: float | None = None

    def __call__(self) -> float:
        return self.base() if self.at is None else self.at


class QueueMaker:
    """Builds started queues with fake workers; each queue's worker and clock are
    constructor-injected objects the test can change through this maker."""

    def __init__(self, app_paths: AppPaths) -> None:
        self.app_paths = app_paths
        self.made: list[tuple[JobQueue, JobStore]] = []
        self._workers: dict[int, SwitchableWorker] = {}
        self._clocks: dict[int, SettableClock] = {}

    def __call__(
        self,
        worker: str | Callable[[Path], list[str]] = "ok",
        *,
        start: bool = True,
        clock: Callable[[], float] = time.time,
        **overrides: object,
    ) -> JobQueue:
        """Settings overrides skip validation so tests may use limits of a second or two."""
        command = SwitchableWorker(fake_worker(worker) if isinstance(worker, str) else worker)
        settable = SettableClock(clock)
        settings = dataclasses.replace(Settings(), **{"concurrent_jobs": 1, **overrides})
        store = JobStore(self.app_paths.history_db)
        queue = JobQueue(self.app_paths, store, settings, worker_command=command, clock=settable)
        self._workers[id(queue)], self._clocks[id(queue)] = command, settable
        self.made.append((queue, store))
        if start:
            queue.start()
        return queue

    def use_worker(self, queue: JobQueue, worker: str | Callable[[Path], list[str]]) -> None:
        """Jobs dispatched from now on run ``worker``."""
        command = fake_worker(worker) if isinstance(worker, str) else worker
        self._workers[id(queue)].command = command

    def set_time(self, queue: JobQueue, at: float | None) -> None:
        """The queue's clock reads ``at`` from now on (None: the real time again)."""
        self._clocks[id(queue)].at = at


QueueFactory = QueueMaker


@pytest.fixture
def make_queue(app_paths: AppPaths, qtbot: object) -> Iterator[QueueMaker]:
    """Build a started queue with a fake worker (see :class:`QueueMaker`)."""
    maker = QueueMaker(app_paths)
    yield maker
    for queue, store in maker.made:
        queue.shutdown()
        store.close()
