"""The analyst members of the result ZIP agree with ``enriched_log.csv`` on the same data:
students.csv, enriched_log.parquet, enriched_log.ocel.json, the directly-follows counts,
process_map.svg, sessions in the CSV and both XES; ``outputs`` chooses the members."""

from __future__ import annotations

import csv
import io
import itertools
import time
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from moodlelogsmart_gui.pipeline import PipelineOptions, process_file
from moodlelogsmart_gui.pipeline.classify import load_rules
from moodlelogsmart_gui.pipeline.run import process_ingested
from moodlelogsmart_gui.process_layout import default_percent, visible_edges
from tests.fixtures.logstore import write_logstore_csv
from tests.fixtures.moodle_logs import make_report_log, write_report_csv
from tests.unit.canonical_frames import FakeIngested, canonical_frame, event

XES = "{http://www.xes-standard.org/}"


def rows_of(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    data = archive.read(name)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module", params=["report", "logstore"])
def result(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], zipfile.ZipFile]:
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "report":
        log = make_report_log(600, seed=11, logged_in_as=0.1)
        src = write_report_csv(tmp / "logs_course.csv", log.rows, log.lang, "4")
    else:
        src = tmp / "logstore.csv"
        write_logstore_csv(src, 600, seed=5)
    dest = tmp / "result.zip"
    summary = process_file(src, dest, PipelineOptions(session_gap_minutes=30))
    return summary, zipfile.ZipFile(dest)


def test_sessions_in_csv_and_both_xes(result: tuple[dict[str, Any], zipfile.ZipFile]) -> None:
    summary, archive = result
    full = rows_of(archive, "enriched_log.csv")
    per_case = {(r["case_id"], r["session_id"]) for r in full}
    assert summary["sessions"] == len(per_case) > summary["cases"]
    for name in ("enriched_log.xes", "enriched_log_bloom_only.xes"):
        root = ET.fromstring(archive.read(name))
        for trace in root.iter(f"{XES}trace"):
            case = trace.find(f"{XES}string[@key='concept:name']").get("value")  # type: ignore[union-attr]
            numbers = [
                int(e.find(f"{XES}int[@key='moodle:session']").get("value"))  # type: ignore[union-attr,arg-type]
                for e in trace.iter(f"{XES}event")
            ]
            assert numbers == sorted(numbers) and numbers[0] >= 1
            if name == "enriched_log.xes":
                csv_numbers = [int(r["session_id"]) for r in full if r["case_id"] == case]
                assert Counter(numbers) == Counter(csv_numbers)


def test_students_csv_sums_equal_the_summary(
    result: tuple[dict[str, Any], zipfile.ZipFile],
) -> None:
    summary, archive = result
    students = rows_of(archive, "students.csv")
    full = pd.DataFrame(rows_of(archive, "enriched_log.csv"))
    assert len(students) == summary["cases"]
    assert sum(int(s["events"]) for s in students) == summary["rows_out"]
    assert sum(int(s["sessions"]) for s in students) == summary["sessions"]
    for level, count in summary["events_per_bloom_level"].items():
        assert sum(int(s[f"bloom_{level.lower()}"]) for s in students) == count
    by_rule = full["rule_id"].value_counts()
    for rule, count in by_rule.items():
        assert sum(int(s[f"activity_{rule}"]) for s in students) == count
    events = full.groupby("case_id").size()
    active = full[full["is_active"] == "true"].groupby("case_id").size()
    for student in students:
        case = student["case_id"]
        assert int(student["events"]) == events[case]
        assert int(student["active_events"]) == active.get(case, 0)
        mine = full[full["case_id"] == case]
        assert student["first_event"] == mine["timestamp"].min()
        assert student["last_event"] == mine["timestamp"].max()
        assert int(student["active_days"]) == mine["timestamp"].str[:10].nunique()
        assert int(student["sessions"]) == mine["session_id"].astype(int).max()


