"""The job history: one module owns the SQLite file (no Qt).

WAL journal, versioned schema (``PRAGMA user_version``), parameterised queries only, and one
connection used from the thread that owns the queue. Known failures (locked, read-only, disk
full) become :class:`StoreError` with one sentence; a corrupt file is moved aside.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from moodlelogsmart_gui.jobs.state import JobState
from moodlelogsmart_gui.settings import DEFAULT_JOB_TIMEOUT_SECONDS

__all__ = ["FailureReason", "Job", "JobState", "JobStore", "StoreError"]

log = logging.getLogger(__name__)


class FailureReason(StrEnum):
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    BAD_INPUT = "bad_input"
    INTERRUPTED = "interrupted"
    INTERNAL = "internal"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Job:
    """One row of the history: what was asked, how it went, where its files are."""

    id: str
    input_name: str
    input_size: int
    source_path: str
    state: JobState
    reason: FailureReason | None
    message: str
    queued_at: float
    started_at: float | None
    finished_at: float | None
    percent: int
    stage: str
    rows_in: int | None
    rows_out: int | None
    summary: dict[str, Any] | None
    result_path: str | None
    expired: bool
    expires_at: float | None
    pseudonymize: bool
    rules_file: str
    timeout_seconds: int = DEFAULT_JOB_TIMEOUT_SECONDS
    """The time limit fixed when the job was submitted (new limits apply to new jobs)."""
    retry_of: str | None = None
    """A retry: the id of the first job of its file's runs (retries of retries name it too)."""
    attempt: int = 1
    """1 for a new job; a retry counts on from the highest attempt of its first job's runs."""

    @property
    def is_terminal(self) -> bool:
        return self.state.is_final

    @property
    def result_available(self) -> bool:
        """A completed job whose result the cleanup has not deleted yet."""
        return self.state.has_result and not self.expired


class StoreError(Exception):
    """A known problem with the history file; ``str()`` is one sentence for people."""


class StoreCorruptError(StoreError):
    """The history file is not a usable database."""


_COLUMNS = tuple(field.name for field in dataclasses.fields(Job) if field.name != "expires_at")
"""Stored columns: ``expires_at`` is computed from the retention policy when read."""

_MIGRATIONS: tuple[str, ...] = (
    # 1: the jobs table.
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        input_name TEXT NOT NULL,
        input_size INTEGER NOT NULL,
        source_path TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        message TEXT NOT NULL DEFAULT '',
        queued_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL,
        percent INTEGER NOT NULL DEFAULT 0,
        stage TEXT NOT NULL DEFAULT '',
        rows_in INTEGER,
        rows_out INTEGER,
        summary TEXT,
        result_path TEXT,
        expired INTEGER NOT NULL DEFAULT 0,
        expires_at REAL,
        pseudonymize INTEGER NOT NULL DEFAULT 0,
        rules_file TEXT NOT NULL DEFAULT ''
    );
    """,
    # 2: per-job time limit, and an index for the purge and the history view.
    f"""
    ALTER TABLE jobs ADD COLUMN timeout_seconds INTEGER NOT NULL
        DEFAULT {DEFAULT_JOB_TIMEOUT_SECONDS};
    CREATE INDEX jobs_state_finished ON jobs (state, finished_at);
    CREATE INDEX jobs_queued_at ON jobs (queued_at);
    """,
    # 3: expires_at was never written (it follows the settings); computed when read.
    """
    ALTER TABLE jobs DROP COLUMN expires_at;
    """,
    # 4: a retry names the first job of its runs and counts its attempt.
    """
    ALTER TABLE jobs ADD COLUMN retry_of TEXT;
    ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


def describe_sqlite_error(err: sqlite3.Error, path: Path) -> str | None:
    """One sentence for a failure people can fix, or None when it is a bug."""
    text = str(err).lower()
    if "locked" in text or "busy" in text:
        return (
            f"The history file {path} is locked by another program; "
            "close the program that has it open and try again."
        )
    if "readonly" in text or "read-only" in text:
        return f"The history file {path} is read-only; give your account permission to write it."
    if "disk is full" in text or "disk i/o" in text:
        return f"The disk holding {path} is full or failing; free some space and try again."
    if "unable to open" in text:
        return f"The history file {path} cannot be opened; check the folder's permissions."
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"The history file {path} is damaged."
    return None


