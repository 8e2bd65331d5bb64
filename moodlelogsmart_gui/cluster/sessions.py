"""What one Dask task does with one case group: number the sessions, write the events.

The partition tasks grouped every event by a hash of its case (``stage/bucket=<b>/``), so
one task sees every event of its students, from every input file and every course. It
orders them by case, time and input position (file, part, row: the order of the
concatenated input), numbers the sessions with the single-machine tracker (a new session
after more than the gap of inactivity, exactly the gap is the same session, counted per
case) and writes the events, with ``session_id`` after the classification columns as in
``enriched_log.csv``, into the run's ``events/`` dataset partitioned by course. File names
are fixed per group, so a retried task overwrites rather than duplicates.
"""

from __future__ import annotations

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


def number_sessions(table: pa.Table, gap_minutes: float) -> tuple[pa.Table, int, int]:
    """``table`` ordered by case, time and input position, with ``session_id`` added; and
    how many cases and sessions it holds."""
    table = table.set_column(
        table.schema.get_field_index("case_id"), "case_id", table["case_id"].cast(pa.string())
    )
    keys = [("case_id", "ascending"), ("timestamp", "ascending")]
    keys += [(c, "ascending") for c in ORDER_COLUMNS]
    table = table.sort_by(keys)
    cases = pc.dictionary_encode(table["case_id"].combine_chunks())
    codes = cases.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    times = table["timestamp"].combine_chunks()
    in_ns = times.cast(pa.timestamp("ns", times.type.tz))  # any unit: the gap is in ns
    stamps = in_ns.cast(pa.int64()).to_numpy(zero_copy_only=False)
    tracker = SessionTracker(gap_minutes)
    numbers = tracker.assign(codes, stamps)
    at = table.schema.get_field_index(AFTER) + 1
    table = table.add_column(at, "session_id", pa.array(numbers.astype(np.int32)))
    return table, len(cases.dictionary), tracker.total


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
    courses = pc.value_counts(table["course"].combine_chunks())
    pq.write_to_dataset(
        table,
        str(Path(staging) / "events"),
        partition_cols=["course"],
        basename_template=f"part-{bucket:05d}-{{i}}.parquet",
        existing_data_behavior="overwrite_or_ignore",
    )
    return GroupResult(
        bucket,
        table.num_rows,
        cases,
        sessions,
        {str(v["values"]): int(v["counts"]) for v in courses.to_pylist()},
        time.process_time() - cpu,
    )
