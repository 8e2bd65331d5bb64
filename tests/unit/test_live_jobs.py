"""The live job table and the run order (no Qt): state rules, throttled progress writes, O(1)."""

from __future__ import annotations

from pathlib import Path

from moodlelogsmart_gui.jobs.history import HistoryWriter
from moodlelogsmart_gui.jobs.live import LiveJobs
from moodlelogsmart_gui.jobs.outcome import RunOutcome
from moodlelogsmart_gui.jobs.run_order import RunOrder
from moodlelogsmart_gui.jobs.state import JobState
from moodlelogsmart_gui.jobs.store import JobStore
from tests.fixtures.jobs import job_row


class CountingStore(JobStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.updates = 0

    def update(self, job_id: str, **changes: object) -> None:
        self.updates += 1
        super().update(job_id, **changes)


def test_progress_reaches_the_history_at_most_once_per_interval(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "h.db")
    job = job_row(state=JobState.RUNNING)
    store.add(job)
    now = [0.0]
    live = LiveJobs(HistoryWriter(store), store.list_jobs(), monotonic=lambda: now[0])
    for percent in range(1, 51):  # fifty progress lines within half a second
        now[0] += 0.01
        live.progress(job.id, percent, "read")
    assert live.get(job.id) is not None and live.get(job.id).percent == 50  # type: ignore[union-attr]
    assert store.updates == 1
    assert store.get(job.id).percent == 1  # type: ignore[union-attr]
    now[0] += 1.0
    live.flush_progress()
    assert store.updates == 2 and store.get(job.id).percent == 50  # type: ignore[union-attr]
    live.record_outcome(job.id, RunOutcome.cancelled("Cancelled.", 5.0))
    assert store.get(job.id).state == JobState.CANCELLED  # type: ignore[union-attr]
    store.close()


def test_jobs_run_in_the_order_added_once_their_copy_is_made() -> None:
    queued = {"a", "b", "c", "d"}
    order = RunOrder(lambda job_id: job_id in queued)
    for job_id in "abcd":
        order.add(job_id)
    order.mark_ready("b")
    assert order.next() is None  # "a" is still being copied
    order.mark_ready("a")
    assert (order.next(), order.next(), order.next()) == ("a", "b", None)
    queued.discard("c")  # cancelled while its copy was made
    order.mark_ready("d")
    assert order.next() == "d" and order.next() is None


def test_a_thousand_waiting_jobs_are_picked_in_linear_time() -> None:
    calls = [0]

    def still_queued(_job_id: str) -> bool:
        calls[0] += 1
        return True

    order = RunOrder(still_queued)
    ids = [f"{i:04}" for i in range(1000)]
    for job_id in ids:
        order.add(job_id, ready=True)
    assert [order.next() for _ in ids] == ids
    assert calls[0] == 1000  # one look per job, not one per waiting job per pick


def test_the_rules_of_each_state() -> None:
    rules = {
        state: (state.can_cancel, state.can_retry, state.has_result, state.is_final)
        for state in JobState
    }
    assert rules == {
        JobState.QUEUED: (True, False, False, False),
        JobState.RUNNING: (True, False, False, False),
        JobState.COMPLETED: (False, True, True, True),
        JobState.FAILED: (False, True, False, True),
        JobState.CANCELLED: (False, True, False, True),
    }
    assert not JobState.RUNNING.can_remove and JobState.QUEUED.can_remove
    assert job_row(state=JobState.COMPLETED).result_available
    assert not job_row(state=JobState.COMPLETED, expired=True).result_available
