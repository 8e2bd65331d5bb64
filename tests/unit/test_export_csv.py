"""CSV export: BOM, original headers, time order, formula neutralisation, exact round trip."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from moodlelogsmart_gui.pipeline import PipelineOptions
from moodlelogsmart_gui.pipeline.classify import load_rules
from moodlelogsmart_gui.pipeline.export_csv import (
    BOM,
    CsvTable,
    csv_field,
    encode_text,
    neutralise_formulas,
)
from moodlelogsmart_gui.pipeline.run import process_ingested
from tests.unit.canonical_frames import (
    REPORT_HEADERS,
    FakeIngested,
    canonical_frame,
    event,
    mixed_result_zip,
)

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
TRIGGERS = ("=", "+", "@", "\t", "\r")


def render(frame: pd.DataFrame, tmp: Path, utc: bool = False) -> str:
    """``enriched_log.csv`` of a canonical frame, written by the streaming pipeline."""
    ingested = FakeIngested(frame)
    if utc:
        ingested.detection = {**ingested.detection, "timezone": "UTC"}
    dest = tmp / "result.zip"
    options = PipelineOptions(pseudonymize=False, outputs=frozenset({"enriched_log.csv"}))
    process_ingested(
        ingested, dest, options, load_rules(), lambda p, s: None, {}, time.perf_counter()
    )
    data = zipfile.ZipFile(dest).read("enriched_log.csv")
    assert data.startswith(BOM)
    return data.decode("utf-8-sig")


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@given(st.lists(TEXT, min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_no_cell_starts_with_a_formula_trigger(values: list[str]) -> None:
    out = neutralise_formulas(pa.array(values, type=pa.string())).to_pylist()
    for before, after in zip(values, out, strict=True):
        assert not after.startswith(TRIGGERS)
        assert not (after.startswith("-") and len(after) > 1)
        assert after in (before, "'" + before)


def test_known_formula_cells_are_neutralised_and_others_left() -> None:
    cells = ["=1+1", "+33 1", "@SUM(A1)", "\tx", "\rx", "-2+3", "-", "", "a=b", "'quoted", "5"]
    out = neutralise_formulas(pa.array(cells)).to_pylist()
    assert out == [
        "'=1+1",
        "'+33 1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "'-2+3",
        "-",
        "",
        "a=b",
        "'quoted",
        "5",
    ]


@given(st.lists(TEXT, min_size=1, max_size=12))
@settings(max_examples=150, deadline=None)
def test_any_text_round_trips_through_the_csv(values: list[str]) -> None:
    column = encode_text(pd.Series(values, dtype="string"), csv_field)
    end = encode_text(pd.Series(["x"] * len(values)), csv_field)
    lines = CsvTable.build([("col", column), ("end", end)]).lines(np.arange(len(values)), "\n")
    rows = parse("".join(lines.to_pylist()))
    expected = neutralise_formulas(pa.array(values, type=pa.string())).to_pylist()
    assert [r[0] for r in rows] == expected
    assert all(r[1] == "x" for r in rows)


def test_output_has_original_headers_then_enrichment_in_time_order(tmp_path: Path) -> None:
    frame = canonical_frame(
        [
            event("forum_post", "2024-01-05 10:00:00", context="Forum: A, B"),
            event("course_view", "2024-01-05 09:00:00", user_id="6", user_name="Bruno"),
            event("resource_view", "2024-01-05 09:00:00"),
        ]
    )
    rows = parse(render(frame, tmp_path))
    header = rows[0]
    assert header[:9] == [h for h, _ in REPORT_HEADERS]
    assert header[9:] == [
        "case_id",
        "case_label",
        "timestamp",
        "event_key",
        "activity_type",
        "activity_category",
        "bloom_level",
        "is_active",
        "rule_id",
        "session_id",
    ]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    # ties (09:00) keep input order: Bruno's course view came before Ana's resource view
    assert [r["rule_id"] for r in body] == ["course_viewing", "resource_viewing", "forum_posting"]
    assert [r["timestamp"] for r in body] == [
        "2024-01-05T09:00:00",
        "2024-01-05T09:00:00",
        "2024-01-05T10:00:00",
    ]
    assert body[2]["Event context"] == "Forum: A, B"
    assert body[2]["is_active"] == "true" and body[0]["is_active"] == "false"
    assert body[1]["case_label"] == "Ana Silva"


def test_utc_times_carry_an_offset_and_missing_values_are_empty(tmp_path: Path) -> None:
    frame = canonical_frame([event("login", "2024-03-01 23:59:59", context=None)])
    rows = parse(render(frame, tmp_path, utc=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["timestamp"] == "2024-03-01T23:59:59+00:00"
    assert row["Event context"] == ""
    assert row["bloom_level"] == ""
    assert row["rule_id"] == "other"


def test_hostile_cells_are_neutralised_in_the_file(tmp_path: Path) -> None:
    frame = canonical_frame(
        [
            event(
                "course_view",
                "2024-01-05",
                user_name="=cmd|' /C calc'!A0",
                context="-1+2",
                ip="@evil",
            )
        ]
    )
    row = dict(zip(*parse(render(frame, tmp_path)), strict=True))
    assert row["User full name"] == "'=cmd|' /C calc'!A0"
    assert row["case_label"] == "'=cmd|' /C calc'!A0"
    assert row["Event context"] == "'-1+2"
    assert row["IP address"] == "'@evil"


def test_many_rows_use_plain_columns_and_stay_identical(tmp_path: Path) -> None:
    size = 60_000
    frame = canonical_frame([event("course_view", "2024-01-05 09:00:00")] * size)
    frame["description"] = pd.array([f'd{i},"q"' for i in range(size)], dtype="string")
    parsed = parse(render(frame, tmp_path))
    assert len(parsed) == size + 1
    column = parsed[0].index("Description")
    assert parsed[12345][column] == 'd12344,"q"'
    assert [r[column] for r in parsed[1:]] == [f'd{i},"q"' for i in range(size)]


def test_bloom_only_csv_is_the_full_csv_without_the_unclassified_events(tmp_path: Path) -> None:
    archive = mixed_result_zip(tmp_path)
    full = archive.read("enriched_log.csv").decode("utf-8-sig").splitlines(keepends=True)
    part = archive.read("enriched_log_bloom_only.csv").decode("utf-8-sig").splitlines(True)
    header = parse(full[0])[0]
    kept = [line for line in full[1:] if parse(line)[0][header.index("rule_id")] != "other"]
    assert part == [full[0], *kept]
    assert 0 < len(kept) < len(full) - 1


@given(st.lists(TEXT, min_size=1, max_size=12), st.integers(0, 11), st.booleans())
@settings(max_examples=100, deadline=None)
def test_fields_of_a_slice_equal_the_slice_of_fields(
    values: list[str], start: int, always: bool
) -> None:
    array = pa.array(values, type=pa.string())
    start = min(start, len(values))
    whole = csv_field(array, always).to_pylist()
    assert csv_field(array.slice(start), always).to_pylist() == whole[start:]
