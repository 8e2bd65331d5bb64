"""The sessions round on its own (no Dask): one case group's events, from several input
files and courses, numbered as the single machine numbers them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from moodlelogsmart_gui.cluster.sessions import number_sessions, write_group

MINUTE = 60 * 1_000_000_000


def group_table() -> pa.Table:
    """Student 7 in two files and two courses, out of order as the files gave them;
    student 9 once. Gap 30 minutes."""
    stamps = pd.to_datetime(
        [
            "2024-03-01 10:30:00",  # file 1: exactly the gap after 10:00 -> same session
            "2024-03-01 10:00:00",  # file 0
            "2024-03-01 11:00:01",  # file 0: 30 min 1 s after 10:30 -> session 2
            "2024-03-01 11:00:01",  # file 1: the same instant -> session 2
            "2024-03-01 09:00:00",  # student 9
            "2024-03-02 08:00:00",  # file 1, next day -> session 3
        ]
    ).tz_localize("UTC")
    return pa.table(
        {
            "case_id": pa.array(["7", "7", "7", "7", "9", "7"]).dictionary_encode(),
            "timestamp": pa.array(stamps),
            "event_key": ["b", "a", "c", "d", "x", "e"],
            "rule_id": ["r"] * 6,
            "input_file": pa.array([1, 0, 0, 1, 0, 1], pa.int32()),
            "input_part": pa.array([0] * 6, pa.int32()),
            "input_row": pa.array([0, 0, 1, 1, 2, 2], pa.int64()),
            "course": ["12", "31", "31", "12", "31", "12"],
        }
    )


def test_sessions_follow_case_time_and_input_order_across_files() -> None:
    """Numbered over each case's events in time order across courses and files; the rows
    come back ordered by course, then case, time and input position."""
    table, cases, sessions = number_sessions(group_table(), 30)
    columns = ("course", "case_id", "event_key", "session_id")
    got = list(zip(*(table[c].to_pylist() for c in columns), strict=True))
    assert got == [
        ("12", "7", "b", 1),
        ("12", "7", "d", 2),
        ("12", "7", "e", 3),
        ("31", "7", "a", 1),
        ("31", "7", "c", 2),
        ("31", "9", "x", 1),
    ]
    assert table.column_names.index("session_id") == table.column_names.index("rule_id") + 1
    assert (cases, sessions) == (2, 4)


def test_a_group_is_written_by_course_with_its_sessions(tmp_path: Path) -> None:
    stage = tmp_path / "stage" / "bucket=3"
    stage.mkdir(parents=True)
    pq.write_table(group_table(), stage / "part-00000-00000-0.parquet")
    result = write_group(str(tmp_path), 3, 30)
    assert (result.rows, result.cases, result.sessions) == (6, 2, 4)
    assert result.courses == {"12": 3, "31": 3}
    events = pq.read_table(tmp_path / "events", partitioning="hive").to_pandas()
    by_key = dict(zip(events["event_key"], events["session_id"], strict=True))
    assert by_key == {"a": 1, "b": 1, "c": 2, "d": 2, "e": 3, "x": 1}
    assert sorted(p.name for p in (tmp_path / "events").iterdir()) == ["course=12", "course=31"]
    # an empty group (no case hashed to it) writes nothing
    assert write_group(str(tmp_path), 4, 30).rows == 0
