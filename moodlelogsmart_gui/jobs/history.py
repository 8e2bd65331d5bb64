"""The queue's writes to the history: outcomes as columns, and known store failures logged
(never raised into a Qt slot, where they would end up as an uncaught exception). No Qt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from moodlelogsmart_gui.jobs.outcome import RunOutcome
from moodlelogsmart_gui.jobs.store import JobState, JobStore, StoreError

log = logging.getLogger(__name__)


def outcome_columns(outcome: RunOutcome) -> dict[str, Any]:
    """The store columns that record how a run ended."""
    changes: dict[str, Any] = {
        "state": outcome.state,
        "reason": outcome.reason,
        "message": outcome.message,
        "finished_at": outcome.finished_at,
        "stage": "",
        "result_path": outcome.result_path,
    }
    if outcome.state == JobState.COMPLETED:
        changes.update(
            percent=100,
            summary=outcome.summary,
            rows_in=outcome.rows_in,
            rows_out=outcome.rows_out,
        )
    return changes


class HistoryWriter:
    """Writes through to a :class:`JobStore`. A locked or full history costs a log line,
    not the app: the failed change is kept and written by the next write or ``flush()``."""

    def __init__(self, store: JobStore, on_pending: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self._pending: dict[str, dict[str, Any]] = {}
        self._on_pending = on_pending

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def write(self, job_id: str, **changes: Any) -> bool:
        merged = {**self._pending.pop(job_id, {}), **changes}
        try:
            self.store.update(job_id, **merged)
        except StoreError as err:
            self._pending[job_id] = merged
            log.error("history: could not record job %s (will retry): %s", job_id, err)
            self._on_pending()
            return False
        return True

    def write_many(self, job_ids: list[str], **changes: Any) -> None:
        try:
            self.store.update_many(job_ids, **changes)
        except StoreError as err:
            log.error("history: could not record %d jobs (will retry): %s", len(job_ids), err)
            for job_id in job_ids:
                self._pending[job_id] = {**self._pending.get(job_id, {}), **changes}
            self._on_pending()

    def flush(self) -> list[str]:
        """Write what failed before; the ids written (stops at the first failure)."""
        written: list[str] = []
        for job_id in list(self._pending):
            if not self.write(job_id, **self._pending.pop(job_id)):
                break
            written.append(job_id)
        return written

    def record_outcome(self, job_id: str, outcome: RunOutcome) -> None:
        reason = outcome.reason or ""
        log.info("job %s: %s %s %s", job_id, outcome.state, reason, outcome.message)
        self.write(job_id, **outcome_columns(outcome))
