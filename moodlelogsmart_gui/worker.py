"""Worker process: ``python -m moodlelogsmart_gui.worker <job-folder>``.

Runs the pipeline for one job folder and speaks the protocol of architecture.md section 2
on stdout: one JSON object per line (progress, then done or error), nothing else. Exit 0
done, 2 bad input, 1 anything else, 3 when the parent went away.

The parent must keep the worker's stdin open for the whole run: when stdin is a pipe and
reaches end-of-file (the parent died), the worker exits at once with code 3.
``worker --spare <jobs-folder>`` starts before its job is known and takes the job folder
from one line on stdin (see worker_spare.py).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from moodlelogsmart_gui.jobs import protocol as wire
from moodlelogsmart_gui.jobs.handover import SPARE_ARGUMENT
from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.worker_fork import FORK_ARGUMENTS
from moodlelogsmart_gui.worker_fork import main as fork_main
from moodlelogsmart_gui.worker_spare import wait_for_job

EXIT_DONE, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_ORPHANED = 0, 1, 2, 3
SECRET_BYTES = 32
MEMORY_MESSAGE = (
    "The computer ran out of memory while processing this log; close other programs "
    "or process a smaller log."
)
INTERNAL_MESSAGE = "An internal error stopped the processing; the details are in the job log."
DISK_MESSAGE = (
    "The result could not be written: the disk is full or a file size limit was reached; "
    "free some space and try again."
)
DISK_ERRORS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


class Protocol:
    """Writes protocol lines to the real stdout; progress only when the percent changes, or
    again after ``REPEAT_SECONDS`` (a long sort keeps the stall watchdog informed).
    Thread-safe: the pipeline's heartbeat thread reports too."""

    REPEAT_SECONDS = 30.0

    def __init__(self, stream: IO[str], clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._percent: int | None = None
        self._events: int | None = None
        self._clock = clock
        self._sent_at = clock()
        self._lock = threading.Lock()

    def _write(self, line: str) -> None:
        with self._lock:
            self._stream.write(line)
            self._stream.flush()
            self._sent_at = self._clock()

    def progress(self, percent: int, stage: str) -> None:
        percent = max(0, min(100, int(percent)))
        stale = self._clock() - self._sent_at >= self.REPEAT_SECONDS
        if percent != self._percent or stale:
            self._percent = percent
            self._write(wire.progress_line(percent, stage, self._events))

    def events_read(self, count: int) -> None:
        """How many log events have been read so far; the next progress lines carry it
        (the optional ``events`` field), so the command line can show events per second."""
        self._events = max(0, int(count))

    def done(self, summary: dict[str, Any]) -> None:
        self._write(wire.done_line(summary))

    def error(self, code: str, message: str) -> None:
        self._write(wire.error_line(code, message))


def take_over_stdout() -> IO[str]:
    """Keep the real stdout for the protocol; everything else written to stdout goes to stderr."""
    sys.stdout.flush()
    real = os.dup(1)
    os.dup2(2, 1)  # C libraries and stray prints land in the job log, not in the protocol
    sys.stdout = sys.stderr
    return os.fdopen(real, "w", encoding="utf-8", newline="\n")


_finished = threading.Event()


def watch_parent(stdin_fd: int = 0) -> bool:
    """Exit with code 3 when stdin, a pipe from the parent, reaches end-of-file.

    Once the job has ended (done or error sent) the watch no longer interferes.
    """
    try:
        if not stat.S_ISFIFO(os.fstat(stdin_fd).st_mode):
            return False
    except OSError:
        return False

    def wait_for_eof() -> None:
        try:
            while os.read(stdin_fd, 65536):
                pass
        except OSError:
            pass
        if not _finished.is_set():
            os._exit(EXIT_ORPHANED)

    threading.Thread(target=wait_for_eof, name="parent-watch", daemon=True).start()
    return True


def load_secret(path: Path) -> bytes:
    """The pseudonymisation key; created (0600, 32 random bytes) if it does not exist yet."""
    try:
        secret = path.read_bytes()
        if secret:
            return secret
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(os.urandom(SECRET_BYTES))
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temp, path)  # atomic: a concurrent worker's key wins if it was first
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
    return path.read_bytes()


def job_memory_mb(job: dict[str, Any]) -> int:
    """The job's memory setting (MB) as the queue wrote it into job.json (else the default)."""
    from moodlelogsmart_gui.pipeline.options import DEFAULT_JOB_MEMORY_MB

    value = job.get("memory_mb")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return DEFAULT_JOB_MEMORY_MB


