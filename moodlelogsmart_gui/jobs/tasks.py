"""Background file work for the queue: copying a dropped file in, deleting expired files.

Both run in a pool thread and report through a signal object living in the queue's thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Signal

from moodlelogsmart_gui.jobs.results import describe_os_error
from moodlelogsmart_gui.jobs.retention import PurgePlan, PurgeReport, execute_purge
from moodlelogsmart_gui.priority import lower_thread_priority

log = logging.getLogger(__name__)

COPYING_SUFFIX = ".copying"


def find_input_copy(job_folder: Path) -> Path | None:
    """The complete input copy in a job folder, if it is still there."""
    try:
        names = os.listdir(job_folder)
    except OSError:
        return None
    for name in sorted(names):
        if name.startswith("input.") and not name.endswith(COPYING_SUFFIX):
            path = job_folder / name
            if path.is_file() and not path.is_symlink():
                return path
    return None


class CopySignals(QObject):
    copied = Signal(str, object)  # job id, error sentence or None


class InputCopyTask(QRunnable):
    """Copies the user's file into the job folder (read only: the original is never touched)
    under a temporary name, writes ``job.json``, then renames the copy into place."""

    def __init__(
        self,
        job_id: str,
        source: Path,
        job_folder: Path,
        job_config: dict[str, object],
        signals: CopySignals,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.job_id = job_id
        self.source = source
        self.job_folder = job_folder
        self.job_config = job_config
        self.signals = signals
        self.error: str | None = None

    def run(self) -> None:
        lower_thread_priority()  # a file pool thread: the window thread goes first
        try:
            self.error = self._copy()
        except Exception as err:
            log.exception("copying the input of job %s failed", self.job_id)
            self.error = f"The file could not be copied because of an internal error ({err!r})."
        self.signals.copied.emit(self.job_id, self.error)

    def _copy(self) -> str | None:
        final = self.job_folder / str(self.job_config["input"])
        temp = final.with_name(final.name + COPYING_SUFFIX)
        try:
            self.job_folder.mkdir(mode=0o700, parents=False, exist_ok=True)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.close(fd)
            shutil.copyfile(self.source, temp)
            config = json.dumps(self.job_config, ensure_ascii=False, indent=1)
            (self.job_folder / "job.json").write_text(config, encoding="utf-8")
            os.replace(temp, final)
        except FileNotFoundError as err:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            if not os.path.exists(self.source):
                return (
                    f"The file {self.source.name} disappeared before it could be copied; "
                    "add it again."
                )
            return f"The file {self.source.name} could not be copied: {describe_os_error(err)}"
        except OSError as err:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            return f"The file {self.source.name} could not be copied: {describe_os_error(err)}"
        return None


class PurgeSignals(QObject):
    done = Signal(object)  # PurgeReport


class PurgeTask(QRunnable):
    """Runs :func:`execute_purge` off the GUI thread."""

    def __init__(
        self, plan: PurgePlan, jobs_dir: Path, dry_run: bool, signals: PurgeSignals
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.plan = plan
        self.jobs_dir = jobs_dir
        self.dry_run = dry_run
        self.signals = signals
        self.report: PurgeReport | None = None

    def run(self) -> None:
        try:
            self.report = execute_purge(self.plan, self.jobs_dir, dry_run=self.dry_run)
        except Exception as err:  # execute_purge should not raise; never lose the signal
            log.exception("purge failed")
            self.report = PurgeReport(dry_run=self.dry_run, errors=[repr(err)])
        self.signals.done.emit(self.report)
