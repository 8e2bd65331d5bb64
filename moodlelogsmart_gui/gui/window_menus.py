"""Menus, toolbar and the window's small dialogs (quit prompt, about)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QSizePolicy, QToolBar, QWidget

from moodlelogsmart_gui import __version__
from moodlelogsmart_gui.gui import formatting as fmt

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.main_window import MainWindow
    from moodlelogsmart_gui.jobs.queue import JobQueue
    from moodlelogsmart_gui.jobs.store import Job

CTX = "MainWindow"


def _tr(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


def build_menus(window: MainWindow) -> None:
    """File, Job, View and Help menus, and a text toolbar with the job commands."""
    a = window.job_actions
    bar = window.menuBar()
    file_menu = bar.addMenu(_tr("&File"))
    file_menu.addAction(a.add_files)
    file_menu.addAction(a.save)
    file_menu.addSeparator()
    file_menu.addAction(a.settings)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    job_menu = bar.addMenu(_tr("&Job"))
    for action in (a.save, a.show_log, a.cancel, a.retry, a.remove):
        job_menu.addAction(action)
    view_menu = bar.addMenu(_tr("&View"))
    view_menu.addAction(a.details)
    view_menu.addAction(a.ask_each)
    help_menu = bar.addMenu(_tr("&Help"))
    help_menu.addAction(a.about)

    tools = QToolBar(_tr("Jobs"), window)
    tools.setObjectName("jobToolbar")
    tools.setMovable(False)
    tools.setIconSize(QSize(16, 16))
    tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    tools.addAction(a.add_files)
    tools.addSeparator()
    for action in (a.save, a.cancel, a.retry, a.remove, a.show_log):
        tools.addAction(action)
    spacer = QWidget(tools)
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    tools.addWidget(spacer)
    tools.addAction(a.details)
    tools.addAction(a.settings)
    window.addToolBar(tools)
    window.toolbar = tools  # type: ignore[attr-defined]


def _running_text(running: int) -> str:
    if running == 1:
        return _tr("1 job is still running. Quitting now cancels it.")
    return _tr("%1 jobs are still running. Quitting now cancels them.").replace("%1", str(running))


def _quit_text(running: int) -> str:
    if running == 1:
        return _tr("Cancel the running job and quit")
    return _tr("Cancel %1 running jobs and quit").replace("%1", str(running))


def confirm_quit(parent: QWidget, queue: JobQueue) -> bool:
    """True to cancel the running jobs and quit; False keeps the window open.

    The question follows the queue while it is open: the count changes as jobs finish, and
    when none runs any more the window simply closes (nothing is left to cancel). When a job
    ends while others wait, the next one starts at once: the question then stays, for that
    job, instead of closing and cancelling a job the person was never asked about.
    """
    box = QMessageBox(parent)
    box.setObjectName("quitPrompt")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_tr("Jobs are still running"))
    running = queue.running_count()
    box.setText(_running_text(running))
    box.setInformativeText(_tr("Queued files stay in the queue and start the next time."))
    quit_button = box.addButton(_quit_text(running), QMessageBox.ButtonRole.DestructiveRole)
    keep_button = box.addButton(_tr("Keep the window open"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep_button)
    box.setEscapeButton(keep_button)

    def follow(now_running: int, queued: int) -> None:
        if now_running == 0 and queued:
            QTimer.singleShot(0, box, settle)  # once the queue has started the next job
            return
        if now_running == 0:
            quit_button.click()
            return
        box.setText(_running_text(now_running))
        quit_button.setText(_quit_text(now_running))

    def settle() -> None:
        if box.isVisible() and queue.running_count() == 0:
            quit_button.click()  # the waiting files could not start: they stay queued

    queue.counts_changed.connect(follow)
    try:
        box.exec()
    finally:
        queue.counts_changed.disconnect(follow)
    return box.clickedButton() is quit_button


def confirm_remove(parent: QWidget, jobs: list[Job], kept: list[Job]) -> bool:
    """True when the person confirms removing ``jobs``, ``kept`` of which still have a result."""
    box = QMessageBox(parent)
    box.setObjectName("removePrompt")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_tr("Remove from the history"))
    if len(jobs) == 1:
        job = jobs[0]
        until = fmt.clock_text(job.expires_at, time.time()) if job.expires_at else ""
        box.setText(
            _tr("Remove %1 and delete its result?").replace("%1", job.input_name)
            if not until
            else _tr("Remove %1 and delete its result, which is kept until %2?")
            .replace("%1", job.input_name)
            .replace("%2", until)
        )
    else:
        box.setText(
            QCoreApplication.translate(
                CTX, "Remove %n jobs from the history and delete the results kept?", "", len(jobs)
            )
        )
        box.setInformativeText(
            QCoreApplication.translate(
                CTX, "%n of them still has a result that has not expired.", "", len(kept)
            )
        )
    if len(jobs) == 1:
        box.setInformativeText(_tr("Save the result first if you still need it."))
    remove = box.addButton(
        _tr("Remove and delete the result")
        if len(kept) == 1
        else _tr("Remove and delete the results"),
        QMessageBox.ButtonRole.DestructiveRole,
    )
    keep = box.addButton(_tr("Keep"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is remove


def show_about(parent: QWidget) -> None:
    QMessageBox.about(
        parent,
        _tr("About MoodleLogSmart"),
        _tr(
            "<b>MoodleLogSmart %1</b><p>Turns Moodle log exports into enriched event logs "
            "(CSV and XES), every event classified by Bloom's taxonomy.</p>"
        ).replace("%1", __version__),
    )
