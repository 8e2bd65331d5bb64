"""The cluster path with a real local Dask cluster (local:2): the same events as on one
machine, one XES per course that pm4py reads, and failures that leave nothing behind."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from moodlelogsmart_gui.cluster.address import parse_address
from moodlelogsmart_gui.cluster.run import RunCrashed, RunTimeout, run_on_cluster
from moodlelogsmart_gui.pipeline import BadInputError, PipelineOptions, process_file
from tests.fixtures.site_logs import COURSES, write_site_logs

pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
OPTIONS = {"rules_source": {"source": "default", "count": 13}}
COMPARED = ["case_id", "timestamp", "event_key", "activity_type", "activity_category"]
COMPARED += ["bloom_level", "is_active", "rule_id", "session_id"]


def single_machine_csv(whole: Path, tmp_path: Path) -> pd.DataFrame:
    summary = process_file(whole, tmp_path / "one.zip", PipelineOptions())
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        text = archive.read("enriched_log.csv").decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert len(frame) == summary["rows_out"]
    return frame


def cluster_events(output: Path) -> pd.DataFrame:
    table = pq.read_table(output / "events", partitioning="hive")
    frame = table.to_pandas()
    frame["course"] = frame["course"].astype(str)
    return frame


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The compared columns as the CSV writes them."""
    out = frame[COMPARED].astype("string").fillna("")
    stamps = frame["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None)
    out["timestamp"] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"
    out["is_active"] = frame["is_active"].map({True: "true", False: "false"})
    return out


def rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]


def test_200k_events_in_3_files_match_the_single_machine_csv(tmp_path: Path) -> None:
    files, whole = write_site_logs(tmp_path / "in", [90_000, 70_000, 40_000], seed=5)
    out = tmp_path / "out"
    out.mkdir()
    # parts of about 4 MB: each file (7-16 MB, cells with line breaks) is cut in several
    options = {**OPTIONS, "range_bytes": 4 << 20}
    outcome = run_on_cluster(files, parse_address("local:2"), out, options, 900)
    assert [p.name for p in out.iterdir()] == [outcome.output.name]
    assert outcome.output.name.startswith("logstore_part1_enriched_")
    summary = json.loads((outcome.output / "summary.json").read_text(encoding="utf-8"))
    assert summary["workers"] == 2
    parts = [f["parts"] for f in summary["input"]["files"]]
    assert min(parts) >= 2 and summary["partitions"] == sum(parts), parts
    assert summary["rows_in"] == 200_000

    expected = single_machine_csv(whole, tmp_path)
    events = cluster_events(outcome.output)
    assert len(events) == len(expected) == summary["rows_out"]
    assert set(events["course"]) == set(COURSES)
    # the same columns as enriched_log.csv, with real types
    csv_columns = list(expected.columns)
    assert "session_id" in csv_columns
    assert [c for c in events.columns if c in csv_columns] == csv_columns
    assert isinstance(events["timestamp"].dtype, pd.DatetimeTZDtype)
    assert events["is_active"].dtype == bool
    assert events["session_id"].dtype == "int32"
    got = as_text(events)
    want = expected[COMPARED].astype(str)
    assert sorted(rows(got)) == sorted(rows(want))
    # per case, the same events in the same time order (ties keep input order)
    ordered = events.sort_values(
        ["case_id", "timestamp", "input_file", "input_part", "input_row"], kind="stable"
    )
    got_cases = as_text(ordered).groupby("case_id", sort=True)
    want_cases = want.groupby("case_id", sort=True)
    assert [c for c, _ in got_cases] == [c for c, _ in want_cases]
    for (case, mine), (_, theirs) in zip(got_cases, want_cases, strict=True):
        compared = ["timestamp", "event_key", "session_id"]
        assert rows(mine[compared]) == rows(theirs[compared]), case
    single = json.loads(zipfile.ZipFile(tmp_path / "one.zip").read("summary.json").decode("utf-8"))
    for key in ("events_per_activity_type", "events_per_bloom_level", "bloom_only_events"):
        assert summary[key] == single[key], key
    assert summary["cases"] == single["cases"]
    assert summary["sessions"] == single["sessions"]
    assert summary["dropped"] == single["dropped"]


def test_each_course_xes_is_read_by_pm4py_with_its_events(tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    files, _ = write_site_logs(tmp_path / "in", [3000, 2000, 1500], seed=8)
    out = tmp_path / "out"
    out.mkdir()
    outcome = run_on_cluster(files, parse_address("local:2"), out, OPTIONS, 600)
    events = cluster_events(outcome.output)
    summary = json.loads((outcome.output / "summary.json").read_text(encoding="utf-8"))
    for course in COURSES:
        path = outcome.output / summary["courses"][course]["xes"]
        log = pm4py.read_xes(str(path), return_legacy_log_object=False)
        assert len(log) == int((events["course"] == course).sum()), course
        assert set(log["moodle:category"]) <= {"Study_P", "Study_A", "Collab_A", "Eval_A"} | {
            "Prod_A",
            "Others",
        }
        traces = log.groupby("case:concept:name")["time:timestamp"]
        assert traces.apply(lambda s: s.is_monotonic_increasing).all()


def test_a_bad_file_fails_the_run_and_leaves_nothing(tmp_path: Path) -> None:
    files, _ = write_site_logs(tmp_path / "in", [500, 500], seed=2)
    junk = tmp_path / "in" / "photo.csv"
    junk.write_bytes(bytes(range(256)) * 40)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BadInputError):
        run_on_cluster([*files, junk], parse_address("local:2"), out, OPTIONS, 600)
    assert list(out.iterdir()) == []
    with pytest.raises(RunTimeout):
        run_on_cluster(files, parse_address("local:2"), out, OPTIONS, 0.01)
    assert list(out.iterdir()) == []


def test_a_worker_killed_mid_run_completes_or_crashes_never_hangs(tmp_path: Path) -> None:
    files, _ = write_site_logs(tmp_path / "in", [25_000] * 4, seed=3)
    out = tmp_path / "out"
    out.mkdir()
    clients: list[Any] = []
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome = run_on_cluster(
                files, parse_address("local:2"), out, OPTIONS, 600, on_client=clients.append
            )
            result["outcome"] = outcome
        except Exception as err:  # the test looks at it below
            result["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 300
    killed = None
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        if clients:
            busy = {w: tasks for w, tasks in clients[0].processing().items() if tasks}
            if busy:
                pids = clients[0].run(os.getpid, workers=[next(iter(busy))])
                killed = next(iter(pids.values()))
                os.kill(killed, signal.SIGKILL)
        thread.join(0.2)
    assert killed is not None, "no task was seen running"
    thread.join(600)
    assert not thread.is_alive(), "the run hangs after a worker was killed"
    if "outcome" in result:
        summary = json.loads((result["outcome"].output / "summary.json").read_text("utf-8"))
        assert summary["rows_in"] == 100_000
        events = cluster_events(result["outcome"].output)
        assert len(events) == summary["rows_out"]
        assert not events.duplicated(["input_file", "input_part", "input_row"]).any()
    else:
        assert isinstance(result["error"], RunCrashed), result["error"]
        assert list(out.iterdir()) == []
