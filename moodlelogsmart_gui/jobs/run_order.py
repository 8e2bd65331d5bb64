"""Which queued job runs next (no Qt): jobs start in the order they were added, each once
its input copy is made; a ready job waits for earlier jobs whose copy is still being made."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class RunOrder:
    """Picking the next job is O(1) amortised: jobs that stopped being queued (cancelled,
    removed, failed copy) are dropped from the front as they are met."""

    def __init__(self, still_queued: Callable[[str], bool]) -> None:
        self._still_queued = still_queued
        self._waiting: deque[str] = deque()
        self._ready: set[str] = set()

    def add(self, job_id: str, *, ready: bool = False) -> None:
        self._waiting.append(job_id)
        if ready:
            self._ready.add(job_id)

    def mark_ready(self, job_id: str) -> None:
        """The job's input copy is complete."""
        self._ready.add(job_id)

    def discard(self, job_id: str) -> None:
        """The job will not run (it stays in line until met, then is dropped)."""
        self._ready.discard(job_id)

    def next(self) -> str | None:
        """The first job in line if its copy is made, else None."""
        while self._waiting:
            job_id = self._waiting[0]
            if not self._still_queued(job_id):
                self._waiting.popleft()
                self._ready.discard(job_id)
                continue
            if job_id not in self._ready:
                return None
            self._waiting.popleft()
            self._ready.discard(job_id)
            return job_id
        return None

    def ready_count(self) -> int:
        return len(self._ready)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._ready or job_id in self._waiting

    def ids(self) -> set[str]:
        return set(self._waiting)
