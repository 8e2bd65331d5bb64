"""The history store: schema versions and migrations, round trips, and the known failures
(corrupt, locked, read-only, newer schema) as sentences. No Qt."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from moodlelogsmart_gui.jobs import store as store_module
from moodlelogsmart_gui.jobs.store import (
    SCHEMA_VERSION,
    FailureReason,
    Job,
    JobState,
    JobStore,
    StoreError,
)
from tests.fixtures.jobs import job_row


def make_job(job_id: str = "a" * 32, queued_at: float = 1000.0, **changes: Any) -> Job:
    fields: dict[str, Any] = {
        "id": job_id,
        "input_name": "log ñ.csv",
        "source_path": "/home/x/log ñ.csv",
        "queued_at": queued_at,
        "stage": "copying",
        "timeout_seconds": 600,
    }
    return job_row(**{**fields, **changes})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


def test_fresh_store_is_private_wal_and_current(db: Path) -> None:
    store = JobStore(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    if os.name == "posix":
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
    store.close()


def test_round_trip_update_list_delete(db: Path) -> None:
    store = JobStore(db)
    older = make_job("a" * 32, queued_at=1.0)
    newer = make_job("b" * 32, queued_at=2.0, pseudonymize=True, rules_file="/r.toml")
    store.add(older)
    store.add(newer)
    assert store.get(older.id) == older
    assert [j.id for j in store.list_jobs()] == [newer.id, older.id]
    summary = {"rows_in": 3, "detected": {"language": "es"}, "warnings": ["ñ"]}
    store.update(
        older.id,
        state=JobState.FAILED,
        reason=FailureReason.TIMEOUT,
        message="Timed out.",
        summary=summary,
        finished_at=5.5,
    )
    got = store.get(older.id)
    assert got is not None
    assert (got.state, got.reason, got.summary, got.finished_at) == (
        JobState.FAILED,
        FailureReason.TIMEOUT,
        summary,
        5.5,
    )
    assert [j.id for j in store.list_jobs(JobState.FAILED)] == [older.id]
    store.update_many([older.id, newer.id], expired=True)
    assert all(j.expired for j in store.list_jobs())
    with pytest.raises(ValueError):
        store.update(older.id, not_a_column=1)
    store.delete(older.id)
    assert store.get(older.id) is None
    store.close()


def test_hostile_text_is_stored_as_data(db: Path) -> None:
    store = JobStore(db)
    name = "x'); DROP TABLE jobs; --\n.csv"
    store.add(make_job(input_name=name))
    assert store.list_jobs()[0].input_name == name
    store.close()


def test_migrates_a_version_1_history(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.executescript(store_module._MIGRATIONS[0] + "PRAGMA user_version = 1;")
    conn.execute(
        "INSERT INTO jobs (id, input_name, input_size, source_path, state, queued_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ("c" * 32, "old.csv", 1, "/old.csv", "completed", 1.0),
    )
    conn.commit()
    conn.close()
    store = JobStore(db)
    job = store.get("c" * 32)
    assert job is not None and job.timeout_seconds == 600 and job.state == JobState.COMPLETED
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()


def test_a_newer_history_is_refused_with_a_sentence(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer MoodleLogSmart"):
        JobStore(db)


@pytest.mark.parametrize("damage", ["garbage", "truncated_pages"])
def test_a_corrupt_history_is_moved_aside_and_a_fresh_one_made(
    db: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    if damage == "garbage":
        db.parent.mkdir(parents=True)
        db.write_bytes(b"this is not a database\x00" * 500)
    else:
        store = JobStore(db)
        for number in range(300):
            store.add(make_job(f"{number:032x}", queued_at=float(number), message="m" * 200))
        store.close()
        sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        data = bytearray(db.read_bytes())
        data[4096 * 2 : 4096 * 6] = b"\xff" * (4096 * 4)
        db.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR, logger="moodlelogsmart_gui.jobs.store"):
        store = JobStore(db)
    assert store.list_jobs() == []
    store.add(make_job())
    aside = list(db.parent.glob("history.sqlite3.corrupt-*"))
    assert len([p for p in aside if not p.name.endswith(("-wal", "-shm"))]) == 1
    assert any("Moved it to" in r.getMessage() for r in caplog.records)
    store.close()


def test_a_locked_history_gives_a_sentence_then_recovers(db: Path) -> None:
    store = JobStore(db, busy_timeout_ms=100)
    store.add(make_job())
    other = sqlite3.connect(db, timeout=0.1, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StoreError, match="locked by another program"):
        store.update("a" * 32, percent=50)
    other.execute("ROLLBACK")
    other.close()
    store.update("a" * 32, percent=50)
    job = store.get("a" * 32)
    assert job is not None and job.percent == 50
    store.close()


def _is_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.skipif(_is_root(), reason="root ignores file permissions (see the next test)")
def test_a_read_only_history_file_is_moved_aside(db: Path) -> None:
    store = JobStore(db)
    store.add(make_job())
    store.close()
    os.chmod(db, 0o400)
    store = JobStore(db)
    assert store.list_jobs() == []
    assert list(db.parent.glob("history.sqlite3.corrupt-*"))
    store.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_history_that_cannot_be_written_or_moved_gives_one_sentence(db: Path) -> None:
    """Read-only file in a read-only folder (as root: an immutable file, ``chattr +i``)."""
    store = JobStore(db)
    store.add(make_job())
    store.close()
    if _is_root():
        if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available here")
    else:
        os.chmod(db, 0o400)
        os.chmod(db.parent, 0o500)
    try:
        with pytest.raises(StoreError) as caught:
            JobStore(db)
    finally:
        if _is_root():
            subprocess.run(["chattr", "-i", str(db)], check=True)
        os.chmod(db.parent, 0o700)
        os.chmod(db, 0o600)
    message = str(caught.value)
    assert str(db) in message and "\n" not in message and message.endswith(".")
