"""How a run ends: the watchdog's verdict, the outcome from what the worker said and did,
and tidying the job folder (no Qt; time is passed in)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moodlelogsmart_gui.jobs.store import FailureReason, JobState

log = logging.getLogger(__name__)

RESULT_NAME = "result.zip"
PARTIAL_RESULT_NAME = "result.zip.part"
SPILL_NAME = "spill"  # pipeline.stream.spill.SPILL_DIR (jobs does not import the pipeline)


@dataclass(frozen=True)
class Verdict:
    """Why the runner ended a worker itself; recorded before the kill."""

    state: JobState
    reason: FailureReason
    message: str


@dataclass(frozen=True)
class RunOutcome:
    """The end of one run, as the queue writes it to the store."""

    state: JobState
    reason: FailureReason | None
    message: str
    finished_at: float
    summary: dict[str, Any] | None = None
    result_path: str | None = None
    rows_in: int | None = None
    rows_out: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def failure(cls, reason: FailureReason, message: str, finished_at: float) -> RunOutcome:
        return cls(JobState.FAILED, reason, message, finished_at)

    @classmethod
    def cancelled(cls, message: str, finished_at: float) -> RunOutcome:
        return cls(JobState.CANCELLED, FailureReason.CANCELLED, message, finished_at)


def describe_duration(seconds: float) -> str:
    """``45 s``, ``10 min``, ``1.5 h``: how people say a limit."""
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3 * 3600:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def watchdog_verdict(
    *,
    now: float,
    started: float,
    last_line: float,
    timeout_seconds: float,
    stall_seconds: float,
) -> Verdict | None:
    """Timeout past the deadline, stall after a long silence, else None (monotonic times)."""
    if now - started >= timeout_seconds:
        message = f"Timed out after {describe_duration(timeout_seconds)}; the job was stopped."
        return Verdict(JobState.FAILED, FailureReason.TIMEOUT, message)
    if now - last_line >= stall_seconds:
        message = (
            f"Made no progress for {describe_duration(stall_seconds)}; "
            "the job was stopped as stuck."
        )
        return Verdict(JobState.FAILED, FailureReason.TIMEOUT, message)
    return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def decide_outcome(
    *,
    forced: Verdict | None,
    crashed: bool,
    exit_code: int,
    done_summary: dict[str, Any] | None,
    error: tuple[str, str] | None,
    last_words: str,
    job_folder: Path,
    finished_at: float,
    ignored_lines: int = 0,
) -> RunOutcome:
    """Completed only after ``done`` + exit 0 + an existing ``result.zip``; tidies the folder."""
    outcome = _judge(
        forced, crashed, exit_code, done_summary, error, last_words, job_folder, finished_at
    )
    problems = tidy_job_folder(job_folder, keep_result=outcome.state == JobState.COMPLETED)
    if outcome.state == JobState.COMPLETED and problems:
        log.warning("job folder %s: %s", job_folder, "; ".join(problems))
    details = {"ignored_stdout_lines": ignored_lines} if ignored_lines else {}
    return RunOutcome(**{**outcome.__dict__, "details": details})


def _judge(
    forced: Verdict | None,
    crashed: bool,
    exit_code: int,
    done_summary: dict[str, Any] | None,
    error: tuple[str, str] | None,
    last_words: str,
    job_folder: Path,
    finished_at: float,
) -> RunOutcome:
    if forced is not None:
        return RunOutcome(forced.state, forced.reason, forced.message, finished_at)
    if not job_folder.is_dir():
        return RunOutcome.failure(
            FailureReason.INTERNAL,
            "The job's folder was deleted while the job ran, so there is no result; "
            "add the file again.",
            finished_at,
        )
    words = last_words.strip().rstrip(".")
    said = f' Its last words were: "{words}".' if words else ""
    if not folder_writable(job_folder) and done_summary is None:
        return RunOutcome.failure(
            FailureReason.INTERNAL,
            "The job's folder became read-only while the job ran, so no result could be "
            "written; check the permissions of the app's folder.",
            finished_at,
        )
    if crashed:
        return RunOutcome.failure(
            FailureReason.CRASHED,
            f"The worker stopped unexpectedly ({_signal_name(exit_code)}).{said}",
            finished_at,
        )
    if error is not None:
        code, text = error
        reason = FailureReason.BAD_INPUT if code == "bad_input" else FailureReason.INTERNAL
        fallback = "The file cannot be used." if reason == FailureReason.BAD_INPUT else ""
        return RunOutcome.failure(
            reason, text or fallback or f"The worker failed.{said}", finished_at
        )
    if exit_code != 0:
        reason = FailureReason.BAD_INPUT if exit_code == 2 else FailureReason.CRASHED
        return RunOutcome.failure(
            reason, f"The worker stopped with exit status {exit_code}.{said}", finished_at
        )
    if done_summary is None:
        return RunOutcome.failure(
            FailureReason.CRASHED,
            f"The worker ended without reporting a result.{said}",
            finished_at,
        )
    result = job_folder / RESULT_NAME
    if not _is_regular_file(result):
        unwritable = not folder_writable(job_folder)
        why = " The job's folder is read-only." if unwritable else ""
        return RunOutcome.failure(
            FailureReason.INTERNAL,
            f"The worker reported success but no result file was written.{why}",
            finished_at,
        )
    return RunOutcome(
        JobState.COMPLETED,
        None,
        "Done.",
        finished_at,
        summary=done_summary,
        result_path=str(result),
        rows_in=_as_int(done_summary.get("rows_in")),
        rows_out=_as_int(done_summary.get("rows_out")),
    )


def folder_writable(folder: Path) -> bool:
    """Probe by creating a file: ``os.access`` says yes to root even on an immutable folder."""
    probe = folder / f".probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return True
    except OSError:
        return False
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return True


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_regular_file(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return os.path.isfile(path) and not os.path.islink(path)
    return False


def _remove_spill(path: Path) -> list[str]:
    """Delete the spill folder; a link is removed itself, never followed."""
    try:
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path)
    except FileNotFoundError:
        return []
    except OSError as err:
        return [f"could not delete {path.name}: {err.strerror}"]
    return []


def tidy_job_folder(job_folder: Path, *, keep_result: bool) -> list[str]:
    """Delete the input copy and any partial result (and the result unless kept)."""
    problems: list[str] = []
    try:
        names = os.listdir(job_folder)
    except OSError:
        return problems
    for name in names:
        if name == SPILL_NAME:  # the pipeline's temporary files (a killed worker leaves them)
            problems += _remove_spill(job_folder / name)
            continue
        doomed = name.startswith("input.") or name == PARTIAL_RESULT_NAME
        doomed = doomed or (name == RESULT_NAME and not keep_result)
        if not doomed:
            continue
        try:
            os.unlink(job_folder / name)
        except FileNotFoundError:
            continue
        except OSError as err:
            problems.append(f"could not delete {name}: {err.strerror}")
    if problems:
        log.warning("job folder %s: %s", job_folder, "; ".join(problems))
    return problems
