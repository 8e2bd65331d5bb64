"""The job table model: the queue's history, loaded in chunks, then updated row by row."""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

from moodlelogsmart_gui.gui import formatting as fmt
from moodlelogsmart_gui.gui.icons import state_colour, state_icon
from moodlelogsmart_gui.jobs.state import JobState
from moodlelogsmart_gui.jobs.store import FailureReason

if TYPE_CHECKING:
    from moodlelogsmart_gui.jobs.queue import JobQueue
    from moodlelogsmart_gui.jobs.store import Job

Index = QModelIndex | QPersistentModelIndex

JOB_ROLE = Qt.ItemDataRole.UserRole + 1
"""The :class:`Job` of the row (any column)."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""A plain number or string to sort by."""
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 3
"""Percent 0-100 while running, else None (the delegate draws a bar)."""


class Column(enum.IntEnum):
    FILE = 0
    STATE = 1
    EVENTS_IN = 2
    KEPT = 3
    STARTED = 4
    DURATION = 5
    EXPIRES = 6


HEADERS = ("File", "State", "Events in", "Kept", "Started", "Duration", "Deleted")
COLUMNS = len(Column)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ROLES = frozenset(
    (_DISPLAY, _DECORATION, _FOREGROUND, _TOOLTIP, _ALIGNMENT, JOB_ROLE, SORT_ROLE, PROGRESS_ROLE)
)
"""The roles :meth:`JobTableModel.data` answers; a view asks a cell for about ten roles per
paint (font, background, check state...), so the others return at once."""
_PROGRESS_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole(PROGRESS_ROLE)]
PROGRESS_REPAINT_MS = 250
"""A running job's bar is repainted at most this often: its worker reports up to ten times a
second, and each repaint of a row is Python work on the window's thread."""


def state_key(job: Job) -> str:
    """The state used for colours and icons; purged results show as 'expired'."""
    return "expired" if job.expired else str(job.state)


