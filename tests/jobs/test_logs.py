"""The app's rotating log: private files, rotation, uncaught tracebacks in the log."""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Iterator

import pytest

from moodlelogsmart_gui import logs
from moodlelogsmart_gui.paths import AppPaths


@pytest.fixture
def app_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("moodlelogsmart_gui")
    saved = (list(logger.handlers), logger.level, logger.propagate, sys.excepthook)
    yield logger
    for handler in list(logger.handlers):
        if handler not in saved[0]:
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(saved[1])
    logger.propagate = saved[2]
    sys.excepthook = saved[3]


def test_log_rotates_and_stays_private(
    app_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "LOG_BYTES", 2000)
    paths = AppPaths.resolve()
    path = logs.setup_logging(paths)
    logs.setup_logging(paths)  # twice (window after CLI code) adds no second handler
    assert sum(isinstance(h, logs.PrivateRotatingFileHandler) for h in app_logger.handlers) == 1
    for number in range(100):
        logging.getLogger("moodlelogsmart_gui.jobs.queue").info("line %d %s", number, "x" * 50)
    files = sorted(paths.logs.glob("moodlelogsmart.log*"))
    assert path in files and len(files) == 1 + logs.LOG_BACKUPS
    if os.name == "posix":
        assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


def test_uncaught_exceptions_go_to_the_log_not_the_screen(
    app_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    path = logs.setup_logging(AppPaths.resolve())
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert capsys.readouterr().err == ""
    text = path.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: a bug" in text
