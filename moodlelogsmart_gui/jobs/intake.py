"""Taking a file in: quick checks with sentences, and the pseudonymisation key (no Qt)."""

from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from pathlib import Path

from moodlelogsmart_gui.jobs.store import Job, JobState


class JobSubmitError(Exception):
    """A request the queue cannot take; ``str()`` is one sentence for people."""


def validate_source(source: Path) -> os.stat_result:
    """Quick checks on a file someone wants processed; raises :class:`JobSubmitError`."""
    name = source.name or str(source)
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise JobSubmitError(f"The file {name} does not exist (any more).") from None
    except OSError as err:
        raise JobSubmitError(f"The file {name} cannot be read ({err.strerror}).") from None
    if source.is_dir():
        raise JobSubmitError(f"{name} is a folder; choose the log files inside it.")
    if not source.is_file():
        raise JobSubmitError(f"{name} is not a regular file; choose a Moodle log export.")
    if st.st_size == 0:
        raise JobSubmitError(f"The file {name} is empty; export the log from Moodle again.")
    try:
        with open(source, "rb") as handle:
            handle.read(1)
    except OSError as err:
        raise JobSubmitError(f"The file {name} cannot be read ({err.strerror}).") from None
    return st


def ensure_secret(path: Path) -> None:
    """Create the pseudonymisation key once, private to the user (0600)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if os.name == "posix":
            with contextlib.suppress(OSError):
                os.chmod(path, 0o600)
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))


def new_job(
    source: Path,
    input_name: str,
    size: int,
    *,
    now: float,
    pseudonymize: bool,
    rules_file: str,
    timeout_seconds: int,
) -> Job:
    """A fresh queued job (its copy not made yet), limits fixed at submission."""
    return Job(
        id=uuid.uuid4().hex,
        input_name=input_name,
        input_size=size,
        source_path=str(source.absolute()),
        state=JobState.QUEUED,
        reason=None,
        message="",
        queued_at=now,
        started_at=None,
        finished_at=None,
        percent=0,
        stage="copying",
        rows_in=None,
        rows_out=None,
        summary=None,
        result_path=None,
        expired=False,
        expires_at=None,
        pseudonymize=pseudonymize,
        rules_file=rules_file,
        timeout_seconds=timeout_seconds,
    )
