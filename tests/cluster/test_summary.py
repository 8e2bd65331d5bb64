"""The cluster summary added up from the partitions' figures (no Dask)."""

from __future__ import annotations

from typing import Any

import pytest

from moodlelogsmart_gui.cluster.partition import PartitionResult
from moodlelogsmart_gui.cluster.run import combine
from moodlelogsmart_gui.cluster.sessions import GroupResult
from moodlelogsmart_gui.pipeline.run import LOCAL_TIME_WARNING


def figures(name: str, rows: int, warnings: list[str]) -> dict[str, Any]:
    return {
        "input": {"name": name, "bytes": rows * 100, "parts": 1},
        "detected": {"layout": "report"},
        "rows_in": rows,
        "rows_out": rows - 1,
        "logged_in_as_events": 0,
        "bloom_only_events": 2,
        "dropped": {"malformed_row": 1},
        "events_per_activity_type": {"view": rows - 1},
        "events_per_activity_category": {"content": rows - 1},
        "events_per_bloom_level": {"Remember": rows - 1},
        "warnings": warnings,
    }


@pytest.mark.parametrize("utc", [False, True])
def test_local_times_are_said_once_for_the_run(utc: bool) -> None:
    results = [
        PartitionResult(0, figures("a.csv", 10, ["a note"]), 9, utc),
        PartitionResult(1, figures("b.csv", 20, []), 19, utc),
    ]
    groups = [GroupResult(0, 28, 3, 5, {"C1": 28}, 0.1)]
    summary = combine(results, groups, {"source": "default"})
    assert (summary["rows_in"], summary["rows_out"]) == (30, 28)
    assert (summary["cases"], summary["sessions"]) == (3, 5)
    assert summary["dropped"] == {"malformed_row": 2}
    expected = ["a.csv: a note"] + ([] if utc else [LOCAL_TIME_WARNING])
    assert summary["warnings"] == expected
