"""What every command shares: exit codes, the one-sentence error, the data folder."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily at run time: `moodlelogsmart --help` stays instant
    from PySide6.QtCore import QCoreApplication

    from moodlelogsmart_gui.jobs.store import JobStore
    from moodlelogsmart_gui.paths import AppPaths
    from moodlelogsmart_gui.settings import Settings

log = logging.getLogger("moodlelogsmart_gui.cli")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_IN_USE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class CliError(Exception):
    """Ends the command with one sentence on stderr and an exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclasses.dataclass
class Context:
    """What every command works with, created here and passed in (no globals)."""

    paths: AppPaths
    store: JobStore | None
    """None only when another process owns the folder and there is no history yet."""
    settings: Settings
    owner: bool

    def owned_store(self) -> JobStore:
        """The history, writable: this process owns the data folder."""
        if self.store is None or not self.owner:
            raise CliError("Another MoodleLogSmart is using the app's folder.", EXIT_IN_USE)
        return self.store


@contextlib.contextmanager
def open_data_folder(*, must_own: bool) -> Iterator[Context]:
    """Paths, log, lock, settings and history; releases them at the end."""
    from moodlelogsmart_gui.jobs.lock import AlreadyRunningError, DataFolderLock
    from moodlelogsmart_gui.jobs.store import JobStore, StoreError
    from moodlelogsmart_gui.logs import setup_logging
    from moodlelogsmart_gui.paths import AppPaths
    from moodlelogsmart_gui.settings_file import SettingsStore

    paths = AppPaths.resolve()
    try:
        paths.ensure()
        setup_logging(paths)
    except OSError as err:
        raise CliError(
            f"The app's folder {paths.data} cannot be used ({err.strerror}).", EXIT_IN_USE
        ) from None
    lock = DataFolderLock(paths.lock_file)
    try:
        lock.acquire()
    except AlreadyRunningError as err:
        if must_own:
            raise CliError(str(err), EXIT_IN_USE) from None
    loaded = SettingsStore(paths.settings_file).load()
    for problem in loaded.problems:
        log.warning("settings: %s", problem)
        print(f"Note: {problem}", file=sys.stderr)
    store = None
    try:
        if lock.held or paths.history_db.exists():
            store = JobStore(paths.history_db, read_only=not lock.held)
    except StoreError as err:
        lock.release()
        raise CliError(str(err), EXIT_IN_USE) from None
    try:
        yield Context(paths, store, loaded.settings, lock.held)
    finally:
        if store is not None:
            store.close()
        lock.release()


def qt_app() -> QCoreApplication:
    from PySide6.QtCore import QCoreApplication

    instance = QCoreApplication.instance()
    return instance if instance is not None else QCoreApplication([sys.argv[0]])
