"""A job's ``job.log``: the worker's stderr, capped, private, with its last words kept."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

JOB_LOG_LIMIT_BYTES = 5 * 1024 * 1024
TAIL_BYTES = 8192


class JobLog:
    """Appends to ``<folder>/job.log`` up to ``limit`` bytes; a write error closes it."""

    def __init__(self, folder: Path, job_id: str, limit: int = JOB_LOG_LIMIT_BYTES) -> None:
        self._job_id = job_id
        self._limit = limit
        self._written = 0
        self._tail = bytearray()
        self._handle: BinaryIO | None = None
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
            fd = os.open(folder / "job.log", flags, 0o600)  # may quote students' data
            self._handle = os.fdopen(fd, "ab")
        except OSError as err:
            log.warning("job %s: cannot write job.log (%s)", job_id, err.strerror)

    def write(self, data: bytes) -> None:
        self._tail += data
        del self._tail[:-TAIL_BYTES]
        if self._handle is None:
            return
        room = self._limit - self._written
        try:
            if room > 0:
                chunk = data[:room]
                self._handle.write(chunk)
                self._written += len(chunk)
                if len(data) > room:
                    self._handle.write(b"\n[job.log size limit reached; the rest is dropped]\n")
                self._handle.flush()
        except OSError:
            self.close()

    def close(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None

    def last_words(self) -> str:
        """The last non-empty line the worker wrote to stderr (at most 300 characters)."""
        text = self._tail.decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""
