"""The queue's writes to the history: outcomes as columns, and known store failures logged
(never raised into a Qt slot, where they would end up as an uncaught exception). No Qt."""

from __future__ import annotations

import logging
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
    """Writes through to a :class:`JobStore`; a locked or full disk costs a log line, not
    the app (the next write tries again)."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def write(self, job_id: str, **changes: Any) -> None:
        try:
            self.store.update(job_id, **changes)
        except StoreError as err:
            log.error("history: could not record job %s: %s", job_id, err)

    def write_many(self, job_ids: list[str], **changes: Any) -> None:
        try:
            self.store.update_many(job_ids, **changes)
        except StoreError as err:
            log.error("history: could not record %d jobs: %s", len(job_ids), err)

    def record_outcome(self, job_id: str, outcome: RunOutcome) -> None:
        reason = outcome.reason or ""
        log.info("job %s: %s %s %s", job_id, outcome.state, reason, outcome.message)
        self.write(job_id, **outcome_columns(outcome))