def test_parquet_has_the_csv_rows_with_real_types(
    result: tuple[dict[str, Any], zipfile.ZipFile],
) -> None:
    summary, archive = result
    full = pd.DataFrame(rows_of(archive, "enriched_log.csv"))
    data = archive.read("enriched_log.parquet")
    frame = pd.read_parquet(io.BytesIO(data))
    assert list(frame.columns) == list(full.columns)
    assert len(frame) == len(full) == summary["rows_out"]
    utc = summary["detected"]["timezone"] == "UTC"
    assert str(frame["timestamp"].dtype) == ("datetime64[us, UTC]" if utc else "datetime64[us]")
    written = frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S") + ("+00:00" if utc else "")
    assert written.tolist() == full["timestamp"].tolist()
    assert isinstance(frame["activity_type"].dtype, pd.CategoricalDtype)
    assert frame["activity_type"].astype(str).tolist() == full["activity_type"].tolist()
    assert frame["session_id"].dtype == "int64"
    assert frame["session_id"].astype(str).tolist() == full["session_id"].tolist()
    assert frame["is_active"].dtype == bool
    if not utc:  # a logstore's ids are whole numbers: integers in Parquet
        return
    for column in ("userid", "courseid", "contextinstanceid"):
        assert frame[column].dtype == "int64", column
        assert frame[column].astype(str).tolist() == full[column].tolist()


def test_parquet_reads_in_polars_and_duckdb(
    result: tuple[dict[str, Any], zipfile.ZipFile], tmp_path: Path
) -> None:
    summary, archive = result
    path = tmp_path / "e.parquet"
    path.write_bytes(archive.read("enriched_log.parquet"))
    read_any = False
    try:
        import polars as pl
    except ImportError:
        pass
    else:
        assert pl.read_parquet(path).height == summary["rows_out"]
        read_any = True
    try:
        import duckdb
    except ImportError:
        pass
    else:
        with duckdb.connect() as connection:
            rows = connection.execute(f"select count(*), count(distinct case_id) from '{path}'")
            assert rows.fetchall() == [(summary["rows_out"], summary["cases"])]
        read_any = True
    if not read_any:
        pytest.skip("neither polars nor duckdb is installed")


def test_ocel_read_by_pm4py_agrees_with_the_csv(
    result: tuple[dict[str, Any], zipfile.ZipFile], tmp_path: Path
) -> None:
    pm4py = pytest.importorskip("pm4py")
    summary, archive = result
    path = tmp_path / "log.jsonocel"
    path.write_bytes(archive.read("enriched_log.ocel.json"))
    ocel = pm4py.read_ocel2_json(str(path))
    full = pd.DataFrame(rows_of(archive, "enriched_log.csv"))
    events = ocel.events.sort_values("ocel:eid", key=lambda s: s.str[1:].astype(int))
    assert len(events) == summary["rows_out"]
    assert events["ocel:activity"].tolist() == full["activity_type"].tolist()
    types = set(ocel.objects["ocel:type"])
    assert {"student"} <= types
    students = ocel.objects[ocel.objects["ocel:type"] == "student"]
    assert len(students) == summary["cases"]
    actors = ocel.relations[ocel.relations["ocel:qualifier"] == "actor"]
    assert len(actors) == summary["rows_out"]
    per_student = actors.groupby("ocel:oid").size()
    expected = full.groupby("case_id").size()
    assert {k.removeprefix("student:"): v for k, v in per_student.items()} == expected.to_dict()
    if summary["detected"]["layout"] == "logstore":
        assert {"course", "course_module"} <= types
    assert set(events.columns) >= {"bloom_level", "event_name", "component"}


def directly_follows_by_hand(
    full: pd.DataFrame,
) -> tuple[Counter[tuple[str, str]], Counter[str], Counter[str]]:
    pairs: Counter[tuple[str, str]] = Counter()
    starts: Counter[str] = Counter()
    ends: Counter[str] = Counter()
    for _, group in full.groupby("case_id", sort=False):
        acts = group["activity_type"].tolist()  # CSV order: time, ties in input order
        pairs.update(itertools.pairwise(acts))
        starts[acts[0]] += 1
        ends[acts[-1]] += 1
    return pairs, starts, ends


