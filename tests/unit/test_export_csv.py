"""CSV export: BOM, original headers, time order, formula neutralisation, exact round trip."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from moodlelogsmart_gui.pipeline.cases import assign_cases
from moodlelogsmart_gui.pipeline.classify import classify, load_rules
from moodlelogsmart_gui.pipeline.export_csv import (
    BOM,
    csv_chunk_pairs,
    csv_chunks,
    csv_columns,
    csv_field,
    encode_text,
    neutralise_formulas,
    prepare_csv,
)
from tests.unit.canonical_frames import REPORT_HEADERS, canonical_frame, event

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
TRIGGERS = ("=", "+", "@", "\t", "\r")


def render(frame: pd.DataFrame, rows: np.ndarray | None = None, offset: str = "") -> str:
    columns = csv_columns(frame, REPORT_HEADERS, offset)
    order = np.arange(len(frame)) if rows is None else rows
    data = b"".join(bytes(chunk) for chunk in csv_chunks(columns, order, chunk_rows=3))
    assert data.startswith(BOM)
    return data.decode("utf-8-sig")


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def enriched(rows: list[dict]) -> pd.DataFrame:
    return assign_cases(classify(canonical_frame(rows), load_rules()))


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
    chunks = csv_chunks(
        [("col", column), ("end", encode_text(pd.Series(["x"] * len(values)), csv_field))],
        np.arange(len(values)),
    )
    text = b"".join(bytes(c) for c in chunks).decode("utf-8-sig")
    rows = parse(text)
    expected = neutralise_formulas(pa.array(values, type=pa.string())).to_pylist()
    assert rows[0] == ["col", "end"]
    assert [r[0] for r in rows[1:]] == expected


def test_output_has_original_headers_then_enrichment_in_time_order() -> None:
    frame = enriched(
        [
            event("forum_post", "2024-01-05 10:00:00", context="Forum: A, B"),
            event("course_view", "2024-01-05 09:00:00", user_id="6", user_name="Bruno"),
            event("resource_view", "2024-01-05 09:00:00"),
        ]
    )
    stamps = frame["timestamp"].to_numpy().view(np.int64)
    rows = parse(render(frame, np.argsort(stamps, kind="stable")))
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


def test_utc_times_carry_an_offset_and_missing_values_are_empty() -> None:
    frame = enriched([event("login", "2024-03-01 23:59:59", context=None)])
    rows = parse(render(frame, offset="+00:00"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["timestamp"] == "2024-03-01T23:59:59+00:00"
    assert row["Event context"] == ""
    assert row["bloom_level"] == ""
    assert row["rule_id"] == "other"


def test_hostile_cells_are_neutralised_in_the_file() -> None:
    frame = enriched(
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
    row = dict(zip(*parse(render(frame)), strict=True))
    assert row["User full name"] == "'=cmd|' /C calc'!A0"
    assert row["case_label"] == "'=cmd|' /C calc'!A0"
    assert row["Event context"] == "'-1+2"
    assert row["IP address"] == "'@evil"


def test_many_rows_use_plain_columns_and_stay_identical() -> None:
    rows = [
        event("course_view", "2024-01-05 09:00:00", description=f'd{i},"q"') for i in range(60_000)
    ]
    frame = enriched(rows[:10])
    big = pd.concat([frame] * 6_000, ignore_index=True)
    big["description"] = pd.array([f'd{i},"q"' for i in range(len(big))], dtype="string")
    columns = csv_columns(big, [("Description", "description")], "")
    text = b"".join(bytes(c) for c in csv_chunks(columns, np.arange(len(big)))).decode("utf-8-sig")
    parsed = parse(text)
    assert len(parsed) == len(big) + 1
    assert parsed[12345][0] == 'd12344,"q"'


def test_one_pass_pairs_equal_two_separate_files() -> None:
    frame = enriched(
        [
            event(kind, f"2024-01-05 09:{i:02d}:00")
            for i, kind in enumerate(["login", "forum_post"] * 7)
        ]
    )
    table = prepare_csv(frame, REPORT_HEADERS, "")
    rows = np.arange(len(frame))[::-1]
    subset = (frame["rule_id"] != "other").to_numpy()[rows]
    pairs = list(csv_chunk_pairs(table, rows, subset, chunk_rows=4))
    full = b"".join(bytes(a) for a, _ in pairs)
    part = b"".join(bytes(b) for _, b in pairs)
    assert full == b"".join(bytes(c) for c in csv_chunks(table, rows, chunk_rows=5))
    assert part == b"".join(bytes(c) for c in csv_chunks(table, rows[subset]))


@given(st.lists(TEXT, min_size=1, max_size=12), st.integers(0, 11), st.booleans())
@settings(max_examples=100, deadline=None)
def test_fields_of_a_slice_equal_the_slice_of_fields(
    values: list[str], start: int, always: bool
) -> None:
    array = pa.array(values, type=pa.string())
    start = min(start, len(values))
    whole = csv_field(array, always).to_pylist()
    assert csv_field(array.slice(start), always).to_pylist() == whole[start:]
