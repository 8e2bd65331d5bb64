"""Spill to disk inside the job folder; the global orders are taken from there.

Enriched batches are written as Arrow IPC files under ``<job>/spill/parts`` (the cheapest
write there is: no conversion, no compression), split into time buckets (``parts.Parts``).
The time order is taken bucket by bucket (sorted in process, or by DuckDB when a bucket is
larger than its share); the case order, numbers only, is one DuckDB query over a stream of
every file's record batches (only the columns it needs) registered as ``events``, in a
connection whose ``memory_limit`` comes from the job's memory setting and whose
``temp_directory`` is ``<job>/spill/duckdb`` (both per connection, so concurrent jobs each
keep to their own); DuckDB hands back sorted Arrow batches. An SQL ``ORDER BY`` is not
stable: every order ends with ``row``, the input position. The folder is deleted when the
job ends, whatever the outcome (``Spill`` is a context manager); the runner's tidy-up and
the purge remove what a killed worker left.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest.paced import limit_read_ahead
from moodlelogsmart_gui.pipeline.options import DEFAULT_JOB_MEMORY_MB
from moodlelogsmart_gui.pipeline.stream.parts import Parts, merge_order

SPILL_DIR = "spill"
# Disk needed per byte of input: the spill (parts, DuckDB's sort files, ZIP members waiting
# in spools) plus the result ZIP. Measured on a generated 10M-event report download with every
# member (benchmarks/bench_stream.py): spill peak 3.8x the input, ZIP about 1.15x.
SPACE_FACTOR = 5.0
SPACE_MARGIN = 64 << 20
# Memory the Python side of a job needs besides DuckDB (a batch being enriched, the
# writers' chunks, the interpreter and its libraries).
PYTHON_SHARE_MB = 320
# Spilled events below this size are sorted in process (a small log starts no DuckDB); -1:
# every case order by DuckDB (tests).
SMALL_BYTES = 32 << 20
# A job whose events (estimated from the input's size) fit in this share of its memory
# keeps them in memory instead of spilling them (``parts.Parts.in_memory``).
KEEP_SHARE = 0.75
MIN_DUCKDB_MB = 64  # DuckDB's sorts need about this much whatever the data's size
# Spilled event bytes per input byte with every member (Arrow's in-memory size: the CSV text,
# the Parquet and OCEL columns), measured on generated report downloads; sizes the buckets.
SPILL_PER_INPUT = 4.0
MAX_BUCKETS = 4096
# A job given less memory than this is "tight": sorted batches of fewer rows, ZIP members
# spooled straight to files, and Arrow's memory handed back to the system as soon as it is
# freed (measured on 1M events at 256 MB: peak 744 MB -> about 520 MB).
TIGHT_MB = 1024
READ_AHEAD_BLOCKS = 4  # raw 4 MB blocks a tight job's reader holds ahead (measured: 2 needed)


_DISK_WORDS = (
    ("No space left", errno.ENOSPC),
    ("File too large", errno.EFBIG),
    ("Disk quota", getattr(errno, "EDQUOT", errno.ENOSPC)),
)


@contextlib.contextmanager
def duckdb_errors() -> Iterator[None]:
    """DuckDB's own exceptions as Python's: out of memory as MemoryError, a full disk or a
    file size limit as OSError with its errno (the worker tells people which it was)."""
    import duckdb

    try:
        yield
    except duckdb.Error as exc:  # I/O and transaction errors both carry the system's words
        text = str(exc)
        first = text.split("\n", 1)[0]
        if isinstance(exc, duckdb.OutOfMemoryException) or "bad_alloc" in text:
            raise MemoryError(first) from exc
        for words, number in _DISK_WORDS:
            if words in text:
                raise OSError(number, first) from exc
        raise


def free_bytes(folder: Path) -> int:
    """Free space of the file system holding ``folder`` (tests replace this)."""
    return shutil.disk_usage(folder).free


def _size(number: int) -> str:
    if number >= 1 << 30:
        return f"{number / (1 << 30):.1f} GB"
    return f"{max(1, round(number / (1 << 20)))} MB"


def check_free_space(folder: Path, input_bytes: int) -> None:
    """Refuse (bad input, one sentence) a job the data folder has no room for."""
    needed = int(input_bytes * SPACE_FACTOR) + SPACE_MARGIN
    free = free_bytes(folder)
    if free < needed:
        raise BadInputError(
            f"Processing this {_size(input_bytes)} log needs about {_size(needed)} of free disk "
            f"space in the data folder, but only {_size(free)} is free: free some space, or "
            "move the data folder (MOODLELOGSMART_HOME) to a larger disk."
        )


def fits_in_memory(input_bytes: int, job_memory_mb: int) -> bool:
    """Whether the events of a log this size are kept in memory rather than spilled."""
    return input_bytes * SPILL_PER_INPUT <= (job_memory_mb << 20) * KEEP_SHARE


def sorted_batch_rows(job_memory_mb: int) -> int:
    """Rows per sorted batch handed to the writers."""
    return 16_384 if job_memory_mb < TIGHT_MB else 65_536


def spool_memory(job_memory_mb: int) -> int | None:
    """Compressed bytes of a ZIP member kept in memory before its spool file (None: the
    ZIP writer's default)."""
    return 0 if job_memory_mb < TIGHT_MB else None


def release_memory_early(job_memory_mb: int) -> None:
    """In a tight job, Arrow allocates from jemalloc and returns freed memory to the system
    at once (its default allocator keeps freed pages for reuse, which adds up to a few
    hundred MB). Only the worker's process runs a job; a build without jemalloc is left as
    it is. The input is read at most ``READ_AHEAD_BLOCKS`` blocks ahead of the batches
    taken (``ingest.paced``; Arrow's reader queues up to 128 MB of raw text otherwise)."""
    if job_memory_mb >= TIGHT_MB:
        return
    limit_read_ahead(READ_AHEAD_BLOCKS)
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return
    pa.set_memory_pool(pool)


def duckdb_memory_mb(job_memory_mb: int) -> int:
    """DuckDB's share of the job's memory (the rest is for the batches in Python)."""
    return max(MIN_DUCKDB_MB, job_memory_mb - PYTHON_SHARE_MB)


def time_buckets(input_bytes: int, job_memory_mb: int) -> int:
    """How many time buckets the spill of a log this size needs (see ``parts``)."""
    wanted = -(-int(input_bytes * SPILL_PER_INPUT) // bucket_bytes(job_memory_mb))
    return max(1, min(MAX_BUCKETS, wanted))


def bucket_bytes(job_memory_mb: int) -> int:
    """The size of the events a time bucket should hold (its sort here holds it twice)."""
    return (duckdb_memory_mb(job_memory_mb) << 20) // 4


def duckdb_threads(job_memory_mb: int) -> int:
    """Each DuckDB thread pins its own sort blocks: one thread when memory is short."""
    if duckdb_memory_mb(job_memory_mb) < 256:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def tree_bytes(folder: Path) -> int:
    """Bytes of the regular files under ``folder`` (never following links)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


class Spill:
    """Arrow IPC parts (split by time range, ``parts.Parts``) plus one DuckDB connection,
    all under ``<job>/spill``."""

    def __init__(
        self,
        job_folder: Path,
        memory_mb: int = DEFAULT_JOB_MEMORY_MB,
        bounds: np.ndarray | None = None,
        in_memory: bool = False,
    ) -> None:
        self.folder = Path(job_folder) / SPILL_DIR
        self.memory_mb = memory_mb
        self.peak = 0
        self.bytes = 0
        self.rows = 0
        self.parts = Parts(self.folder / "parts", bounds, in_memory)
        self._lock = threading.Lock()
        self._con: Any = None

    @property
    def schema(self) -> pa.Schema | None:
        return self.parts.schema

    def __enter__(self) -> Spill:
        if self.folder.is_symlink():
            raise BadInputError("The job folder's spill folder is a link: remove it and retry.")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.parts.folder.mkdir(parents=True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close DuckDB and delete every spill file."""
        if self._con is not None:
            con, self._con = self._con, None
            with contextlib.suppress(Exception):  # the files go below whatever state it is in
                con.close()
        with contextlib.suppress(Exception):
            self.parts.close()
        if self.folder.exists() and not self.folder.is_symlink():
            shutil.rmtree(self.folder, ignore_errors=True)

    def small(self, columns: Sequence[str]) -> bool:
        """Few enough events to sort ``columns`` in this process: below ``SMALL_BYTES``
        spilled, or numbers only within a time bucket's share of the job's memory."""
        if SMALL_BYTES < 0:
            return False
        schema = self.parts.schema
        if self.bytes <= SMALL_BYTES or schema is None:
            return True
        types = [schema.field(c).type for c in columns]
        if not all(pa.types.is_integer(t) or pa.types.is_boolean(t) for t in types):
            return False
        width = sum(max(1, t.bit_width // 8) for t in types)
        return bool(self.rows * width <= bucket_bytes(self.memory_mb))

    def add(self, table: pa.Table) -> None:
        """One batch of events (see ``parts.Parts.add``)."""
        self.bytes += table.nbytes
        self.rows += table.num_rows
        self.parts.add(table)
        self.measure()

    def measure(self) -> int:
        """Record the spill folder's size now (the peak goes to summary.json)."""
        size = tree_bytes(self.folder)
        with self._lock:
            self.peak = max(self.peak, size)
        return size

    def events(self, columns: Sequence[str]) -> pa.RecordBatchReader:
        """The spilled events, file after file, with only ``columns`` read from disk."""
        return self.parts.reader(columns)

    @property
    def connection(self) -> Any:
        """The job's DuckDB connection (its limits set from the job's memory setting)."""
        if self._con is None:
            import duckdb

            temp = self.folder / "duckdb"
            temp.mkdir(exist_ok=True)
            with duckdb_errors():
                self._con = self._connect(duckdb, temp)
        return self._con

    def _connect(self, duckdb: Any, temp: Path) -> Any:
        con = duckdb.connect(
            ":memory:",
            config={
                "memory_limit": f"{duckdb_memory_mb(self.memory_mb)}MB",
                "temp_directory": str(temp),
                "threads": duckdb_threads(self.memory_mb),
                "preserve_insertion_order": False,
            },
        )
        con.execute("SET enable_progress_bar = false")
        return con

    def sorted_in_memory(
        self,
        keys: Sequence[str],
        columns: Sequence[str],
        batch_rows: int | None = None,
        reader: pa.RecordBatchReader | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """An order without DuckDB (no import, no threads to start): the same total order
        (the keys end with the unique ``row``), so the same bytes."""
        batch_rows = batch_rows or sorted_batch_rows(self.memory_mb)
        table = (reader or self.events(columns)).read_all().combine_chunks()  # numbers only
        columns_ = [table.column(key) for key in keys]
        if all(pa.types.is_integer(c.type) and not c.null_count for c in columns_):
            # numpy's lexsort (last key first) takes about half the time of Arrow's sort
            order = pa.array(np.lexsort([c.to_numpy() for c in reversed(columns_)]))
        else:
            order = pc.sort_indices(table, sort_keys=[(key, "ascending") for key in keys])
        for start in range(0, table.num_rows, batch_rows):
            yield from table.take(order.slice(start, batch_rows)).to_batches()

    def time_sorted(
        self, columns: Sequence[str], batch_rows: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The events in time order (then input row), one time bucket after the other: a
        bucket within its share of the job's memory is sorted here, a larger one by DuckDB."""
        limit = bucket_bytes(self.memory_mb) * 2
        batch_rows = batch_rows or sorted_batch_rows(self.memory_mb)
        for bucket in self.parts.used():
            reader = self.parts.reader(columns, [bucket])
            if self.parts.in_memory or self.parts.bucket_bytes.get(bucket, 0) <= limit:
                yield from _merged(reader.read_all(), batch_rows)
            else:
                query = "SELECT * FROM events ORDER BY ts, row"
                yield from self._query(query, reader, batch_rows)

    def sorted(
        self, query: str, columns: Sequence[str], batch_rows: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Record batches of ``query`` (SQL over ``events``, ending in an ORDER BY) where
        ``events`` holds ``columns`` (every column the query reads)."""
        rows = batch_rows or sorted_batch_rows(self.memory_mb)
        return self._query(query, self.events(columns), rows)

    def _query(
        self, query: str, events: pa.RecordBatchReader, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        con = self.connection
        with duckdb_errors():
            con.register("events", events)
            try:
                reader = con.sql(query).to_arrow_reader(batch_rows)
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        return
                    yield batch
            finally:
                con.unregister("events")


def _merged(table: pa.Table, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The rows of ``table`` (chunks in time order each) in time order, then input row."""
    for piece in merge_order(table):
        if isinstance(piece, tuple):
            start, length = piece
            for offset in range(0, length, batch_rows):
                rows = min(batch_rows, length - offset)
                yield from table.slice(start + offset, rows).to_batches()
        else:
            yield from table.take(pa.array(piece)).to_batches()


class Heartbeat:
    """Progress lines while a long step gives none (DuckDB sorting before its first batch),
    so the stall watchdog sees a healthy job; also samples the spill folder's size."""

    def __init__(
        self, progress: Callable[[int, str], None], spill: Spill | None, every: float = 10.0
    ) -> None:
        self._progress = progress
        self._spill = spill
        self._every = every
        self._stop = threading.Event()
        self._state = (0, "")
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def set(self, percent: int, stage: str) -> None:
        with self._lock:
            self._state = (percent, stage)
            self._progress(percent, stage)

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            if self._spill is not None:
                self._spill.measure()
            with self._lock:
                percent, stage = self._state
                if stage:
                    self._progress(percent, stage)
