"""Ingest of raw mdl_logstore_standard_log exports (with or without header, NULL spellings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest import ingest
from tests.fixtures.checks import mismatches
from tests.fixtures.logstore import COLUMNS
from tests.fixtures.moodle_logs import make_logstore_log, write_logstore_csv


@pytest.mark.parametrize("quote_all", [False, True])
@pytest.mark.parametrize("null", ["NULL", "\\N"])
@pytest.mark.parametrize("header", [True, False])
def test_logstore_variants(tmp_path: Path, header: bool, null: str, quote_all: bool) -> None:
    path = tmp_path / "mdl_logstore_standard_log.csv"
    log = write_logstore_csv(path, 300, header=header, null=null, quote_all=quote_all, seed=3)
    result = ingest(path)
    assert mismatches(result.frame, log.expected) == {}
    d = result.detection
    assert d["layout"] == "logstore" and d["header_row"] is header
    assert d["date_order"] == "epoch" and d["timezone"] == "UTC"
    assert result.rows_in == 300
    frame = result.frame
    assert frame["real_user"].isna().all() and frame["affected_user"].isna().all()
    assert frame["description"].isna().all()
    assert set(frame["origin"].unique()) <= {"web", "cli", "ws"}
    names = [h for h, _ in result.original_columns]
    assert names == list(COLUMNS)


def test_old_schema_without_anonymous_column(tmp_path: Path) -> None:
    for header in (True, False):
        path = tmp_path / f"old{header}.csv"
        log = write_logstore_csv(path, 120, header=header, anonymous_column=False, seed=1)
        result = ingest(path)
        assert mismatches(result.frame, log.expected) == {}
        assert len(result.original_columns) == 20


def test_other_with_line_breaks_survives(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    log = write_logstore_csv(path, 200, seed=4)
    result = ingest(path)
    other = dict(result.original_columns)["other"]
    values = [v for v in result.frame[other].dropna().tolist() if "\n" in v]
    assert values, "fixture must contain multi-line 'other' values"
    expected_other = [r[COLUMNS.index("other")] for r in log.rows]
    got = result.frame[other].astype(object).where(result.frame[other].notna(), None).tolist()
    assert got == expected_other


def test_large_logstore_with_late_multiline_cells(tmp_path: Path) -> None:
    """Multi-line cells far beyond the sniffed sample force the quote-aware reader."""
    log = make_logstore_log(60_000, seed=5)
    for row in log.rows[:2000]:
        row[COLUMNS.index("other")] = "N;"
    path = tmp_path / "big.csv"
    write_logstore_csv(path, log)
    result = ingest(path)
    assert result.rows_in == 60_000 and result.dropped["malformed_row"] == 0
    assert mismatches(result.frame, log.expected) == {}


def test_logstore_missing_eventname_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("id,userid,courseid,timecreated\n1,5,12,1700000000\n2,6,12,1700000100\n")
    with pytest.raises(BadInputError) as err:
        ingest(path)
    assert str(err.value) == "No 'eventname' column: found id, userid, courseid, timecreated."


def test_edulevel_and_crud_come_from_the_table(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    log = write_logstore_csv(path, 100, seed=6)
    frame = ingest(path).frame
    assert frame["edulevel"].tolist() == [int(r[COLUMNS.index("edulevel")]) for r in log.rows]
    assert frame["crud"].tolist() == [r[COLUMNS.index("crud")] for r in log.rows]
    assert frame["course"].eq("12").all()


def test_user_zero_means_no_user(tmp_path: Path) -> None:
    log = make_logstore_log(40, seed=2)
    for row in log.rows[:5]:
        row[COLUMNS.index("userid")] = "0"
    path = tmp_path / "l.csv"
    write_logstore_csv(path, log)
    frame = ingest(path).frame
    assert frame["user_id"].isna().sum() == 5
