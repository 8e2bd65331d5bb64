"""The app's side of the worker's fork server (``worker --fork-server``, worker_fork.py).

One server per app while spares are wanted: it pays pandas/pyarrow's imports once, and each
spare is then a cheap launcher (``worker --forked <socket> <jobs>``) whose worker the server
forks. Lives in the spare keeper's thread. The server is started in the app's jobs folder,
in its own session, and ends when its stdin (this end) closes, once the workers it forked
have ended (a retired server still serves its running jobs). If it cannot start, says it is
not safe to fork (a second thread), or dies, the keeper starts spares the cold way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess

from moodlelogsmart_gui.jobs.spare_process import Signature, end_process
from moodlelogsmart_gui.jobs.worker_process import start_worker

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 64 * 1024


class ForkServer(QObject):
    """One running fork server; ``socket`` is set once it said it is ready."""

    def __init__(
        self, command: list[str], jobs_folder: Path, on_change: Callable[[], None]
    ) -> None:
        super().__init__()
        self.socket: str | None = None
        self.signature: Signature = ()  # the watched files when it started
        self.ended = False
        self.retired = False
        self._on_change = on_change
        self._buffer = b""
        self.process = start_worker(command, jobs_folder)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.readyReadStandardError.connect(self._log_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)

    def usable(self) -> bool:
        return self.socket is not None and not self.ended and not self.retired

    def retire(self) -> None:
        """No new spares from it; it ends once the workers it forked have ended."""
        self.retired = True
        if not self.ended:
            self.process.closeWriteChannel()

    def end(self) -> None:
        """The app is closing: end it now (its forked workers die with it)."""
        self.retired = True
        if not self.ended:
            end_process(self.process)
        self.ended = True

    def _read(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        if b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE_BYTES:
                self._buffer = b""
            return
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            message = json.loads(line)
        except ValueError:
            return
        path = message.get("ready") if isinstance(message, dict) else None
        if isinstance(path, str) and self.socket is None:
            self.socket = path
            log.info("fork server %s ready", self.process.processId())
            self._on_change()

    def _log_stderr(self) -> None:
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.strip():
                log.info("fork server %s: %s", self.process.processId(), line.strip()[:500])

    def _on_finished(self, *_: object) -> None:
        if self.ended:
            return
        self.ended = True
        self._log_stderr()
        how = (
            "as asked"
            if self.retired
            else f"on its own (exit code {self.process.exitCode()}); spares start cold"
        )
        log.log(logging.INFO if self.retired else logging.WARNING, "fork server ended %s", how)
        self._on_change()

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._on_finished()
