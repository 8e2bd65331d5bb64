"""The streaming pipeline's spill folder (``<job>/spill``) with the real worker: gone after a
completed, cancelled, timed-out or killed job, and after the next purge."""

from __future__ import annotations

import dataclasses
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.store import JobState
from moodlelogsmart_gui.paths import AppPaths
from tests.e2e.helpers import leftovers, purge_everything
from tests.e2e.test_real_worker_limits import real_queue, run_to_end  # noqa: F401
from tests.jobs.test_cli import REAL_WORKER, json_lines, run_cli, write_log

pytestmark = [
    pytest.mark.skipif(not REAL_WORKER.exists(), reason="the real worker is absent"),
    pytest.mark.slow,
]


# A small log's events stay in memory at the default setting (nothing is spilled): the
# smallest "Memory for one job" makes this one spill to disk.
SPILLING_MB = 256


def spills(paths: AppPaths) -> list[Path]:
    return sorted(paths.jobs.glob("*/spill")) if paths.jobs.exists() else []


def wait_for_spill(qtbot: QtBot, queue: JobQueue, job_id: str, paths: AppPaths) -> None:
    """Until the worker has spilled its first batch (the job is mid-stream)."""
    parts = paths.jobs / job_id / "spill" / "parts"
    qtbot.waitUntil(lambda: parts.is_dir() and any(parts.iterdir()), timeout=60_000)


def test_spill_gone_after_completed_cancelled_and_killed_jobs(
    qtbot: QtBot,
    real_queue: tuple[JobQueue, AppPaths, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    queue, paths, _worker = real_queue
    queue.apply_settings(dataclasses.replace(queue._settings, job_memory_mb=SPILLING_MB))
    source = write_log(tmp_path / "big log.csv", 10_000, repeat=40)  # 400,000 events
    done = run_to_end(qtbot, queue, source)
    assert done.state == JobState.COMPLETED, done.message
    assert done.summary is not None and done.summary["spill_peak_bytes"] > 0
    assert spills(paths) == []

    cancelled = queue.submit(source)
    wait_for_spill(qtbot, queue, cancelled, paths)
    queue.cancel(cancelled)
    qtbot.waitUntil(lambda: queue.job(cancelled).is_terminal, timeout=60_000)
    assert queue.job(cancelled).state == JobState.CANCELLED
    assert spills(paths) == []

    killed = queue.submit(source)
    wait_for_spill(qtbot, queue, killed, paths)
    worker = next(
        int(pid)
        for pid in os.listdir("/proc")
        if pid.isdigit() and killed in _cmdline(pid) and ".worker" in _cmdline(pid)
    )
    os.kill(worker, signal.SIGKILL)
    qtbot.waitUntil(lambda: queue.job(killed).is_terminal, timeout=60_000)
    assert queue.job(killed).state == JobState.FAILED
    assert spills(paths) == []
    assert purge_everything(paths)["errors"] == []
    assert leftovers(paths) == []


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def test_spill_gone_after_a_timeout(
    app_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOODLELOGSMART_JOB_MEMORY_MB", str(SPILLING_MB))
    source = write_log(tmp_path / "slow log.csv", 10_000, repeat=40)
    result = run_cli("process", str(source), "--timeout", "1", "--json", "--out", str(tmp_path))
    record = json_lines(result.stdout)[0]
    assert (record["state"], record["reason"]) == ("failed", "timeout")
    assert spills(AppPaths.resolve()) == []
