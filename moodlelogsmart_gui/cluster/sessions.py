"""What one Dask task does with one case group: number the sessions, write the events.

The partition tasks grouped every event by a hash of its case (``stage/bucket=<b>/``), so
one task sees every event of its students, from every input file and every course. It
numbers the sessions with the single-machine tracker over each case's events in time and
input position (file, part, row: the order of the concatenated input), a new session after
more than the gap of inactivity, exactly the gap the same session, counted per case; then
writes the events, ordered by course, case, time and input position, with ``session_id``
after the classification columns as in ``enriched_log.csv``, into the run's ``events/``
dataset partitioned by course (one slice per course, in pyarrow's hive folders). File names
are fixed per group, so a retried task overwrites rather than duplicates.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from moodlelogsmart_gui.cluster.partition import ORDER_COLUMNS
from moodlelogsmart_gui.pipeline.sessions import SessionTracker

AFTER = "rule_id"  # session_id follows it, as in enriched_log.csv


@dataclass
class GroupResult:
    bucket: int
    rows: int
    cases: int
    sessions: int
    courses: dict[str, int]  # events per course
    cpu_seconds: float


def _ranks(column: pa.ChunkedArray) -> np.ndarray:
    """Each row's rank among the column's distinct values, in sorted order."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    values = encoded.dictionary
    rank = np.empty(len(values), dtype=np.int64)
    rank[pc.sort_indices(values).to_numpy()] = np.arange(len(values))
    codes: np.ndarray = encoded.indices.to_numpy(zero_copy_only=False)
    return rank[codes.astype(np.int64)]


def _nanoseconds(column: pa.ChunkedArray) -> np.ndarray:
    times = column.combine_chunks()
    in_ns = times.cast(pa.timestamp("ns", times.type.tz))  # any unit: the gap is in ns
    stamps: np.ndarray = in_ns.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return stamps


def number_sessions(table: pa.Table, gap_minutes: float) -> tuple[pa.Table, int, int]:
    """``table`` ordered by course, then case, time and input position, with ``session_id``
    added; and how many cases and sessions it holds.

    Sessions are numbered over each case's events in time order (then input position)
    across every course, as on one machine; only the rows' order is by course, so that
    each course is one slice.
    """
    table = table.set_column(
        table.schema.get_field_index("case_id"), "case_id", table["case_id"].cast(pa.string())
    )
    case = _ranks(table["case_id"])
    stamps = _nanoseconds(table["timestamp"])
    position = [table[c].to_numpy() for c in reversed(ORDER_COLUMNS)]
    in_time = np.lexsort((*position, stamps, case))
    tracker = SessionTracker(gap_minutes)
    numbers = np.empty(len(case), dtype=np.int32)
    numbers[in_time] = tracker.assign(case[in_time], stamps[in_time])
    course = _ranks(table["course"].cast(pa.string()))
    order = np.lexsort((*position, stamps, case, course))
    table = table.take(pa.array(order))
    at = table.schema.get_field_index(AFTER) + 1
    table = table.add_column(at, "session_id", pa.array(numbers[order]))
    cases = int(case.max()) + 1 if len(case) else 0  # ranks are 0 to cases - 1
    return table, cases, tracker.total


def write_courses(table: pa.Table, events: Path, name: str) -> dict[str, int]:
    """The rows of ``table`` (ordered by course) into ``events/course=<c>/<name>`` (hive
    folders, the course URI-encoded as pyarrow writes them); the events per course."""
    from urllib.parse import quote

    encoded = pc.dictionary_encode(table["course"].cast(pa.string()).combine_chunks())
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    values = encoded.dictionary.to_pylist()
    table = table.drop_columns(["course"])
    bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)]
    written: dict[str, int] = {}
    for lo, hi in itertools.pairwise(bounds):
        if hi > lo:
            value = str(values[codes[lo]])
            folder = events / f"course={quote(value, safe='')}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(table.slice(lo, hi - lo), str(folder / name))
            written[value] = hi - lo
    return written


def write_group(staging: str, bucket: int, gap_minutes: float) -> GroupResult:
    """The sessions of one case group, and its events into ``events/course=<c>/``."""
    cpu = time.process_time()
    folder = Path(staging) / "stage" / f"bucket={bucket}"
    if not folder.is_dir():  # no case fell into this group
        return GroupResult(bucket, 0, 0, 0, {}, time.process_time() - cpu)
    parts = [pq.read_table(str(path)) for path in sorted(folder.glob("*.parquet"))]
    # files of different layouts (other original columns) side by side
    table = pa.concat_tables(parts, promote_options="permissive")
    table, cases, sessions = number_sessions(table, gap_minutes)
    courses = write_courses(table, Path(staging) / "events", f"part-{bucket:05d}-0.parquet")
    return GroupResult(bucket, table.num_rows, cases, sessions, courses, time.process_time() - cpu)
