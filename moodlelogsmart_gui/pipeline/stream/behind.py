"""Work done on a thread of its own, one step behind the caller (Parquet's row groups,
OCEL's batch bytes: Arrow's C++ lets go of the GIL, so the second core does it)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")


class OneBehind(Generic[T]):
    """Runs each piece of work on one thread while the caller prepares the next, one piece
    at a time and in order (``thread=False``: in line, the same results). An error of a
    piece is raised at the next ``run`` or at ``close``. The thread is gone with the
    executor when this object is, finished or not."""

    def __init__(self, name: str, thread: bool) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) if thread else None
        self._pending: Future[T] | None = None

    def run(self, work: Callable[[], T]) -> list[T]:
        """Start ``work`` after the piece before it; the results done by now, in order (in
        line: this piece's; on the thread: the piece before, if any)."""
        done = self._wait()
        if self._pool is None:
            return [*done, work()]
        self._pending = self._pool.submit(work)
        return done

    def close(self) -> list[T]:
        """The last piece's result (none if none), waited for; the thread ends."""
        done = self._wait()
        if self._pool is not None:
            self._pool.shutdown()
        return done

    def _wait(self) -> list[T]:
        if self._pending is None:
            return []
        pending, self._pending = self._pending, None
        return [pending.result()]
