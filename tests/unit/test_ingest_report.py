"""Ingest of the log report download: every language, Moodle generation and file variant."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pandas as pd
import pytest

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest import CANONICAL_COLUMNS, ingest
from tests.fixtures.checks import mismatches
from tests.fixtures.moodle_logs import (
    LANGS,
    make_report_log,
    report_csv_text,
    write_json,
    write_ods,
    write_report_csv,
    write_xlsx,
)

N = 240


@pytest.mark.parametrize("moodle", ["3", "4"])
@pytest.mark.parametrize("lang", LANGS)
def test_every_language_and_generation(tmp_path: Path, lang: str, moodle: str) -> None:
    log = make_report_log(N, lang, moodle, seed=hash(lang) % 100)
    path = write_report_csv(tmp_path / "logs_demo_20240330-1200.csv", log.rows, lang, moodle)
    result = ingest(path)
    assert mismatches(result.frame, log.expected) == {}
    d = result.detection
    assert d["language"] == lang
    assert d["layout"] == "report"
    assert d["encoding"] == "utf-8-sig" and d["encoding_confidence"] == "certain"
    assert d["date_order"] == "day_first" and d["date_order_ambiguous"] is False
    assert d["date_confidence"] == 1.0 and d["timezone"] == "local"
    assert result.rows_in == N and result.dropped["unreadable_date"] == 0
    assert [h for h, _ in result.original_columns] == log.header
    assert result.warnings == []


def test_frame_contract(tmp_path: Path) -> None:
    log = make_report_log(50, "en", "4", seed=3)
    result = ingest(write_report_csv(tmp_path / "l.csv", log.rows))
    frame = result.frame
    assert list(frame.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    assert str(frame["timestamp"].dtype) == "datetime64[ns]"
    assert str(frame["edulevel"].dtype) == "Int8"
    for column in CANONICAL_COLUMNS:
        if column not in ("timestamp", "edulevel"):
            assert isinstance(frame[column].dtype, pd.StringDtype), column
            assert frame[column].dtype.na_value is pd.NA
    for _header, column in result.original_columns:
        assert column in frame.columns
    originals = dict(result.original_columns)
    assert frame[originals["Event context"]].tolist() == [r[3] for r in log.rows]
    assert frame["context"].tolist() == [html.unescape(r[3]) for r in log.rows]
    assert (frame["course"].isna()).all()
    assert set(result.detection) >= {
        "encoding", "encoding_confidence", "delimiter", "layout", "file_format", "language",
        "language_confidence", "columns", "date_format", "date_order", "date_order_ambiguous",
        "date_confidence", "timezone", "header_row",
    }  # fmt: skip
    assert result.detection["columns"]["timestamp"] == "Time"


def test_progress_stages_in_order(tmp_path: Path) -> None:
    log = make_report_log(20, "en", "4")
    calls: list[tuple[int, str]] = []
    ingest(write_report_csv(tmp_path / "l.csv", log.rows), lambda p, s: calls.append((p, s)))
    stages = [s for _, s in calls]
    assert stages[0] == "read" and calls[-1] == (50, "normalise")
    assert "detect" in stages
    percents = [p for p, _ in calls]
    assert percents == sorted(percents) and all(0 <= p <= 50 for p in percents)
    bounds = {"read": (0, 25), "detect": (25, 35), "normalise": (35, 50)}
    assert all(bounds[s][0] <= p <= bounds[s][1] for p, s in calls)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "newline", "index_column"),
    [
        ("utf-8", ",", "\n", False),
        ("utf-8", ";", "\r\n", False),
        ("cp1252", ";", "\r\n", False),
        ("cp1252", "\t", "\n", True),
        ("utf-8-sig", "\t", "\r\n", True),
        ("latin-1", ",", "\r\n", False),
        ("utf-16", "\t", "\r\n", False),
    ],
)
def test_resaved_variants(
    tmp_path: Path, encoding: str, delimiter: str, newline: str, index_column: bool
) -> None:
    log = make_report_log(N, "pt_br", "3", seed=5)
    path = write_report_csv(
        tmp_path / "resaved.csv",
        log.rows,
        "pt_br",
        "3",
        encoding=encoding,
        delimiter=delimiter,
        newline=newline,
        index_column=index_column,
    )
    result = ingest(path)
    assert mismatches(result.frame, log.expected) == {}
    d = result.detection
    assert d["delimiter"] == {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]
    assert d["line_ending"] == ("CRLF" if newline == "\r\n" else "LF")
    assert d["encoding"].replace("-sig", "") == encoding.replace("-sig", "").replace(
        "latin-1", "cp1252"
    )
    assert [h for h, _ in result.original_columns] == log.header
    assert all(c.startswith("orig_") for _, c in result.original_columns)


def test_cp1252_ellipsis_is_decoded(tmp_path: Path) -> None:
    log = make_report_log(30, "fr", "3", seed=2)
    log.rows[4][3] = "Page: Résumé… du cours"
    path = write_report_csv(tmp_path / "l.csv", log.rows, "fr", "3", encoding="cp1252")
    assert b"\x85" in path.read_bytes()
    result = ingest(path)
    assert result.detection["encoding"] == "cp1252"
    assert result.frame["context"][4] == "Page: Résumé… du cours"


def test_utf8_file_with_cp1252_bytes_late_falls_back(tmp_path: Path) -> None:
    log = make_report_log(4000, "es", "4", seed=2)
    text = write_report_csv(tmp_path / "a.csv", log.rows, "es", "4", encoding="utf-8").read_bytes()
    ascii_head = text.replace("ó".encode(), b"o").replace("é".encode(), b"e")
    ascii_head = ascii_head.replace("ü".encode(), b"u").replace("ã".encode(), b"a")
    ascii_head = ascii_head.replace("ç".encode(), b"c").replace("ë".encode(), b"e")
    ascii_head = ascii_head.replace("á".encode(), b"a").replace("í".encode(), b"i")
    late = (
        ascii_head
        + '"31/12/24, 23:59:59",Zoë'.encode("cp1252")
        + b",-,Curso: X,Sistema,Curso visto,"
    )
    late += b"The user with id '5' viewed the course with id '12'.,web,1.2.3.4\n"
    path = tmp_path / "late.csv"
    path.write_bytes(late)
    result = ingest(path)
    assert result.detection["encoding"] == "cp1252"
    assert result.frame["user_name"].iloc[-1] == "Zoë"


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_site_wide_report_has_course_column(tmp_path: Path, lang: str) -> None:
    log = make_report_log(N, lang, "4", seed=1, site=True)
    result = ingest(write_report_csv(tmp_path / "logs_20240330-1200.csv", log.rows, lang, "4"))
    assert result.detection["layout"] == "report_site" and result.detection["site_wide"]
    assert (result.frame["course"] == "Demo 101").all()
    assert mismatches(result.frame, log.expected) == {}
    assert result.original_columns[0][0] == log.header[0]


@pytest.mark.parametrize(("lang", "moodle"), [("fr", "3"), ("de", "4"), ("en", "4")])
def test_xlsx_download(tmp_path: Path, lang: str, moodle: str) -> None:
    log = make_report_log(N, lang, moodle, seed=4)
    result = ingest(write_xlsx(tmp_path / "logs.xlsx", log.rows, log.header))
    assert result.detection["file_format"] == "xlsx"
    assert result.detection["layout"] == "spreadsheet_report"
    assert result.detection["language"] == lang
    assert mismatches(result.frame, log.expected) == {}


@pytest.mark.parametrize(("lang", "moodle"), [("es", "4"), ("it", "3")])
def test_ods_download(tmp_path: Path, lang: str, moodle: str) -> None:
    log = make_report_log(120, lang, moodle, seed=4)
    result = ingest(write_ods(tmp_path / "logs.ods", log.rows, log.header))
    assert result.detection["file_format"] == "ods"
    assert mismatches(result.frame, log.expected) == {}


@pytest.mark.parametrize("wrapped", [False, True])
@pytest.mark.parametrize(("lang", "moodle"), [("en", "4"), ("pt", "3"), ("de", "3")])
def test_json_download_without_header(
    tmp_path: Path, lang: str, moodle: str, wrapped: bool
) -> None:
    log = make_report_log(N, lang, moodle, seed=6)
    result = ingest(write_json(tmp_path / "logs.json", log.rows, wrapped=wrapped))
    assert result.detection["file_format"] == "json"
    assert result.detection["header_row"] is False
    assert result.detection["language"] == lang
    assert mismatches(result.frame, log.expected) == {}
    assert result.original_columns[0][0] == "Time"


def test_anonymised_names_keep_user_ids(tmp_path: Path) -> None:
    log = make_report_log(N, "en", "4", seed=8, anonymised=True)
    result = ingest(write_report_csv(tmp_path / "l.csv", log.rows))
    frame = result.frame
    assert frame["user_name"].isna().all() and frame["affected_user"].isna().all()
    assert frame["user_id"].notna().all() and frame["user_id"].nunique() > 3
    assert mismatches(frame, log.expected) == {}


def test_logged_in_as_rows_are_split(tmp_path: Path) -> None:
    log = make_report_log(N, "de", "4", seed=9, logged_in_as=0.2)
    result = ingest(write_report_csv(tmp_path / "l.csv", log.rows, "de", "4"))
    frame = result.frame
    split = frame["real_user"].notna()
    assert split.sum() == sum(1 for e in log.expected if e["real_user"]) > 10
    assert (frame.loc[split, "real_user"] == "Admin User").all()
    assert result.detection["logged_in_as_rows"] == split.sum()
    assert mismatches(frame, log.expected) == {}


def test_month_first_en_us_is_detected(tmp_path: Path) -> None:
    log = make_report_log(N, "en_us", "3", seed=1)
    result = ingest(write_report_csv(tmp_path / "l.csv", log.rows, "en", "3"))
    assert result.detection["date_order"] == "month_first"
    assert result.detection["date_order_ambiguous"] is False
    assert result.detection["date_format"] == "%m/%d/%y, %H:%M"
    assert mismatches(result.frame, log.expected) == {}


def test_ambiguous_order_defaults_to_day_first_with_warning(tmp_path: Path) -> None:
    start = dt.datetime(2024, 3, 12, 18, 0, 0)
    log = make_report_log(60, "en", "4", seed=1, start=start)
    kept = [(r, e) for r, e in zip(log.rows, log.expected, strict=True) if e["timestamp"].day <= 12]
    rows, expected = [r for r, _ in kept], [e for _, e in kept]
    result = ingest(write_report_csv(tmp_path / "l.csv", rows))
    assert result.detection["date_order"] == "day_first"
    assert result.detection["date_order_ambiguous"] is True
    assert any("ambiguous" in w for w in result.warnings)
    assert mismatches(result.frame, expected) == {}


def test_year_less_moodle_27_uses_file_name_year(tmp_path: Path) -> None:
    log = make_report_log(N, "en", "2.7", seed=1, start=dt.datetime(2015, 6, 30, 12))
    path = write_report_csv(tmp_path / "input.csv", log.rows, "en", "3")
    result = ingest(path, original_name="logs_demo_20150701-0930.csv")
    assert mismatches(result.frame, log.expected) == {}
    assert result.detection["date_format"] == "%d %b, %H:%M"
    assert any("no year" in w and "2015" in w for w in result.warnings)


def test_unreadable_dates_in_a_few_rows_are_dropped_and_counted(tmp_path: Path) -> None:
    log = make_report_log(100, "en", "4", seed=2)
    for i in (3, 50, 77):
        log.rows[i][0] = "not a date"
    log.rows[10][0] = "31/02/24, 10:00:00"
    result = ingest(write_report_csv(tmp_path / "l.csv", log.rows))
    assert result.dropped["unreadable_date"] == 4
    assert result.rows_in == 100 and len(result.frame) == 96
    keep = [e for i, e in enumerate(log.expected) if i not in (3, 10, 50, 77)]
    assert mismatches(result.frame, keep) == {}


def test_most_dates_unreadable_is_refused(tmp_path: Path) -> None:
    log = make_report_log(40, "en", "4", seed=2)
    for row in log.rows[:25]:
        row[0] = "yesterday"
    with pytest.raises(BadInputError, match="could not be read as dates"):
        ingest(write_report_csv(tmp_path / "l.csv", log.rows))


def test_html_escaped_quotes_in_description(tmp_path: Path) -> None:
    log = make_report_log(60, "en", "4", seed=2)
    for row in log.rows:
        row[6] = row[6].replace("'", "&#039;")
    result = ingest(write_report_csv(tmp_path / "l.csv", log.rows))
    assert mismatches(result.frame, log.expected) == {}


def test_headerless_report_csv(tmp_path: Path) -> None:
    log = make_report_log(80, "en", "3", seed=2)
    result = ingest(write_report_csv(tmp_path / "l.csv", log.rows, header=False))
    assert result.detection["header_row"] is False
    assert mismatches(result.frame, log.expected) == {}


def test_french_apostrophe_variants_both_detected(tmp_path: Path) -> None:
    for moodle in ("3", "4"):
        log = make_report_log(30, "fr", moodle, seed=2)
        result = ingest(write_report_csv(tmp_path / f"{moodle}.csv", log.rows, "fr", moodle))
        assert result.detection["language"] == "fr"
        assert result.detection["language_confidence"] == 1.0
        assert ("’" in log.header[1]) == (moodle == "4")


def test_title_line_above_the_header(tmp_path: Path) -> None:
    log = make_report_log(50, "it", "3", seed=2)
    path = write_report_csv(tmp_path / "l.csv", log.rows, "it", "3")
    path.write_bytes(b"\xef\xbb\xbfLogs: Demo 101\n" + path.read_bytes()[3:])
    result = ingest(path)
    assert result.detection["language"] == "it" and result.rows_in == 50
    assert mismatches(result.frame, log.expected) == {}


def test_xlsx_resaved_with_real_dates_and_empty_columns(tmp_path: Path) -> None:
    from openpyxl import Workbook

    log = make_report_log(80, "en", "4", seed=3)
    book = Workbook()
    sheet = book.active
    sheet.append([*log.header, None, None])
    for row, truth in zip(log.rows, log.expected, strict=True):
        sheet.append([truth["timestamp"], *row[1:], None, None])
    book.save(tmp_path / "resaved.xlsx")
    result = ingest(tmp_path / "resaved.xlsx")
    assert result.detection["date_order"] == "year_first"
    assert len(result.original_columns) == 9
    assert mismatches(result.frame, log.expected) == {}


def test_user_with_id_zero_is_no_user(tmp_path: Path) -> None:
    log = make_report_log(30, "en", "4", seed=2)
    log.rows[0][6] = "The user with id '0' viewed the course with id '12'."
    log.rows[0][1] = "-"
    frame = ingest(write_report_csv(tmp_path / "l.csv", log.rows)).frame
    assert frame["user_id"].isna().tolist() == [True] + [False] * 29
    assert frame["user_name"][0] is pd.NA


def test_utf8_file_with_a_few_damaged_bytes_stays_utf8(tmp_path: Path) -> None:
    log = make_report_log(3000, "pt", "3", seed=4)
    data = bytearray(write_report_csv(tmp_path / "a.csv", log.rows, "pt", "3").read_bytes())
    cut = len(data) * 3 // 4
    cut = data.index(b"\n", cut) + 1
    data[cut:cut] = "Página \udcff".encode("utf-8", "surrogateescape")  # a stray 0xFF byte
    path = tmp_path / "damaged.csv"
    path.write_bytes(bytes(data))
    result = ingest(path)
    assert result.detection["encoding"] in ("utf-8", "utf-8-sig")
    assert result.dropped["unreadable_date"] <= 1
    assert any("damaged bytes" in w for w in result.warnings)
    assert "às" in result.frame[dict(result.original_columns)["Data e hora"]].iloc[0]


def test_header_in_an_unknown_language_is_read_by_position(tmp_path: Path) -> None:
    log = make_report_log(60, "en", "4", seed=2)
    dutch = [
        "Tijd", "Volledige naam", "Betrokken gebruiker", "Gebeurteniscontext", "Onderdeel",
        "Gebeurtenisnaam", "Beschrijving", "Oorsprong", "IP-adres",
    ]  # fmt: skip
    path = tmp_path / "nl.csv"
    path.write_bytes(report_csv_text(log.rows, dutch).encode("utf-8-sig"))
    result = ingest(path)
    assert result.detection["header_row"] is True and result.rows_in == 60
    assert [h for h, _ in result.original_columns] == dutch
    assert mismatches(result.frame, log.expected) == {}


def test_moodle_27_tab_txt_download_with_saved_at_line(tmp_path: Path) -> None:
    """Moodle 2.7-3.0 wrote logs_*.txt: tab-separated, a "Saved at" line, year-less times."""
    log = make_report_log(120, "en", "2.7", seed=6, start=dt.datetime(2014, 11, 30, 18))
    text = "Saved at: 30 November 2014, 06:10 PM\n" + report_csv_text(
        log.rows, log.header, delimiter="\t"
    )
    path = tmp_path / "input.txt"
    path.write_text(text, encoding="utf-8")
    result = ingest(path, original_name="logs_20141130-1810.txt")
    assert result.detection["delimiter"] == "tab" and result.detection["header_row"] is True
    assert result.rows_in == 120
    assert mismatches(result.frame, log.expected) == {}


def test_html_entities_in_context_are_decoded_but_the_original_column_is_kept(
    tmp_path: Path,
) -> None:
    """Moodle writes activity names HTML-escaped; the event context reads as people wrote it."""
    log = make_report_log(60, "en", "4", seed=2)
    for row in log.rows:
        row[3] = "Quiz: Week 1 &amp; review &#039;A&#039;"
    result = ingest(write_report_csv(tmp_path / "l.csv", log.rows))
    assert set(result.frame["context"].unique()) == {"Quiz: Week 1 & review 'A'"}
    header, column = result.original_columns[3]
    assert header == "Event context"
    assert set(result.frame[column].unique()) == {"Quiz: Week 1 &amp; review &#039;A&#039;"}
