"""Status bar: jobs running and queued, space used by the job folder, the next clean-up."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QLabel, QStatusBar, QWidget

from moodlelogsmart_gui.gui import formatting as fmt
from moodlelogsmart_gui.jobs.retention import tree_size

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.background import BackgroundRunner
    from moodlelogsmart_gui.jobs.queue import JobQueue


class JobStatusBar(QStatusBar):
    """Permanent labels on the right; short messages (refusals, saves) on the left."""

    def __init__(
        self,
        queue: JobQueue,
        jobs_dir: Path,
        runner: BackgroundRunner,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self._queue = queue
        self._jobs_dir = jobs_dir
        self._runner = runner
        self._clock = clock
        self._measuring = False
        self.counts_label = QLabel()
        self.counts_label.setObjectName("countsLabel")
        self.size_label = QLabel()
        self.size_label.setObjectName("sizeLabel")
        self.size_label.setText(self.tr("Job folder: measuring…"))
        self.purge_label = QLabel()
        self.purge_label.setObjectName("purgeLabel")
        self.setStyleSheet("QStatusBar::item { border: none; }")
        self._separators: list[QFrame] = []
        for number, label in enumerate((self.counts_label, self.size_label, self.purge_label)):
            if number:
                line = QFrame(self)
                line.setFrameShape(QFrame.Shape.VLine)
                line.setFrameShadow(QFrame.Shadow.Sunken)
                self._separators.append(line)
                self.addPermanentWidget(line)
            label.setContentsMargins(6, 0, 6, 0)
            self.addPermanentWidget(label)
        queue.counts_changed.connect(self.set_counts)
        queue.job_finished.connect(lambda _id: self.schedule_size())
        queue.job_removed.connect(lambda _id: self.schedule_size())
        queue.purge_finished.connect(lambda _report: self._after_purge())
        self._size_timer = QTimer(self)
        self._size_timer.setSingleShot(True)
        self._size_timer.setInterval(500)
        self._size_timer.timeout.connect(self.refresh_size)
        self._minute = QTimer(self)
        self._minute.setInterval(60_000)
        self._minute.timeout.connect(self._every_minute)
        self._minute.start()
        self.set_counts(queue.running_count(), queue.queued_count())
        self.update_next_purge()
        self.refresh_size()

    def set_counts(self, running: int, queued: int) -> None:
        if running == 0 and queued == 0:
            text = self.tr("No jobs running")
        else:
            text = (
                self.tr("%1 running, %2 queued")
                .replace("%1", str(running))
                .replace("%2", str(queued))
            )
        self.counts_label.setText(text)

    def schedule_size(self) -> None:
        """Measure again soon (several events in a row cost one measurement)."""
        self._size_timer.start()

    def refresh_size(self) -> None:
        """Measure the job folder on the window's thread pool."""
        if self._measuring:
            self.schedule_size()
            return
        self._measuring = True
        folder = self._jobs_dir

        def done(size: Any, error: BaseException | None) -> None:
            self._measuring = False
            text = (
                self.tr("Job folder: unknown size")
                if error is not None
                else self.tr("Job folder: %1").replace("%1", fmt.size_text(int(size)))
            )
            with contextlib.suppress(RuntimeError):
                self.size_label.setText(text)

        self._runner.run(lambda: tree_size(folder), done)

    def update_next_purge(self) -> None:
        when = self._queue.next_purge_at()
        self.purge_label.setVisible(when is not None)
        self._separators[-1].setVisible(when is not None)
        if when is None:
            return
        self.purge_label.setText(
            self.tr("Next clean-up at %1").replace("%1", fmt.clock_text(when, self._clock()))
        )

    def _after_purge(self) -> None:
        self.update_next_purge()
        self.schedule_size()

    def _every_minute(self) -> None:
        self.update_next_purge()
        self.schedule_size()
