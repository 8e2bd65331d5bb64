"""Date detection: every Moodle Time format, recovered exactly, order decided from the column."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from moodlelogsmart_gui.pipeline.ingest.dates import parse_times
from moodlelogsmart_gui.pipeline.ingest.download_name import year_from_filename
from moodlelogsmart_gui.pipeline.ingest.tables import load_languages
from tests.fixtures.moodle_logs import LANGS, format_time

MONTHS = load_languages().months
FORMATS = [(lang, moodle) for lang in (*LANGS, "en_us") for moodle in ("3", "4")]
moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2068, 12, 31))


def _parse(values: list[str], year: int = 2024):
    return parse_times(pa.array(values, pa.string()), MONTHS, year)


def _expected(when: dt.datetime, moodle: str) -> np.datetime64:
    when = when.replace(microsecond=0) if moodle == "4" else when.replace(second=0, microsecond=0)
    return np.datetime64(when, "ns")


@settings(max_examples=60, deadline=None)
@given(st.lists(moments, min_size=1, max_size=40), st.sampled_from(FORMATS))
def test_every_format_recovered_exactly(moments_: list[dt.datetime], fmt: tuple[str, str]) -> None:
    lang, moodle = fmt
    values = [format_time(m, lang, moodle) for m in moments_]
    parsed = _parse(values)
    month_first = lang == "en_us" and moodle == "3"
    settled = any(m.day > 12 and m.day != m.month for m in moments_)
    if month_first and not settled:
        assert parsed.ambiguous or parsed.date_order == "month_first"
        return
    assert parsed.unreadable == 0
    assert list(parsed.timestamps) == [_expected(m, moodle) for m in moments_]
    if month_first:
        assert parsed.date_order == "month_first" and not parsed.ambiguous


@settings(max_examples=40, deadline=None)
@given(st.lists(moments, min_size=1, max_size=30))
def test_order_is_ambiguous_only_when_nothing_settles_it(moments_: list[dt.datetime]) -> None:
    values = [format_time(m, "en", "4") for m in moments_]
    parsed = _parse(values)
    settles = any(m.day > 12 for m in moments_)
    assert parsed.date_order == "day_first"
    assert parsed.ambiguous == (not settles)
    assert parsed.ambiguous == any("ambiguous" in w for w in parsed.warnings)


def test_one_day_above_twelve_settles_month_first() -> None:
    values = ["01/5/24, 09:03", "02/6/24, 10:00", "03/13/24, 11:00"]
    parsed = _parse(values)
    assert parsed.date_order == "month_first" and not parsed.ambiguous
    assert parsed.timestamps[2] == np.datetime64("2024-03-13T11:00", "ns")


def test_no_year_format_takes_given_year_and_warns() -> None:
    parsed = _parse(["5 Jan, 09:03", "28 Feb, 23:59"], year=2016)
    assert parsed.timestamps[1] == np.datetime64("2016-02-28T23:59", "ns")
    assert parsed.date_format == "%d %b, %H:%M"
    assert any("no year" in w for w in parsed.warnings)


def test_month_names_of_every_language() -> None:
    values = ["5 janv. 24, 09:03", "18 févr. 24, 10:00", "1 août 24, 11:00", "3 déc. 24, 12:00"]
    parsed = _parse(values)
    assert parsed.unreadable == 0
    assert parsed.timestamps[2] == np.datetime64("2024-08-01T11:00", "ns")
    parsed = _parse(["18. März 2023, 14:24:03", "1. Dezember 2023, 00:00:00"])
    assert parsed.timestamps[0] == np.datetime64("2023-03-18T14:24:03", "ns")
    assert parsed.date_format == "%d. %B %Y, %H:%M:%S"


def test_invalid_calendar_dates_are_unreadable() -> None:
    parsed = _parse(["31/02/24, 10:00:00", "30/04/24, 10:00:00", "29/02/23, 10:00:00", "x"])
    assert np.isnat(parsed.timestamps).tolist() == [True, False, True, True]
    assert parsed.unreadable == 3


def test_mixed_variants_in_one_column() -> None:
    parsed = _parse(["15/01/24, 09:03:10", "15/01/2024 09:03", "5/01/24, 09:03"])
    assert parsed.unreadable == 0
    assert parsed.timestamps[1] == np.datetime64("2024-01-15T09:03", "ns")


def test_iso_and_ampm_and_epoch() -> None:
    assert _parse(["2024-01-05 09:03:00", "2024-01-15T19:03:07"]).timestamps[1] == np.datetime64(
        "2024-01-15T19:03:07", "ns"
    )
    ampm = _parse(["1/15/2024, 9:03 PM", "1/16/2024, 12:10 AM"])
    assert ampm.timestamps.tolist() == [
        np.datetime64("2024-01-15T21:03", "ns").tolist(),
        np.datetime64("2024-01-16T00:10", "ns").tolist(),
    ]
    epoch = _parse(["1700000000", "1700000060"])
    assert epoch.timezone == "UTC" and epoch.date_order == "epoch"
    assert epoch.timestamps[0] == np.datetime64("2023-11-14T22:13:20", "ns")


def test_year_from_moodle_file_name() -> None:
    assert year_from_filename("logs_PHY101_20150701-0930.csv") == 2015
    assert year_from_filename("logs_20231231-2359.xlsx") == 2023
    assert year_from_filename("input.csv") is None


def test_month_missing_from_the_sample_is_still_read() -> None:
    values = ["5 janv. 24, 09:03:07"] * 10_000
    values[1] = "1 août 24, 11:00:00"
    values[3] = "31 févr. 24, 11:00:00"
    parsed = _parse(values)
    assert parsed.timestamps[1] == np.datetime64("2024-08-01T11:00", "ns")
    assert np.isnat(parsed.timestamps[3]) and parsed.unreadable == 1
    assert parsed.date_format == "%d %b %y, %H:%M:%S"


def test_mixed_order_column_keeps_the_order_reading_more_rows() -> None:
    values = ["13/01/24, 10:00", "14/01/24, 10:00", "15/01/24, 10:00", "01/13/24, 10:00"]
    parsed = _parse(values)
    assert parsed.date_order == "day_first" and not parsed.ambiguous
    assert parsed.unreadable == 1
    assert any("mixes day-first and month-first" in w for w in parsed.warnings)


def test_years_outside_any_moodle_log_are_unreadable_not_overflowing() -> None:
    parsed = _parse(["5/01/0204 09:03", "5/01/9999 09:03", "15/01/2024 09:03", "5/01/1989 10:00"])
    assert np.isnat(parsed.timestamps).tolist() == [True, True, False, True]
    epoch = _parse(["99999999999", "1700000000", "100000000"])
    assert np.isnat(epoch.timestamps).tolist() == [True, False, True]


def test_padded_cells_are_read() -> None:
    values = ["15/01/24, 09:03:10"] * 5000 + [" 16/01/24, 10:00:00 ", "17/01/24, 11:00:00\t"]
    parsed = _parse(values)
    assert parsed.unreadable == 0
    assert parsed.timestamps[-1] == np.datetime64("2024-01-17T11:00", "ns")
    assert _parse(["  5/01/24, 09:03  ", " 15/01/24, 09:04"]).unreadable == 0


@settings(max_examples=30, deadline=None)
@given(st.lists(moments, min_size=1, max_size=30))
def test_year_less_27_format_recovered_with_given_year(moments_: list[dt.datetime]) -> None:
    values = [format_time(m, "en", "2.7") for m in moments_]
    parsed = _parse(values, year=2024)  # a leap year: 29 Feb always exists
    expected = [
        np.datetime64(m.replace(year=2024, second=0, microsecond=0), "ns") for m in moments_
    ]
    assert list(parsed.timestamps) == expected
    assert parsed.date_format == "%d %b, %H:%M"


def test_year_less_log_spanning_new_year_uses_the_download_time() -> None:
    values = ["3 Jan, 09:00", "31 Dec, 23:00", "15 Dec, 10:00"]
    parsed = parse_times(
        pa.array(values), MONTHS, 2015, "the file name", dt.datetime(2015, 1, 5, 12, 0)
    )
    assert parsed.timestamps.tolist() == [
        np.datetime64(f"{d}", "ns").tolist()
        for d in ("2015-01-03T09:00", "2014-12-31T23:00", "2014-12-15T10:00")
    ]
