"""The spilled events on disk: Arrow IPC files, split by time range ("buckets").

DuckDB's ORDER BY needs memory that grows with the rows it carries: wide rows (the CSV
text plus the Parquet and OCEL columns, about 0.9 KB per event) failed at a 64 MB limit
from 200,000 events and at 192 MB from 2,000,000, spill or not (measured, DuckDB 2.0). So
the time order is taken bucket by bucket: each event goes to the bucket of its time range
(bounds from a sample of the file's times, about equal numbers of events each, sized to
the job's memory), and each bucket is sorted alone. The case order carries numbers only
and is one DuckDB sort over every file. Writers stay open for a few buckets at a time; a
bucket whose writer was closed gets another file.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

OPEN_WRITERS = 32


class Parts:
    """IPC files under ``folder``, each holding events of one time bucket in input order."""

    def __init__(self, folder: Path, bounds: np.ndarray | None = None) -> None:
        self.folder = folder
        self.bounds = np.zeros(0, np.int64) if bounds is None else np.asarray(bounds, np.int64)
        self.schema: pa.Schema | None = None
        self.files: dict[int, list[Path]] = {}  # bucket -> its files, in writing order
        self.bucket_bytes: dict[int, int] = {}
        self._open: collections.OrderedDict[int, tuple[Any, Any]] = collections.OrderedDict()
        self._count = 0

    @property
    def buckets(self) -> int:
        return len(self.bounds) + 1

    def add(self, table: pa.Table) -> None:
        """One batch of events (input order kept within each bucket)."""
        if self.schema is None:
            self.schema = table.schema
        table = table.cast(self.schema)
        if not len(self.bounds):
            self._write(0, table)
            return
        ts = table.column("ts").to_numpy()
        codes = np.searchsorted(self.bounds, ts, side="right")
        if len(codes) and codes.min() == codes.max():
            self._write(int(codes[0]), table)
            return
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        edges = np.flatnonzero(np.diff(sorted_codes)) + 1
        for start, end in zip([0, *edges.tolist()], [*edges.tolist(), len(order)], strict=True):
            rows = pa.array(order[start:end])
            self._write(int(sorted_codes[start]), table.take(rows))

    def _write(self, bucket: int, table: pa.Table) -> None:
        if not table.num_rows:
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
        self._open[bucket][1].write_table(table)
        self.bucket_bytes[bucket] = self.bucket_bytes.get(bucket, 0) + table.nbytes

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
        chosen = sorted(self.files) if buckets is None else buckets
        paths = [path for bucket in chosen for path in self.files.get(bucket, [])]

        def batches() -> Iterator[pa.RecordBatch]:
            for path in paths:
                with pa.OSFile(str(path)) as source:
                    reader = ipc.open_file(source, options=options)
                    for index in range(reader.num_record_batches):
                        yield reader.get_batch(index)

        projected = pa.schema([schema.field(i) for i in wanted])
        return pa.RecordBatchReader.from_batches(projected, batches())


def time_bounds(stamps: np.ndarray, buckets: int) -> np.ndarray:
    """Bounds splitting a sample of event times into about equal buckets (distinct, sorted;
    a bucket holds the times from its lower bound up to the next one)."""
    stamps = np.sort(np.asarray(stamps, dtype=np.int64))
    if buckets <= 1 or len(stamps) < 2:
        return np.zeros(0, np.int64)
    picks = np.linspace(0, len(stamps) - 1, buckets + 1)[1:-1].round().astype(np.int64)
    return np.unique(stamps[picks])
