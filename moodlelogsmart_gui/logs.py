"""The app's log: a rotating file in ``paths.app_log``, shared by the window and the CLI.

Tracebacks go here, never to the screen.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import sys
from pathlib import Path
from types import TracebackType

from moodlelogsmart_gui.paths import AppPaths

LOG_BYTES = 1_000_000
LOG_BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every log file, rotated ones included, readable by the user only (0600 on POSIX)."""

    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        if os.name == "posix":
            with contextlib.suppress(OSError):
                os.chmod(self.baseFilename, 0o600)
        return stream


def setup_logging(paths: AppPaths, *, level: int = logging.INFO) -> Path:
    """Send the ``moodlelogsmart_gui`` loggers and uncaught exceptions to the rotating log."""
    paths.logs.mkdir(parents=True, exist_ok=True)
    handler = PrivateRotatingFileHandler(
        paths.app_log, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger("moodlelogsmart_gui")
    for old in [h for h in root.handlers if getattr(h, "_moodlelogsmart", False)]:
        root.removeHandler(old)
        old.close()
    handler._moodlelogsmart = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    sys.excepthook = _log_uncaught
    return paths.app_log


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    logging.getLogger("moodlelogsmart_gui").critical(
        "uncaught exception", exc_info=(kind, value, tb)
    )
