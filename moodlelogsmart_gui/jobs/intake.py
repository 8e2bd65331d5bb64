"""Taking files in (no Qt): which paths are logs to process, refusals with reasons, the
checks on one file, and the pseudonymisation key. The window (off its GUI thread) and the
command line both call :func:`find_logs`."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from moodlelogsmart_gui.jobs.store import Job, JobState
from moodlelogsmart_gui.paths import RULES_PRESETS, rules_preset_path
from moodlelogsmart_gui.settings import Settings


class JobSubmitError(Exception):
    """A request the queue cannot take; ``str()`` is one sentence for people."""


LOG_SUFFIXES = (".csv", ".xlsx", ".ods", ".json", ".txt", ".tsv")
MAX_FOLDER_FILES = 1000
"""At most this many log files are taken from one folder (the rest is reported)."""
MAX_FOLDER_DEPTH = 3
"""Folders are searched this many levels below the one given."""


class Refused(StrEnum):
    """Why a path was not taken."""

    NOT_LOG_TYPE = "not_log_type"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    FOLDER_UNREADABLE = "folder_unreadable"
    FOLDER = "folder"
    NOT_REGULAR = "not_regular"
    EMPTY = "empty"
    NO_LOGS_IN_FOLDER = "no_logs_in_folder"
    TOO_MANY_IN_FOLDER = "too_many_in_folder"


@dataclass(frozen=True)
class Refusal:
    """A path not taken, why, and a detail (the OS's words, the suffix, the limit)."""

    path: Path
    why: Refused
    detail: str = ""

    def sentence(self, shown: str | None = None) -> str:
        """One sentence for people; ``shown`` is how to name the path (default its name)."""
        name = shown or self.path.name or str(self.path)
        kinds = ", ".join(LOG_SUFFIXES)
        return {
            Refused.NOT_LOG_TYPE: f"{name} is not a log file type ({self.detail}); "
            f"choose a Moodle log export ({kinds}).",
            Refused.MISSING: f"The file {name} does not exist (any more).",
            Refused.UNREADABLE: f"The file {name} cannot be read ({self.detail}).",
            Refused.FOLDER_UNREADABLE: f"The folder {name} cannot be read ({self.detail}).",
            Refused.FOLDER: f"{name} is a folder; choose the log files inside it.",
            Refused.NOT_REGULAR: f"{name} is not a regular file; choose a Moodle log export.",
            Refused.EMPTY: f"The file {name} is empty; export the log from Moodle again.",
            Refused.NO_LOGS_IN_FOLDER: f"The folder {name} holds no log files ({kinds}).",
            Refused.TOO_MANY_IN_FOLDER: f"The folder {name} holds more than {self.detail} "
            f"log files; only the first {self.detail} were taken.",
        }[self.why]


@dataclass
class FoundLogs:
    """Files to queue, in order, and what was refused with why."""

    accepted: list[Path] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def check_file(path: Path, *, check_type: bool = True) -> Refusal | None:
    """None if ``path`` may be a log to process; otherwise why not (no Qt; may block on a
    slow disk, so the window calls it off the GUI thread)."""
    if check_type and path.suffix.lower() not in LOG_SUFFIXES:
        return Refusal(path, Refused.NOT_LOG_TYPE, path.suffix.lower())
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Refusal(path, Refused.MISSING)
    except OSError as err:
        return Refusal(path, Refused.UNREADABLE, err.strerror or str(err))
    if stat.S_ISDIR(st.st_mode):
        return Refusal(path, Refused.FOLDER)
    if not stat.S_ISREG(st.st_mode):
        return Refusal(path, Refused.NOT_REGULAR)
    if st.st_size == 0:
        return Refusal(path, Refused.EMPTY)
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as err:
        return Refusal(path, Refused.UNREADABLE, err.strerror or str(err))
    return None


def _folder_logs(folder: Path, depth: int, limit: int | None) -> tuple[list[Path], bool]:
    """Log files (by suffix, not hidden) up to ``depth`` levels down; True if cut at limit."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        level = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if level < depth else []
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in LOG_SUFFIXES:
                continue
            if limit is not None and len(found) >= limit:
                return found, True
            found.append(Path(root) / name)
    return found, False


def find_logs(
    paths: Iterable[Path],
    *,
    depth: int = MAX_FOLDER_DEPTH,
    folder_limit: int | None = MAX_FOLDER_FILES,
    check_named_types: bool = True,
    once: bool = True,
) -> FoundLogs:
    """Sort ``paths`` into log files to queue and refusals. Folders contribute the log
    files inside them (``depth`` levels, at most ``folder_limit`` each); every file is
    checked once and taken once. ``check_named_types=False`` takes a file named directly
    whatever its suffix (the command line: the pipeline then says what it is);
    ``once=False`` takes a file named twice twice (the command line: two jobs)."""
    result = FoundLogs()
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            try:
                os.scandir(path).close()
            except OSError as err:
                result.refused.append(Refusal(path, Refused.FOLDER_UNREADABLE, err.strerror or ""))
                continue
            candidates, cut = _folder_logs(path, depth, folder_limit)
            if not candidates:
                result.refused.append(Refusal(path, Refused.NO_LOGS_IN_FOLDER))
            if cut:
                result.refused.append(Refusal(path, Refused.TOO_MANY_IN_FOLDER, str(folder_limit)))
            check_type = True
        else:
            candidates, check_type = [path], check_named_types
        for candidate in candidates:
            key = candidate.absolute()
            if once and key in seen:
                continue
            seen.add(key)
            refusal = check_file(candidate, check_type=check_type)
            if refusal is None:
                result.accepted.append(candidate)
            else:
                result.refused.append(refusal)
    return result


def validate_source(source: Path) -> os.stat_result:
    """Quick checks on a file someone wants processed; raises :class:`JobSubmitError`."""
    refusal = check_file(source, check_type=False)
    if refusal is not None:
        raise JobSubmitError(refusal.sentence())
    try:
        return os.stat(source)
    except OSError as err:
        refusal = Refusal(source, Refused.UNREADABLE, err.strerror or "")
        raise JobSubmitError(refusal.sentence()) from None


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


def rules_for_job(rules_file: str | None, settings: Settings) -> str:
    """The rules file a new job uses ("" = built-in): the one given (a path or a preset
    name), else the custom file of the settings, else their classification preset."""
    rules = settings.rules_file if rules_file is None else rules_file
    if rules_file is None and not rules:
        rules = settings.classification
    preset = rules_preset_path(rules) if rules else None
    if preset is not None and not Path(rules).expanduser().is_file():
        return "" if preset.name == RULES_PRESETS["moodlelogsmart"] else str(preset)
    if rules and not Path(rules).expanduser().is_file():
        raise JobSubmitError(f"The rules file {rules} does not exist; choose another.")
    return str(Path(rules).expanduser().absolute()) if rules else ""


def prepare_job(
    copy_from: Path,
    source: Path,
    input_name: str,
    settings: Settings,
    *,
    pseudonymize: bool | None,
    rules_file: str | None,
    now: float,
    secret_file: Path,
    input_file: str,
    rules: str | None = None,
) -> tuple[Job, dict[str, object]]:
    """A new queued job for ``copy_from`` (checked now) and its ``job.json``; options left
    as None come from ``settings``. Raises :class:`JobSubmitError` with one sentence."""
    st = validate_source(copy_from)
    rules = rules_for_job(rules_file, settings) if rules is None else rules
    pseudo = settings.pseudonymize if pseudonymize is None else bool(pseudonymize)
    job = new_job(
        source,
        input_name,
        st.st_size,
        now=now,
        pseudonymize=pseudo,
        rules_file=rules,
        timeout_seconds=int(settings.job_timeout_seconds),
    )
    config: dict[str, object] = {
        "input": input_file,
        "original_name": input_name,
        "pseudonymize": pseudo,
        "rules_file": rules or None,
        "secret_file": str(secret_file.absolute()),
        "session_gap_minutes": settings.session_gap_minutes,
        "outputs": settings.outputs,
        "memory_mb": int(settings.job_memory_mb),
    }
    return job, config


def input_extension(name: str) -> str:
    """The input copy's extension: the original's, lower-cased and plain, else ``csv``."""
    ext = Path(name).suffix.lower().lstrip(".")
    return ext if re.fullmatch(r"[a-z0-9]{1,10}", ext) else "csv"


def prepare_jobs(
    files: list[tuple[Path, Path, str]],
    settings: Settings,
    *,
    pseudonymize: bool | None,
    rules_file: str | None,
    now: float,
    secret_file: Path,
) -> tuple[list[tuple[Job, dict[str, object], Path]], list[tuple[Path, str]]]:
    """:func:`prepare_job` for each (copy from, source, name): (job, job.json, copy from)
    for those that may run, (source, sentence) for those refused."""
    made: list[tuple[Job, dict[str, object], Path]] = []
    refused: list[tuple[Path, str]] = []
    try:
        rules = rules_for_job(rules_file, settings)  # the same for every file: found once
    except JobSubmitError as err:
        return [], [(source, str(err)) for _copy, source, _name in files]
    for copy_from, source, input_name in files:
        try:
            job, config = prepare_job(
                copy_from,
                source,
                input_name,
                settings,
                pseudonymize=pseudonymize,
                rules_file=rules_file,
                now=now,
                secret_file=secret_file,
                input_file=f"input.{input_extension(input_name)}",
                rules=rules,
            )
        except JobSubmitError as err:
            refused.append((source, str(err)))
            continue
        made.append((job, config, copy_from))
    return made, refused


def only_job(submitted: tuple[list[str], list[tuple[Path, str]]]) -> str:
    """The one new job id of a one-file submission, else its refusal as :class:`JobSubmitError`."""
    job_ids, refused = submitted
    if refused:
        raise JobSubmitError(refused[0][1])
    return job_ids[0]