def run_job(folder: Path, protocol: Protocol) -> dict[str, Any]:
    """Read job.json, build the options and run the pipeline; returns the summary."""
    from moodlelogsmart_gui.members import parse_outputs
    from moodlelogsmart_gui.pipeline import PipelineOptions
    from moodlelogsmart_gui.pipeline.run import process_file
    from moodlelogsmart_gui.pipeline.stream.spill import release_memory_early

    job = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    name = str(job.get("input", ""))
    if not name or Path(name).name != name:
        raise ValueError(f"job.json names no input file inside the job folder: {name!r}")
    source = folder / name
    if not source.is_file():
        raise BadInputError(
            "The copy of the log file is missing from the job folder; add it again."
        )
    pseudonymize = bool(job.get("pseudonymize", False))
    secret = load_secret(Path(job["secret_file"])) if pseudonymize else None
    rules = job.get("rules_file")
    options = PipelineOptions(
        pseudonymize=pseudonymize,
        rules_file=Path(rules) if rules else None,
        secret=secret,
        session_gap_minutes=float(job.get("session_gap_minutes") or 30),
        outputs=parse_outputs(str(job.get("outputs") or "")),
        memory_mb=job_memory_mb(job),
    )
    release_memory_early(options.memory_mb)  # this process runs this one job
    try:
        return process_file(
            source,
            folder / "result.zip",
            options,
            protocol.progress,
            input_name=str(job.get("original_name") or name),
            events_read=protocol.events_read,
        )
    except BadInputError as exc:
        if pseudonymize and exc.without_data:  # no cell of the file in the history or logs
            raise BadInputError(exc.without_data) from None
        raise


_NO_THREAD_WORDS = ("can't start new thread", "Failed to launch worker thread")


def out_of_resources(exc: BaseException) -> bool:
    """Memory exhaustion: MemoryError (pyarrow's ArrowMemoryError is one), or a thread that
    could not start because no memory was left for its stack (Python's or Arrow's words)."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc)
    return any(words in text for words in _NO_THREAD_WORDS)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in FORK_ARGUMENTS:  # the fork server or a forked spare's launcher
        return fork_main(args)
    stream = take_over_stdout()
    protocol = Protocol(stream)
    try:
        try:
            if len(args) == 2 and args[0] == SPARE_ARGUMENT:  # warm up, then a job from stdin
                outcome, folder = wait_for_job(_finished, Path(args[1]))
                if folder is None:
                    if outcome == "orphaned":
                        return EXIT_ORPHANED
                    protocol.error("internal", "The worker was handed no job folder.")
                    return EXIT_INTERNAL
                args = [str(folder)]
            else:
                watch_parent()
        except RuntimeError as exc:  # no memory left even for the watching thread
            traceback.print_exc()
            protocol.error(
                "internal", MEMORY_MESSAGE if out_of_resources(exc) else INTERNAL_MESSAGE
            )
            return EXIT_INTERNAL
        return _run(args, protocol)
    finally:
        _finished.set()
        stream.close()


def _run(args: list[str], protocol: Protocol) -> int:
    """Run the job named by ``args``; every outcome becomes one protocol line and an exit code."""
    if len(args) != 1:
        print("usage: python -m moodlelogsmart_gui.worker <job-folder>", file=sys.stderr)
        protocol.error("internal", "The worker was started without a job folder.")
        return EXIT_INTERNAL
    try:
        summary = run_job(Path(args[0]), protocol)
    except BadInputError as exc:
        print(f"bad input: {exc}", file=sys.stderr)
        protocol.error("bad_input", str(exc))
        return EXIT_BAD_INPUT
    except MemoryError:
        traceback.print_exc()
        protocol.error("internal", MEMORY_MESSAGE)
        return EXIT_INTERNAL
    except OSError as exc:
        traceback.print_exc()
        disk = exc.errno in DISK_ERRORS
        protocol.error("internal", DISK_MESSAGE if disk else INTERNAL_MESSAGE)
        return EXIT_INTERNAL
    except Exception as exc:
        traceback.print_exc()
        protocol.error("internal", MEMORY_MESSAGE if out_of_resources(exc) else INTERNAL_MESSAGE)
        return EXIT_INTERNAL
    protocol.done(summary)
    return EXIT_DONE


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    sys.exit(code)