def test_map_counts_and_svg_agree_with_the_csv(
    result: tuple[dict[str, Any], zipfile.ZipFile],
) -> None:
    summary, archive = result
    full = pd.DataFrame(rows_of(archive, "enriched_log.csv"))
    pairs, starts, ends = directly_follows_by_hand(full)
    assert {(e["from"], e["to"]): e["count"] for e in summary["directly_follows"]} == pairs
    assert summary["start_activities"] == dict(starts)
    assert summary["end_activities"] == dict(ends)
    assert sum(summary["start_activities"].values()) == summary["cases"]
    svg = ET.fromstring(archive.read("process_map.svg"))
    titles = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    for activity, count in summary["events_per_activity_type"].items():
        assert f"{activity}: {count} events" in titles
    percent = default_percent(summary["events_per_activity_type"], summary["directly_follows"])
    shown = visible_edges(summary["directly_follows"], percent)
    assert 0 < len(shown) <= len(pairs)
    assert sorted(t for t in titles if " → " in t) == sorted(f"{a} → {b}: {n}" for a, b, n in shown)


def test_outputs_choose_the_members(tmp_path: Path) -> None:
    log = make_report_log(120, seed=2)
    src = write_report_csv(tmp_path / "l.csv", log.rows, log.lang, "4")
    for chosen in (
        {"students.csv"},
        {"enriched_log_bloom_only.csv", "enriched_log.xes", "process_map.svg"},
        {"enriched_log.parquet", "enriched_log.ocel.json"},
    ):
        dest = tmp_path / "r.zip"
        process_file(src, dest, PipelineOptions(outputs=frozenset(chosen)))
        with zipfile.ZipFile(dest) as archive:
            assert set(archive.namelist()) == chosen | {"summary.json"}
            assert archive.testzip() is None


def test_per_student_figures_of_a_hand_made_log(tmp_path: Path) -> None:
    frame = canonical_frame(
        [
            event("course_view", "2024-03-04 10:00:00", "5", "Ana Silva"),
            event("resource_view", "2024-03-04 10:30:00", "5", "Ana Silva"),  # exactly 30 min
            event("forum_post", "2024-03-04 11:00:01", "5", "Ana Silva"),  # new session
            event("quiz_start", "2024-03-05 09:00:00", "5", "Ana Silva"),
            event("quiz_start", "2024-03-05 09:00:00", "5", "Ana Silva"),  # tie
            event("resource_view", "2024-03-04 10:05:00", "6", "Rui Costa"),  # one event
        ]
    )
    dest = tmp_path / "r.zip"
    summary = process_ingested(
        FakeIngested(frame),
        dest,
        PipelineOptions(),
        load_rules(),
        lambda p, s: None,
        {"name": "x.csv", "bytes": 1},
        time.perf_counter(),
    )
    archive = zipfile.ZipFile(dest)
    students = {s["case_id"]: s for s in rows_of(archive, "students.csv")}
    ana, rui = students["5"], students["6"]
    assert ana["case_label"] == "Ana Silva"
    assert (ana["events"], ana["active_days"], ana["sessions"]) == ("5", "2", "3")
    assert (ana["first_event"], ana["last_event"]) == ("2024-03-04T10:00:00", "2024-03-05T09:00:00")
    assert ana["median_session_minutes"] == "0.00"  # sessions of 30, 0 and 0 minutes
    full = rows_of(archive, "enriched_log.csv")
    mine = [r for r in full if r["case_id"] == "5"]  # levels and rules as the CSV classified
    for level, count in Counter(r["bloom_level"] for r in mine if r["bloom_level"]).items():
        assert ana[f"bloom_{level.lower()}"] == str(count)
    for rule, count in Counter(r["rule_id"] for r in mine).items():
        assert ana[f"activity_{rule}"] == str(count)
    assert ana["active_events"] == str(sum(r["is_active"] == "true" for r in mine))
    assert (rui["events"], rui["sessions"], rui["median_session_minutes"]) == ("1", "1", "0.00")
    assert summary["sessions"] == 4
    assert [(r["case_id"], r["session_id"]) for r in full] == [
        ("5", "1"),
        ("6", "1"),
        ("5", "1"),
        ("5", "2"),
        ("5", "3"),
        ("5", "3"),
    ]
