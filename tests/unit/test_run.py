"""process_file end to end: the ZIP, the summary, every language alike, pseudonymisation."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moodlelogsmart_gui.pipeline import BadInputError, PipelineOptions, package, process_file
from moodlelogsmart_gui.pipeline.classify import load_rules
from moodlelogsmart_gui.pipeline.run import MEMBERS, process_ingested
from tests.fixtures.logstore import write_logstore_csv
from tests.fixtures.members import member_text
from tests.fixtures.moodle_logs import (
    ADMIN,
    LANGS,
    STUDENTS,
    TEACHER,
    make_report_log,
    write_ods,
    write_report_csv,
    write_xlsx,
)
from tests.unit.canonical_frames import FakeIngested, canonical_frame, event

SUMMARY_KEYS = {
    "schema",
    "input",
    "detected",
    "rows_in",
    "rows_out",
    "dropped",
    "logged_in_as_events",
    "events_per_activity_type",
    "events_per_activity_category",
    "events_per_bloom_level",
    "bloom_only_events",
    "cases",
    "pseudonymized",
    "rules",
    "warnings",
    "warning_codes",
    "seconds",
    "sessions",
    "directly_follows",
    "start_activities",
    "end_activities",
    "spill_peak_bytes",
}


def run(src: Path, tmp_path: Path, **options: Any) -> tuple[dict[str, Any], zipfile.ZipFile]:
    dest = tmp_path / "result.zip"
    seen: list[tuple[int, str]] = []
    summary = process_file(src, dest, PipelineOptions(**options), lambda p, s: seen.append((p, s)))
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    assert seen[-1] == (100, "package")
    assert not dest.with_name("result.zip.part").exists()
    archive = zipfile.ZipFile(dest)
    assert archive.testzip() is None
    assert archive.namelist() == list(MEMBERS)
    assert json.loads(archive.read("summary.json")) == json.loads(json.dumps(summary))
    return summary, archive


def read_csv_member(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def report_file(tmp_path: Path, lang: str, n: int = 400, moodle: str = "4", **kw: Any) -> Path:
    log = make_report_log(n, lang, moodle, seed=3, **kw)
    return write_report_csv(
        tmp_path / f"logs_demo_{lang}_20240328-1800.csv", log.rows, log.lang, moodle
    )


@pytest.fixture(scope="module")
def english_summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("english")
    return run(report_file(tmp, "en"), tmp)[0]


def test_report_log_gives_every_member_and_the_summary(tmp_path: Path) -> None:
    summary, archive = run(report_file(tmp_path, "en"), tmp_path)
    assert set(summary) == SUMMARY_KEYS
    assert summary["rows_in"] == 400
    assert summary["rows_out"] + sum(summary["dropped"].values()) == summary["rows_in"]
    assert summary["dropped"]["staff_activity"] > 0
    assert summary["dropped"]["non_web_origin"] > 0
    assert summary["logged_in_as_events"] > 0
    assert summary["cases"] == len(STUDENTS)
    assert summary["rules"] == {"source": "default", "count": 13}
    assert sum(summary["events_per_activity_type"].values()) == summary["rows_out"]
    assert sum(summary["events_per_activity_category"].values()) == summary["rows_out"]
    assert sum(summary["events_per_bloom_level"].values()) == summary["bloom_only_events"]
    assert 0 < summary["bloom_only_events"] < summary["rows_out"]
    assert summary["detected"]["timezone"] == "local"
    assert any("local time" in w for w in summary["warnings"])
    codes = [coded["code"] for coded in summary["warning_codes"]]
    assert len(codes) == len(summary["warnings"]) and "local_time" in codes
    full = read_csv_member(archive, "enriched_log.csv")
    bloom = read_csv_member(archive, "enriched_log_bloom_only.csv")
    assert len(full) == summary["rows_out"] + 1
    assert len(bloom) == summary["bloom_only_events"] + 1
    assert {len(row) for row in full} == {19}
    assert full[0][-2:] == ["rule_id", "session_id"]
    assert "other" not in {row[-2] for row in bloom}
    assert [row for row in full if row[-2] != "other"] == bloom
    xes = archive.read("enriched_log_bloom_only.xes").decode()
    assert 'value="Other activity"' not in xes
    assert xes.count("<event>") == summary["bloom_only_events"]
    assert archive.read("enriched_log.xes").decode().count("<trace>") == summary["cases"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_every_language_classifies_identically(
    tmp_path: Path, lang: str, english_summary: dict[str, Any]
) -> None:
    english = english_summary
    summary, _ = run(report_file(tmp_path, lang), tmp_path)
    assert summary["detected"]["language"] == lang
    for key in (
        "events_per_bloom_level",
        "events_per_activity_type",
        "events_per_activity_category",
        "bloom_only_events",
        "rows_out",
        "dropped",
        "cases",
    ):
        assert summary[key] == english[key], key


def test_old_moodle_version_classifies_like_the_new_one(tmp_path: Path) -> None:
    new, _ = run(report_file(tmp_path, "pt_br", moodle="4"), tmp_path)
    old, _ = run(report_file(tmp_path, "pt_br", moodle="3"), tmp_path)
    assert old["events_per_bloom_level"] == new["events_per_bloom_level"]


@pytest.mark.filterwarnings("ignore")
def test_logstore_export_is_utc_and_reads_back_in_pm4py(tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    src = tmp_path / "mdl_logstore_standard_log.csv"
    write_logstore_csv(src, 300, seed=2)
    summary, archive = run(src, tmp_path)
    assert summary["detected"]["timezone"] == "UTC"
    assert summary["dropped"]["non_web_origin"] > 0
    xes = tmp_path / "log.xes"
    xes.write_bytes(archive.read("enriched_log.xes"))
    assert b'+00:00"/>' in xes.read_bytes()
    log = pm4py.read_xes(str(xes), return_legacy_log_object=False)
    assert len(log) == summary["rows_out"]
    assert log["case:concept:name"].nunique() == summary["cases"]
    assert str(log["time:timestamp"].dt.tz) == "UTC"
    assert (
        log.groupby("case:concept:name")["time:timestamp"]
        .apply(lambda s: s.is_monotonic_increasing)
        .all()
    )


def test_pseudonymised_zip_holds_no_name_and_no_ip(tmp_path: Path) -> None:
    src = report_file(tmp_path, "en", n=300, logged_in_as=0.1)
    text = src.read_text(encoding="utf-8-sig")
    ips = set(re.findall(r"\b10\.\d+\.\d+\.\d+\b", text))
    names = {name for _, name in STUDENTS} | {TEACHER[1], ADMIN[1]}
    assert ips and all(name in text for name in {n for _, n in STUDENTS})
    summary, archive = run(src, tmp_path, pseudonymize=True, secret=b"s" * 32)
    assert summary["pseudonymized"] is True
    for member in archive.namelist():
        content = member_text(archive, member)
        for secret in names | ips:
            assert secret not in content, (member, secret)
            assert secret.replace("'", "&apos;") not in content
    again, _ = run(src, tmp_path / ".." / tmp_path.name, pseudonymize=True, secret=b"s" * 32)
    assert again["cases"] == summary["cases"]


def test_broken_rules_file_is_refused_before_reading(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rule]]\nid = \n", encoding="utf-8")
    with pytest.raises(BadInputError, match="line 2"):
        process_file(
            tmp_path / "missing.csv", tmp_path / "r.zip", PipelineOptions(rules_file=rules)
        )


def test_nothing_left_after_cleaning_is_bad_input(tmp_path: Path) -> None:
    frame = canonical_frame(
        [event("report", "2024-01-05"), event("course_view", "2024-01-05", origin="cli")]
    )
    dest = tmp_path / "r.zip"
    with pytest.raises(BadInputError) as info:
        process_ingested(
            FakeIngested(frame),
            dest,
            PipelineOptions(),
            load_rules(),
            lambda p, s: None,
            {"name": "x", "bytes": 1},
            time.perf_counter(),
        )
    assert "1 came from scheduled scripts" in str(info.value)
    assert "1 were teachers'" in str(info.value)
    assert not dest.exists() and not dest.with_name("r.zip.part").exists()


def test_not_a_log_is_bad_input(tmp_path: Path) -> None:
    src = tmp_path / "notes.csv"
    src.write_text("Dear colleague, here are my notes.\n", encoding="utf-8")
    with pytest.raises(BadInputError):
        process_file(src, tmp_path / "r.zip", PipelineOptions())
    assert not (tmp_path / "r.zip").exists()


@given(st.lists(st.binary(max_size=3000), max_size=12), st.integers(1, 4096))
@settings(max_examples=40, deadline=None)
def test_zip_writer_members_read_back_exactly(chunks: list[bytes], piece: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "out.zip"
        with mock.patch.object(package, "PIECE_BYTES", piece):
            package.write_zip(dest, [("a.csv", lambda: iter(chunks)), ("b.xes", lambda: [b"x"])])
        archive = zipfile.ZipFile(dest)
        assert archive.testzip() is None
        assert archive.read("a.csv") == b"".join(chunks)
        assert archive.read("b.xes") == b"x"


def test_zip64_records_are_readable(tmp_path: Path) -> None:
    dest = tmp_path / "big.zip"
    writer = package.ZipWriter(dest, force_zip64=True)
    writer.add("enriched_log.csv", [b"a,b\n" * 1000])
    writer.add("summary.json", [b"{}"])
    writer.close()
    archive = zipfile.ZipFile(dest)
    assert archive.testzip() is None
    assert archive.read("enriched_log.csv") == b"a,b\n" * 1000


def test_failure_while_writing_leaves_no_zip(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield b"header\n"
        raise OSError(28, "No space left on device")

    dest = tmp_path / "result.zip"
    with pytest.raises(OSError):
        package.write_zip(dest, [("a.csv", broken)])
    assert list(tmp_path.iterdir()) == []


def test_full_csv_is_in_time_order(tmp_path: Path) -> None:
    _, archive = run(report_file(tmp_path, "de", n=200), tmp_path)
    rows = read_csv_member(archive, "enriched_log.csv")
    stamps = [row[rows[0].index("timestamp")] for row in rows[1:]]
    assert stamps == sorted(stamps)


@pytest.mark.filterwarnings("ignore")
def test_hostile_cells_give_safe_csv_and_valid_xes(tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    log = make_report_log(120, "en", "4", seed=5, logged_in_as=0)
    for i, row in enumerate(log.rows):
        if i % 3 == 0:
            row[1] = '=HYPERLINK("http://evil.example","click")'
        row[3] = f'Quiz: A &amp; B <b>"x"</b>\x07\x1b\ufffe {i}'
    src = write_report_csv(tmp_path / "logs_hostile_20240328-1800.csv", log.rows)
    summary, archive = run(src, tmp_path)
    rows = read_csv_member(archive, "enriched_log.csv")
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r"))
            assert not (cell.startswith("-") and len(cell) > 1)
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)
    for member in ("enriched_log.xes", "enriched_log_bloom_only.xes"):
        data = archive.read(member)
        root = ET.fromstring(data)
        contexts = {e.get("value") for e in root.iter() if e.get("key") == "moodle:context"}
        # Moodle's HTML entity is decoded; the XML escaping round-trips the rest.
        assert all(c.startswith('Quiz: A & B <b>"x"</b> ') for c in contexts)
        (tmp_path / member).write_bytes(data)
    events = pm4py.read_xes(str(tmp_path / "enriched_log.xes"), return_legacy_log_object=False)
    assert len(events) == summary["rows_out"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["site", "xlsx", "ods"])
def test_other_report_formats_classify_like_the_csv(
    tmp_path: Path, variant: str, english_summary: dict[str, Any]
) -> None:
    log = make_report_log(400, "en", "4", seed=3, site=variant == "site")
    name = "logs_demo_20240328-1800"
    if variant == "site":
        src = write_report_csv(tmp_path / f"{name}.csv", log.rows)
    elif variant == "xlsx":
        src = write_xlsx(tmp_path / f"{name}.xlsx", log.rows, log.header)
    else:
        src = write_ods(tmp_path / f"{name}.ods", log.rows, log.header)
    summary, archive = run(src, tmp_path)
    assert summary["events_per_bloom_level"] == english_summary["events_per_bloom_level"]
    assert summary["cases"] == english_summary["cases"]
    header = read_csv_member(archive, "enriched_log.csv")[0]
    assert header[: len(log.header)] == log.header


def test_pseudonymised_logstore_holds_no_ip(tmp_path: Path) -> None:
    src = tmp_path / "logstore.csv"
    write_logstore_csv(src, 200, seed=9)
    ips = set(re.findall(r"\b10\.\d+\.\d+\.\d+\b", src.read_text(encoding="utf-8")))
    assert ips
    _, archive = run(src, tmp_path, pseudonymize=True, secret=b"k" * 32)
    for member in archive.namelist():
        content = member_text(archive, member)
        assert not any(ip in content for ip in ips), member


def test_pseudonymisation_covers_duplicate_original_headers(tmp_path: Path) -> None:
    frame = canonical_frame([event("course_view", "2024-01-05", context="User: Ana Silva")])
    frame["copy_a"] = frame["orig_user"]
    frame["copy_b"] = pd.array(["Note about Ana Silva"], dtype="string")
    ingested = FakeIngested(frame)
    ingested.original_columns += [("Notes", "copy_a"), ("Notes", "copy_b")]
    dest = tmp_path / "r.zip"
    process_ingested(
        ingested,
        dest,
        PipelineOptions(pseudonymize=True, secret=b"k" * 32),
        load_rules(),
        lambda p, s: None,
        {"name": "x.csv", "bytes": 1},
        time.perf_counter(),
    )
    archive = zipfile.ZipFile(dest)
    for member in archive.namelist():
        content = member_text(archive, member)
        assert "Ana Silva" not in content and "10.0.0.7" not in content, member
