"""A file the first pass keeps whole has its times read once: each kept batch carries the
times looked up from the first pass's reading of the distinct values, and they must be the
times the main pass would read from the batch itself, whatever the format (every language
and Moodle version, month-first, mixed orders, padded, empty, impossible and unreadable
values, year-less times, epoch seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moodlelogsmart_gui.pipeline.ingest import stream
from moodlelogsmart_gui.pipeline.ingest.first_pass import first_pass
from tests.fixtures.logstore import write_logstore_csv
from tests.fixtures.moodle_logs import LANGS, make_report_log, write_report_csv

FORMATS = [(lang, moodle) for lang in (*LANGS, "en_us") for moodle in ("2.7", "3", "4")]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "BATCH_BYTES", 16 << 10)
    monkeypatch.setattr(stream, "BATCH_ROWS", 128)


def assert_held_times_are_read_times(src: Path, time_column: str) -> None:
    decisions = first_pass(src, hold_up_to=1 << 30)
    assert decisions.held is not None and decisions.held_times is not None
    column = f"c{decisions.layout.columns[time_column]}"
    times = decisions.times
    pairs = list(decisions.timed_batches())
    assert len(pairs) >= 3
    for table, stamps in pairs:
        assert stamps is not None
        read = times.read(table.column(column)).timestamps
        assert stamps.dtype == read.dtype
        assert stamps.view(np.int64).tolist() == read.view(np.int64).tolist()


@pytest.mark.parametrize(("lang", "moodle"), FORMATS)
def test_held_batches_carry_the_times_the_main_pass_reads(
    tmp_path: Path, lang: str, moodle: str
) -> None:
    log = make_report_log(1200, lang, moodle, seed=7)
    rows = log.rows
    rows[5][0] = "not a time"
    rows[17][0] = f"  {rows[17][0]} "
    rows[40][0] = ""
    rows[300][0] = rows[299][0]  # a value repeated across rows
    src = tmp_path / "logs_course_20240628-1800.csv"
    write_report_csv(src, rows, "en" if lang == "en_us" else lang, moodle)
    assert_held_times_are_read_times(src, "time")


@pytest.mark.parametrize(
    "values",
    [
        ["28/06/24, 17:45:10", "06/28/24, 17:45:11", "31/02/24, 10:00:00", "13/01/24, 09:00"],
        ["06/28/24, 17:45:10", "07/01/24, 08:00:00", "02/30/24, 10:00:00", "1/2/2024, 9:00"],
        ["2024-06-28 17:45:10", "2024-02-31 10:00:00", "28/06/24, 17:45:10", "x"],
        ["01/02/24, 10:00:00", "03/04/24, 11:00:00", "05/06/24, 12:00:00", "07/08/24, 1:00"],
    ],
)
def test_numeric_orders_and_impossible_dates_read_alike(tmp_path: Path, values: list[str]) -> None:
    rows = make_report_log(1200, "en", "4", seed=3).rows
    for i, row in enumerate(rows):
        if i % 3 == 0:
            row[0] = values[(i // 3) % len(values)]
    src = tmp_path / "logs_course_20240628-1800.csv"
    write_report_csv(src, rows, "en", "4")
    assert_held_times_are_read_times(src, "time")


def test_epoch_seconds_of_a_logstore_export(tmp_path: Path) -> None:
    src = tmp_path / "mdl_logstore_standard_log.csv"
    write_logstore_csv(src, 1500, seed=4, null="\\N")
    assert_held_times_are_read_times(src, "timecreated")
