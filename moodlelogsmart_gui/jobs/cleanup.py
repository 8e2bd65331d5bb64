"""The queue's clean-up: planned on the queue's thread from the live table, deleted in the
background, on a timer (and once at start)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal

from moodlelogsmart_gui.jobs.live import LiveJobs
from moodlelogsmart_gui.jobs.retention import (
    PurgeReport,
    RetentionPolicy,
    list_job_folders,
    plan_purge,
)
from moodlelogsmart_gui.jobs.tasks import PurgeSignals, PurgeTask
from moodlelogsmart_gui.paths import AppPaths


class Cleanup(QObject):
    """``finished(report)`` after each purge; expired jobs are marked in the live table."""

    finished = Signal(object)

    def __init__(
        self,
        paths: AppPaths,
        live: LiveJobs,
        pool: QThreadPool,
        clock: Callable[[], float],
        *,
        busy_ids: Callable[[], set[str]],
        fail_stuck: Callable[[str, float], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._live = live
        self._pool = pool
        self._clock = clock
        self._busy_ids = busy_ids
        self._fail_stuck = fail_stuck
        self.policy: RetentionPolicy | None = None
        self._task: PurgeTask | None = None
        self._closed = False
        self._interval = 0
        self._next_at: float | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer)

    def run(self, *, dry_run: bool = False) -> None:
        """Plan now, delete in the background (one purge at a time)."""
        if self._task is not None or self.policy is None:
            return
        now = self._clock()
        folders = list_job_folders(self._paths.jobs)
        plan = plan_purge(self._live.all(), folders, now, self.policy, live=self._busy_ids())
        if not dry_run:
            for job_id in plan.stuck:
                self._fail_stuck(job_id, now)
            self._live.change_many(list(plan.reanchor), finished_at=now)
        signals = PurgeSignals(self)
        signals.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._task = PurgeTask(plan, self._paths.jobs, dry_run, signals)
        self._pool.start(self._task)

    def _on_done(self, report: PurgeReport) -> None:
        if self._closed:
            return
        if self._task is not None:
            self._task.signals.deleteLater()
        self._task = None
        if not report.dry_run and report.expired_ids:
            self._live.change_many(report.expired_ids, expired=True, result_path=None)
        self.finished.emit(report)

    # -- the timer -------------------------------------------------------------------------
    def arm(self, interval_seconds: int) -> None:
        self._interval = int(interval_seconds)
        self._timer.start(self._interval * 1000)
        self._next_at = self._clock() + self._interval

    def armed(self) -> bool:
        return self._timer.isActive()

    def next_at(self) -> float | None:
        return self._next_at if self._timer.isActive() else None

    def _on_timer(self) -> None:
        self._next_at = self._clock() + self._interval
        self.run()

    def close(self) -> None:
        """No more purges; a report still on its way is ignored."""
        self._timer.stop()
        self._next_at = None
        self._closed = True
