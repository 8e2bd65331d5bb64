"""The spilled events on disk: Arrow IPC files, split by time range ("buckets").

DuckDB's ORDER BY needs memory that grows with the rows it carries: wide rows (the CSV
text plus the Parquet and OCEL columns, about 0.9 KB per event) failed at a 64 MB limit
from 200,000 events and at 192 MB from 2,000,000, spill or not (measured, DuckDB 2.0). So
the time order is taken bucket by bucket: each event goes to the bucket of its time range
(bounds from a sample of the file's times, about equal numbers of events each, sized to
the job's memory), and each bucket is sorted alone. The case order carries numbers only
and is one DuckDB sort over every file. Writers stay open for a few buckets at a time; a
bucket whose writer was closed gets another file.

Each batch is put in time order (then input row) before it is stored, so a bucket is a
few sorted runs: its time order is a merge that mostly hands on whole slices of them
(``merge_order``), not a gather of every text value. A job whose events fit in its memory
keeps them in memory (``in_memory``): the same tables, never written to disk.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

OPEN_WRITERS = 32
# Consecutive rows at least this many are handed on as a slice (zero copy); shorter
# stretches of the order are gathered together.
LONG_RUN = 4096


class Parts:
    """IPC files under ``folder``, each holding events of one time bucket in input order."""

    def __init__(
        self, folder: Path, bounds: np.ndarray | None = None, in_memory: bool = False
    ) -> None:
        self.folder = folder
        self.in_memory = in_memory
        self.tables: dict[int, list[pa.Table]] = {}  # bucket -> its tables (in memory)
        self.bounds = np.zeros(0, np.int64) if bounds is None else np.asarray(bounds, np.int64)
        self.schema: pa.Schema | None = None
        self.files: dict[int, list[Path]] = {}  # bucket -> its files, in writing order
        self.bucket_bytes: dict[int, int] = {}
        self._open: collections.OrderedDict[int, tuple[Any, Any]] = collections.OrderedDict()
        self._count = 0

    @property
    def buckets(self) -> int:
        return len(self.bounds) + 1

    def used(self) -> list[int]:
        """The buckets holding events, in time order."""
        return sorted(self.tables if self.in_memory else self.files)

    def add(self, table: pa.Table) -> None:
        """One batch of events, put in time order, each bucket's slice stored as one run."""
        if self.schema is None:
            self.schema = table.schema
        table = time_ordered(table.cast(self.schema))
        if not len(self.bounds):
            self._write(0, table)
            return
        ts = table.column("ts").to_numpy()
        edges = np.searchsorted(ts, self.bounds, side="left")  # rows of each bucket in turn
        starts = [0, *edges.tolist()]
        ends = [*edges.tolist(), len(ts)]
        for bucket, (start, end) in enumerate(zip(starts, ends, strict=True)):
            if end > start:
                self._write(bucket, table.slice(start, end - start))

    def _write(self, bucket: int, table: pa.Table) -> None:
        if not table.num_rows:
            return
        self.bucket_bytes[bucket] = self.bucket_bytes.get(bucket, 0) + table.nbytes
        if self.in_memory:
            self.tables.setdefault(bucket, []).append(table)
            return
        if bucket in self._open:
            self._open.move_to_end(bucket)
        else:
            if len(self._open) >= OPEN_WRITERS:
                self._close(next(iter(self._open)))
            path = self.folder / f"part-{self._count:06d}.arrow"
            self._count += 1
            sink = pa.OSFile(str(path), "wb")
            assert self.schema is not None
            self._open[bucket] = (sink, ipc.new_file(sink, self.schema))
            self.files.setdefault(bucket, []).append(path)
        self._open[bucket][1].write_table(table, max_chunksize=table.num_rows)

    def _close(self, bucket: int) -> None:
        sink, writer = self._open.pop(bucket)
        writer.close()
        sink.close()

    def close(self) -> None:
        """Finish every file (before reading)."""
        while self._open:
            self._close(next(iter(self._open)))

    def reader(
        self, columns: Sequence[str], buckets: Sequence[int] | None = None
    ) -> pa.RecordBatchReader:
        """The events of ``buckets`` (default: all), file after file, only ``columns`` read."""
        self.close()
        assert self.schema is not None, "no batch was spilled"
        schema = self.schema
        # the reader gives the fields in the file's order, whatever order they are asked in
        wanted = sorted({schema.get_field_index(c) for c in columns})
        options = ipc.IpcReadOptions(included_fields=wanted)
        chosen = self.used() if buckets is None else buckets
        paths = [path for bucket in chosen for path in self.files.get(bucket, [])]
        names = [schema.field(i).name for i in wanted]

        def batches() -> Iterator[pa.RecordBatch]:
            for bucket in chosen if self.in_memory else ():
                for table in self.tables.get(bucket, []):
                    yield from table.select(names).to_batches()
            for path in paths:
                with pa.OSFile(str(path)) as source:
                    reader = ipc.open_file(source, options=options)
                    for index in range(reader.num_record_batches):
                        yield reader.get_batch(index)

        projected = pa.schema([schema.field(i) for i in wanted])
        return pa.RecordBatchReader.from_batches(projected, batches())


def time_ordered(table: pa.Table) -> pa.Table:
    """The events in time order, then input row (one gather, only if they are not so yet)."""
    ts = table.column("ts").to_numpy()
    if len(ts) < 2 or bool(np.all(ts[1:] >= ts[:-1])):
        return table  # rows ascend within a batch: equal times are already in row order
    order = np.lexsort((table.column("row").to_numpy(), ts))
    return table.take(pa.array(order)).combine_chunks()


def merge_order(table: pa.Table) -> Iterator[tuple[int, int] | np.ndarray]:
    """The time order (then input row) of ``table``, whose chunks are sorted runs: slices
    ``(start, length)`` of ``table`` where the order runs on through consecutive rows, and
    arrays of row positions (to gather) where it jumps between runs."""
    keys = [("ts", "ascending"), ("row", "ascending")]
    order = pc.sort_indices(table.select(["ts", "row"]), sort_keys=keys).to_numpy().astype(np.int64)
    if not len(order):
        return
    breaks = np.flatnonzero(np.diff(order) != 1) + 1
    starts = np.concatenate([[0], breaks])
    lengths = np.diff(np.concatenate([starts, [len(order)]]))
    pending: list[np.ndarray] = []
    waiting = 0
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        if length >= LONG_RUN:
            if pending:
                yield np.concatenate(pending)
                pending, waiting = [], 0
            yield int(order[start]), length
        else:
            pending.append(order[start : start + length])
            waiting += length
            if waiting >= LONG_RUN:
                yield np.concatenate(pending)
                pending, waiting = [], 0
    if pending:
        yield np.concatenate(pending)


def time_bounds(stamps: np.ndarray, buckets: int) -> np.ndarray:
    """Bounds splitting a sample of event times into about equal buckets (distinct, sorted;
    a bucket holds the times from its lower bound up to the next one)."""
    stamps = np.sort(np.asarray(stamps, dtype=np.int64))
    if buckets <= 1 or len(stamps) < 2:
        return np.zeros(0, np.int64)
    picks = np.linspace(0, len(stamps) - 1, buckets + 1)[1:-1].round().astype(np.int64)
    return np.unique(stamps[picks])