class JobTableModel(QAbstractTableModel):
    """Rows are jobs; the queue's signals update one row at a time (never a reset per tick)."""

    def __init__(
        self,
        queue: JobQueue,
        *,
        clock: Callable[[], float] = time.time,
        chunk_size: int = 200,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._queue = queue
        self._clock = clock
        self._chunk = chunk_size
        self._rows: list[Job] = []
        self._row_of: dict[str, int] = {}
        self._pending: list[Job] = []
        self._stale: set[str] = set()
        queue.jobs_added.connect(self._on_many_added)
        queue.job_added.connect(self._on_added)
        queue.job_updated.connect(self._on_updated)
        queue.job_finished.connect(self._on_updated)
        queue.job_removed.connect(self._on_removed)
        queue.jobs_changed.connect(self.refresh_rows)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self._ticks = 0
        self._moved: set[str] = set()  # running jobs whose progress moved since the last repaint
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(PROGRESS_REPAINT_MS)
        self._repaint.timeout.connect(self._repaint_progress)
        self.reload()

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the history again (newest first); only the first chunk becomes rows now."""
        self.beginResetModel()
        jobs = list(self._queue.jobs())
        self._rows = jobs[: self._chunk]
        self._pending = jobs[self._chunk :]
        self._stale.clear()
        self._reindex()
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and bool(self._pending)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._pending:
            return
        batch = self._pending[: self._chunk]
        del self._pending[: self._chunk]
        batch = [self._fresh(job) for job in batch]
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(batch) - 1)
        self._rows.extend(batch)
        for offset, job in enumerate(batch):
            self._row_of[job.id] = start + offset
        self.endInsertRows()

    def fetch_all(self) -> None:
        """Load every remaining history row (used by tests and the screenshot)."""
        while self.canFetchMore():
            self.fetchMore()

    def _fresh(self, job: Job) -> Job:
        if job.id in self._stale:
            self._stale.discard(job.id)
            return self._queue.job(job.id) or job
        return job

    def _reindex(self) -> None:
        self._row_of = {job.id: row for row, job in enumerate(self._rows)}

    # -- queue signals ---------------------------------------------------------------------
    def _on_added(self, job_id: str) -> None:
        if job_id not in self._row_of:
            self._on_many_added([job_id])

    def _on_many_added(self, job_ids: list[str]) -> None:
        """A drop of a thousand files is one insertion (and one re-sort), not a thousand."""
        jobs = [job for job_id in dict.fromkeys(job_ids) if job_id not in self._row_of
                and (job := self._queue.job(job_id)) is not None]  # fmt: skip
        if not jobs:
            return
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row + len(jobs) - 1)
        for offset, job in enumerate(jobs):
            self._rows.append(job)
            self._row_of[job.id] = row + offset
        self.endInsertRows()

    def _on_updated(self, job_id: str) -> None:
        row = self._row_of.get(job_id)
        if row is None:
            if any(job.id == job_id for job in self._pending):
                self._stale.add(job_id)
            else:
                self._on_added(job_id)
            return
        job, old = self._queue.job(job_id), self._rows[row]
        if job is None or job == old:  # e.g. the events read so far, which no cell shows
            return
        self._rows[row] = job
        if job.state is JobState.RUNNING and old.state is JobState.RUNNING:
            self._moved.add(job_id)  # only the bar and its text: repainted a little later
            if not self._repaint.isActive():
                self._repaint.start()
            return
        self._moved.discard(job_id)
        self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMNS - 1))

    def _repaint_progress(self) -> None:
        """The State cells of the running jobs whose progress moved: no other cell, and no
        sort key changed (the proxy leaves the order alone)."""
        moved, self._moved = self._moved, set()
        for job_id in moved:
            row = self._row_of.get(job_id)
            if row is not None:
                index = self.index(row, Column.STATE)
                self.dataChanged.emit(index, index, _PROGRESS_ROLES)

    def _on_removed(self, job_id: str) -> None:
        row = self._row_of.get(job_id)
        if row is None:
            self._pending = [job for job in self._pending if job.id != job_id]
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._reindex()
        self.endRemoveRows()

    def refresh_rows(self) -> None:
        """Read every shown job again (new settings move every expiry time at once)."""
        for row, job in enumerate(self._rows):
            fresh = self._queue.job(job.id)
            if fresh is not None:
                self._rows[row] = fresh
        self._stale.update(job.id for job in self._pending)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, COLUMNS - 1))

    def _tick(self) -> None:
        """Durations of running jobs move every second; expiry texts every 30 s."""
        self._ticks += 1
        for row, job in enumerate(self._rows):
            if job.state is JobState.RUNNING:
                index = self.index(row, Column.DURATION)
                self.dataChanged.emit(index, index)
        if self._ticks % 30 == 0 and self._rows:
            top = self.index(0, Column.EXPIRES)
            bottom = self.index(len(self._rows) - 1, Column.EXPIRES)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])  # keys stay

    # -- access ----------------------------------------------------------------------------
    def job_at(self, row: int) -> Job | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, job_id: str) -> int | None:
        return self._row_of.get(job_id)

    def total_jobs(self) -> int:
        return len(self._rows) + len(self._pending)

    # -- Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.tr(HEADERS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole and section in (
            Column.EVENTS_IN,
            Column.KEPT,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _FLAGS

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        job = self._rows[row]
        column = index.column()  # an int: Column(...) per call is slow, and IntEnum compares
        if role == _DISPLAY:
            return self._display(job, column)
        if role == JOB_ROLE:
            return job
        if role == SORT_ROLE:
            return self._sort_key(job, column)
        if role == PROGRESS_ROLE:
            return int(job.percent) if job.state is JobState.RUNNING else None
        if role == _DECORATION and column == Column.STATE:
            return state_icon(state_key(job))
        if role == _FOREGROUND and column == Column.STATE:
            return state_colour(state_key(job))
        if role == _TOOLTIP:
            return self._tooltip(job)
        if role == _ALIGNMENT and column in (Column.EVENTS_IN, Column.KEPT):
            return _RIGHT
        return None

    def _display(self, job: Job, column: int) -> str:
        now = self._clock()
        state = job.state
        if column == Column.FILE:
            attempt = fmt.attempt_text(job.attempt, job.retry_of)
            return f"{job.input_name} ({attempt})" if attempt else job.input_name
        if column == Column.STATE:
            if state is JobState.RUNNING:
                return f"{fmt.stage_text(job.stage)} {int(job.percent)}%"
            if state.has_failed and job.reason and job.reason != FailureReason.CANCELLED:
                return f"{fmt.state_text(state)}: {fmt.reason_text(str(job.reason))}"
            return fmt.state_text(state)
        if column == Column.EVENTS_IN:
            return fmt.count_text(job.rows_in)
        if column == Column.KEPT:
            return fmt.count_text(job.rows_out)
        if column == Column.STARTED:
            return fmt.clock_text(job.started_at, now)
        if column == Column.DURATION:
            return fmt.duration_text(_duration(job, now))
        if column == Column.EXPIRES:
            if job.expired:
                return self.tr("expired")
            if state.is_active:
                return ""
            if state in ("failed", "cancelled"):  # no result: only the log is kept
                return self.tr("log %1").replace("%1", fmt.until_text(job.expires_at, now))
            return fmt.until_text(job.expires_at, now)
        return ""

    def sort_key(self, row: int, column: int) -> tuple[Any, float]:
        """The key the proxy sorts ``row`` by: the column's key, then when it was added."""
        job = self._rows[row]
        return self._sort_key(job, column), job.queued_at

    def _sort_key(self, job: Job, column: int) -> Any:
        now = self._clock()
        if column == Column.FILE:
            return job.input_name.casefold()
        if column == Column.STATE:
            return job.state.rank
        if column == Column.EVENTS_IN:
            return -1 if job.rows_in is None else job.rows_in
        if column == Column.KEPT:
            return -1 if job.rows_out is None else job.rows_out
        if column == Column.STARTED:
            return job.queued_at  # jobs start in the order they were added; waiting ones first
        if column == Column.DURATION:
            return _duration(job, now) or 0.0
        if column == Column.EXPIRES:
            if job.expired:
                return -1.0
            return job.expires_at if job.expires_at is not None else math.inf
        return 0

    def _tooltip(self, job: Job) -> str:
        if job.message:
            text = job.message
        elif job.expired:
            text = self.tr("The result was deleted; run the file again to get it back.")
        else:
            text = job.source_path or job.input_name
        return f"{self._retry_note(job)}\n{text}" if job.retry_of else text

    def _retry_note(self, job: Job) -> str:
        """'Attempt 2: a retry of the run added at 14:02:10.' (the first run, if still kept)."""
        first = self._queue.job(job.retry_of) if job.retry_of else None
        note = self.tr("Attempt %1: a retry").replace("%1", str(job.attempt))
        if first is None:
            return note + "."
        when = fmt.seconds_text(first.queued_at)
        return note + self.tr(" of the run added at %1.").replace("%1", when)


def _duration(job: Job, now: float) -> float | None:
    if job.started_at is None:
        return None
    end = job.finished_at if job.finished_at is not None else now
    return max(0.0, end - job.started_at)


class JobSortProxy(QSortFilterProxyModel):
    """Sorts on :data:`SORT_ROLE`; newest first by default; keeps sorting while rows change."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def lessThan(self, left: Index, right: Index) -> bool:
        # The keys come straight from the model: two QModelIndex.data round trips per side
        # were most of the cost of sorting a drop of a thousand rows in.
        model = self.sourceModel()
        if isinstance(model, JobTableModel):
            column = left.column()
            a, b = model.sort_key(left.row(), column), model.sort_key(right.row(), column)
        else:
            a, b = (left.data(SORT_ROLE), 0.0), (right.data(SORT_ROLE), 0.0)
        try:
            return bool(a < b)
        except TypeError:
            return str(a[0]) < str(b[0])
