"""The worker's spare mode: ``python -m moodlelogsmart_gui.worker --spare <jobs-folder>``.

A spare starts before its job is known: it imports pandas, pyarrow and the pipeline and runs
the pipeline once on a small sample log shipped in ``resources/warmup.csv`` (into a scratch
folder of its own in the system's temporary folder, deleted at once; only a spare killed by
SIGKILL during its warm-up leaves that small folder behind), so that the first job pays no
first-use costs. Then it
waits for the one hand-over line on stdin (architecture.md section 2)::

    {"job": "/absolute/path/to/<data>/jobs/<job-id>"}

and runs that one job exactly as ``worker <job-folder>`` would, then exits. The job folder
must be a folder directly inside the ``<jobs-folder>`` the spare was started for (which also
puts the app's jobs folder on every worker's command line). End-of-file on
stdin (the app dropped the spare or died) ends the spare at once with exit 3, during the
warm-up too (its scratch folder is removed first), and after the hand-over it ends the job at
once, as for any worker. A spare never opens a user's file: it reads only the sample and, after the
hand-over, the job folder's copy.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import traceback
from pathlib import Path

from moodlelogsmart_gui.jobs.handover import parse_handover

MAX_HANDOVER_BYTES = 64 * 1024
EXIT_ORPHANED = 3


class HandOver:
    """Reads stdin in a thread: the first line is the job, end-of-file is the parent gone."""

    def __init__(self, finished: threading.Event, stdin_fd: int = 0) -> None:
        self._fd = stdin_fd
        self._finished = finished
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        self._line: bytes | None = None
        self._eof = False
        self._job_started = False
        self.scratch: str | None = None  # the warm-up's folder, removed if we must go at once

    def start(self) -> None:
        threading.Thread(target=self._read, name="hand-over", daemon=True).start()

    def _read(self) -> None:
        buffer = bytearray()
        try:
            while chunk := os.read(self._fd, 65536):
                if self._line is None and len(buffer) <= MAX_HANDOVER_BYTES:
                    buffer += chunk
                    end = buffer.find(b"\n")
                    if end >= 0:
                        self._line = bytes(buffer[:end])
                        self._arrived.set()
        except OSError:
            pass
        with self._lock:
            self._eof = True
            running = self._job_started
        self._arrived.set()
        if self._finished.is_set():
            return
        if not running and self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        os._exit(EXIT_ORPHANED)  # the parent is gone (or dropped us): stop at once

    def wait(self) -> bytes | None:
        """Block until the hand-over line; None when the parent went away first."""
        self._arrived.wait()
        with self._lock:
            if self._eof or self._line is None:
                return None
            self._job_started = True  # from now on end-of-file ends the process at once
            return self._line


def warm_up(watch: HandOver) -> None:
    """Import the pipeline and run it once on the shipped sample; never fatal."""
    try:
        from moodlelogsmart_gui.paths import resources_dir
        from moodlelogsmart_gui.pipeline import PipelineOptions
        from moodlelogsmart_gui.pipeline.run import process_file

        sample = resources_dir() / "warmup.csv"
        with tempfile.TemporaryDirectory(prefix="moodlelogsmart-warmup-") as scratch:
            watch.scratch = scratch
            process_file(sample, Path(scratch) / "warmup.zip", PipelineOptions())
        watch.scratch = None
    except Exception:
        print("spare worker: the warm-up failed; the job runs unwarmed", file=sys.stderr)
        traceback.print_exc()


def wait_for_job(finished: threading.Event, jobs_folder: Path) -> tuple[str, Path | None]:
    """Warm up, then wait: ("job", folder), ("orphaned", None) or ("bad", None)."""
    watch = HandOver(finished)
    watch.start()
    warm_up(watch)
    print("spare worker: warm, waiting for a job", file=sys.stderr, flush=True)
    line = watch.wait()
    if line is None:
        return "orphaned", None
    folder = parse_handover(line, jobs_folder)
    return ("job", folder) if folder is not None else ("bad", None)
