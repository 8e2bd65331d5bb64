"""A writer run one batch behind, in its own thread (``writers.BatchWriter`` as well).

The analyst members' writers (Parquet, OCEL) turn each sorted batch into bytes with Arrow
and pandas kernels that mostly release the GIL; run in a thread of their own they overlap
the CSV and XES writers and the sort of the next batch, on the other core. ``write`` hands
the batch to the thread and returns what the previous batch gave (empty the first time),
so each member's bytes still come in order; ``finish`` returns the last batch's bytes joined
with the writer's own end.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from moodlelogsmart_gui.pipeline.stream.writers import BatchWriter, Chunk


class Ahead:
    """``writer`` fed from a thread, its output one batch late."""

    def __init__(self, writer: BatchWriter) -> None:
        self.writer = writer
        self.members: tuple[str, ...] = writer.members
        self.columns: tuple[str, ...] = writer.columns
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[tuple[Chunk, ...]] | None = None

    def start(self) -> tuple[Chunk, ...]:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="member")
        return self.writer.start()

    def write(self, batch: pa.RecordBatch) -> tuple[Chunk, ...]:
        assert self._pool is not None, "start() first"
        done = self._take()
        self._pending = self._pool.submit(self.writer.write, batch)
        return done

    def finish(self) -> tuple[Chunk, ...]:
        try:
            last = self._take()
            end = self.writer.finish()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
        return tuple(_joined(a, b) for a, b in zip(last, end, strict=True))

    def _take(self) -> tuple[Chunk, ...]:
        if self._pending is None:
            return tuple(b"" for _ in self.members)
        pending, self._pending = self._pending, None
        return pending.result()


def _joined(first: Chunk, second: Chunk) -> Chunk:
    if not len(first):
        return second
    if not len(second):
        return first
    return bytes(first) + bytes(second)
