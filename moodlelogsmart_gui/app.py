"""``moodlelogsmart-gui [FILE...]``: the window, on top of the same job system as the CLI.

Creates everything once (paths, log, lock, settings, store, queue, window) and passes it in.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from moodlelogsmart_gui import APP_NAME, __version__
from moodlelogsmart_gui.desktop_entry import APP_ID, install_command
from moodlelogsmart_gui.gui.icons import app_icon
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.gui.quit_signals import QuitOnSignal
from moodlelogsmart_gui.gui.single_instance import InstanceServer, hand_over, server_name
from moodlelogsmart_gui.gui.translation import install_translators
from moodlelogsmart_gui.gui.xcb_check import check_xcb
from moodlelogsmart_gui.jobs.handover import spare_command
from moodlelogsmart_gui.jobs.lock import AlreadyRunningError, DataFolderLock
from moodlelogsmart_gui.jobs.queue import JobQueue
from moodlelogsmart_gui.jobs.store import JobStore, StoreError
from moodlelogsmart_gui.logs import setup_logging
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.paths import worker_command as real_worker_command
from moodlelogsmart_gui.settings_file import SettingsStore

log = logging.getLogger(__name__)

HAND_OVER_WAIT_S = 1.5
"""How long a launch that finds the folder locked keeps trying to reach the window."""


class HandedOver(Exception):
    """The files went to the window already open on this data folder; exit 0."""


def _tr(text: str) -> str:
    return QCoreApplication.translate("App", text)


@dataclass
class AppContext:
    """What :func:`build` made; :func:`teardown` undoes it in order."""

    paths: AppPaths
    lock: DataFolderLock
    store: JobStore
    queue: JobQueue
    window: MainWindow
    server: InstanceServer


def background_worker_command(job_folder: Path) -> list[str]:
    """The real worker at a lower CPU priority on POSIX (``nice``), so that the window keeps
    the processor it needs to stay responsive while jobs use every core."""
    command = real_worker_command(job_folder)
    nice = shutil.which("nice") if os.name == "posix" else None
    return [nice, "-n", "10", *command] if nice else command


def background_spare_command(jobs_folder: Path) -> list[str]:
    """A warm spare worker (see jobs/spare.py) at the same lower priority."""
    return spare_command(background_worker_command(jobs_folder))


def _refuse(title: str, sentence: str, detail: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, sentence)
    box.setWindowIcon(app_icon())
    if detail:
        box.setInformativeText(detail)
    box.exec()


def _hand_over_or_wait(name: str, files: Sequence[str], clock: Callable[[], float]) -> bool:
    """The folder is locked: the window holding it may still be starting; try for a moment."""
    deadline = clock() + HAND_OVER_WAIT_S
    while True:
        if hand_over(name, [Path(f) for f in files]):
            return True
        if clock() >= deadline:
            return False
        time.sleep(0.05)  # the other window is between taking the lock and listening


def build(
    files: Sequence[str],
    *,
    worker_command: Callable[[Path], list[str]] = background_worker_command,
) -> AppContext | None:
    """Open the data folder, the history and the queue, show the window, queue ``files``.

    Returns None (after telling the person why) when the app cannot start; raises
    :class:`HandedOver` when a window is already open on this data folder and took ``files``.
    """
    paths = AppPaths.resolve()
    try:
        paths.ensure()
    except OSError as err:
        _refuse(APP_NAME, _tr("The app's data folder cannot be created."), str(err))
        return None
    setup_logging(paths)
    name = server_name(paths.data)
    if hand_over(name, [Path(f) for f in files]):
        log.info("handed %d file(s) over to the window already open", len(files))
        raise HandedOver
    lock = DataFolderLock(paths.lock_file)
    try:
        lock.acquire()
    except AlreadyRunningError as err:
        if _hand_over_or_wait(name, files, time.monotonic):
            log.info("handed %d file(s) over to the window just opened", len(files))
            raise HandedOver from None
        log.info("data folder busy: %s", err)
        _refuse(
            _tr("MoodleLogSmart is busy"),
            _tr(
                "Another MoodleLogSmart program (probably the command line) is working in "
                "the data folder %1; open the window again when it has finished."
            ).replace("%1", str(paths.data)),
        )
        return None
    try:
        store = JobStore(paths.history_db)
    except StoreError as err:
        lock.release()
        _refuse(APP_NAME, _tr("The job history cannot be opened."), str(err))
        return None
    settings_store = SettingsStore(paths.settings_file)
    loaded = settings_store.load()
    queue = JobQueue(
        paths,
        store,
        loaded.settings,
        worker_command=worker_command,
        spare_command=(
            background_spare_command if worker_command is background_worker_command else None
        ),
    )
    window = MainWindow(queue, paths, loaded, settings_store)
    server = InstanceServer(name, window)
    server.files_received.connect(window.receive_files)
    server.listen()
    window.show()
    QTimer.singleShot(0, queue.start)
    if loaded.problems:
        window.notice.show_notice(
            _tr("Some settings could not be used; the defaults apply instead:")
            + "\n"
            + "\n".join(f"• {problem}" for problem in loaded.problems)
        )
    if files:
        window.add_paths([Path(name) for name in files])
    log.info(
        "window opened (version %s), %d file(s) from the command line", __version__, len(files)
    )
    return AppContext(paths, lock, store, queue, window, server)


def teardown(context: AppContext) -> None:
    """Stop the workers, close the history (checkpointing it) and give the data folder up."""
    context.server.close()
    context.window.runner.wait(10_000)
    context.queue.shutdown(cancel_running=True)
    context.store.close()
    context.lock.release()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the window; ``argv`` are the arguments after the program name (files to queue)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("--version", "-V"):
        print(f"{APP_NAME} {__version__}")
        return 0
    if args and args[0] == "--install-desktop-entry":
        return install_command()
    existing = QApplication.instance()
    if existing is None:
        problem = check_xcb()
        if problem is not None:
            print(problem, file=sys.stderr)
            return 1
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *args])
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(APP_ID)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    install_translators(app)
    remaining = args if existing is not None else app.arguments()[1:]  # Qt took its options
    files = [arg for arg in remaining if not arg.startswith("-")]
    try:
        context = build(files)
    except HandedOver:
        return 0
    if context is None:
        return 1
    quitter = QuitOnSignal()
    quitter.requested.connect(lambda _signum: context.window.quit_now())
    try:
        return int(app.exec())
    finally:
        quitter.restore()
        teardown(context)


if __name__ == "__main__":
    sys.exit(main())