class JobStore:
    """Jobs in a SQLite file. Not thread-safe: use it from the thread that owns the queue."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 1000, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._busy_timeout_ms = busy_timeout_ms
        try:
            self._conn = self._open()
        except StoreCorruptError as err:
            if read_only:
                raise
            self._move_aside(str(err))
            self._conn = self._open()

    # -- opening -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if not self.read_only:
            self._create_private_file()
        uri = self.path.absolute().as_uri() + ("?mode=ro" if self.read_only else "")
        try:
            conn = sqlite3.connect(
                uri, uri=True, timeout=self._busy_timeout_ms / 1000, check_same_thread=False
            )
        except sqlite3.Error as err:
            raise self._translate(err) from err
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise StoreCorruptError(f"The history file {self.path} is damaged.")
            if not self.read_only:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                self._migrate(conn)
            elif conn.execute("PRAGMA user_version").fetchone()[0] > SCHEMA_VERSION:
                raise StoreError(f"The history file {self.path} is from a newer MoodleLogSmart.")
        except sqlite3.Error as err:
            conn.close()
            raise self._translate(err) from err
        except StoreError:
            conn.close()
            raise
        self._restrict_sidecar_files()
        return conn

    def _create_private_file(self) -> None:
        """Create the file 0600 so history never starts readable by others."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
            os.close(fd)
        except PermissionError as err:
            if self.path.exists():
                raise StoreCorruptError(f"The history file {self.path} cannot be written.") from err
            raise StoreError(
                f"The history file {self.path} cannot be created; "
                "check that the folder is writable."
            ) from err
        if not os.access(self.path, os.R_OK | os.W_OK):
            raise StoreCorruptError(f"The history file {self.path} cannot be written.")
        self._restrict_sidecar_files()

    def _restrict_sidecar_files(self) -> None:
        if os.name != "posix" or self.read_only:
            return
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.chmod(f"{self.path}{suffix}", 0o600)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The history file {self.path} was made by a newer MoodleLogSmart "
                f"(schema {version}); update the app or choose another data folder."
            )
        for number in range(version, SCHEMA_VERSION):
            log.info("history: migrating %s to schema %d", self.path, number + 1)
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                + _MIGRATIONS[number]
                + f"\nPRAGMA user_version = {number + 1};\nCOMMIT;"
            )

    def _translate(self, err: sqlite3.Error) -> Exception:
        sentence = describe_sqlite_error(err, self.path)
        if sentence is None:
            return err
        if isinstance(err, sqlite3.DatabaseError) and "damaged" in sentence:
            return StoreCorruptError(sentence)
        if "read-only" in sentence and not self.read_only:
            return StoreCorruptError(sentence)
        return StoreError(sentence)

    def _move_aside(self, why: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                side = Path(f"{self.path}{suffix}")
                if side.exists():
                    os.replace(side, Path(f"{aside}{suffix}"))
        except OSError as err:
            raise StoreError(
                f"The history file {self.path} is unusable and could not be moved aside "
                f"({err.strerror}); check the folder's permissions."
            ) from err
        log.error("history: %s Moved it to %s and started a fresh history.", why, aside)

    def close(self) -> None:
        self._conn.close()

    # -- queries -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._conn:
                yield self._conn
        except sqlite3.Error as err:
            raise self._runtime_error(err) from err

    def _runtime_error(self, err: sqlite3.Error) -> Exception:
        sentence = describe_sqlite_error(err, self.path)
        return err if sentence is None else StoreError(sentence)

    def _reading(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        try:
            cursor = self._conn.execute(sql, params)
            return cursor.fetchall()
        except sqlite3.Error as err:
            raise self._runtime_error(err) from err

    def add(self, job: Job) -> None:
        self.add_many([job])

    def add_many(self, jobs: list[Job]) -> None:
        """New rows in one transaction."""
        rows = [tuple(_to_db(name, getattr(job, name)) for name in _COLUMNS) for job in jobs]
        placeholders = ", ".join("?" for _ in _COLUMNS)
        with self._writing() as conn:
            conn.executemany(
                f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({placeholders})", rows
            )

    def get(self, job_id: str) -> Job | None:
        rows = self._reading(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id = ?", (job_id,))
        return _from_row(rows[0]) if rows else None

    def list_jobs(self, *states: JobState) -> list[Job]:
        """Jobs newest first, optionally only those in ``states``."""
        sql = f"SELECT {', '.join(_COLUMNS)} FROM jobs"
        params: tuple[Any, ...] = ()
        if states:
            sql += f" WHERE state IN ({', '.join('?' for _ in states)})"
            params = tuple(str(state) for state in states)
        return [_from_row(row) for row in self._reading(sql + " ORDER BY queued_at DESC", params)]

    def update(self, job_id: str, **changes: Any) -> None:
        """Change some columns of one job; unknown names are a bug (ValueError)."""
        if not changes:
            return
        unknown = set(changes) - set(_COLUMNS) - {"id"}
        if unknown or "id" in changes:
            raise ValueError(f"cannot update job columns {sorted(unknown | {'id'} & set(changes))}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        params = (*(_to_db(name, value) for name, value in changes.items()), job_id)
        with self._writing() as conn:
            conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", params)

    def update_many(self, job_ids: list[str], **changes: Any) -> None:
        """The same change to many jobs in one transaction (the purge marks thousands)."""
        if not job_ids or not changes:
            return
        assignments = ", ".join(f"{name} = ?" for name in changes)
        values = tuple(_to_db(name, value) for name, value in changes.items())
        with self._writing() as conn:
            conn.executemany(
                f"UPDATE jobs SET {assignments} WHERE id = ?",
                [(*values, job_id) for job_id in job_ids],
            )

    def delete(self, job_id: str) -> None:
        with self._writing() as conn:
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))


def _to_db(name: str, value: Any) -> Any:
    if name == "summary":
        return None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, StrEnum):
        return str(value)
    return value


def _from_row(row: sqlite3.Row | tuple[Any, ...]) -> Job:
    data = dict(zip(_COLUMNS, row, strict=True))
    data["state"] = JobState(data["state"])
    data["reason"] = FailureReason(data["reason"]) if data["reason"] else None
    data["expired"] = bool(data["expired"])
    data["pseudonymize"] = bool(data["pseudonymize"])
    data["expires_at"] = None
    try:
        data["summary"] = json.loads(data["summary"]) if data["summary"] else None
    except ValueError:
        data["summary"] = None
    return Job(**data)
