"""Hostile and awkward input (issue 5): a generated corpus of more than 30 files.

Each file is either ingested correctly or refused with ``BadInputError`` carrying one
sentence; never another exception, never a hang (each case must finish within seconds).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest import Ingested, ingest
from tests.fixtures.checks import mismatches
from tests.fixtures.moodle_logs import (
    make_report_log,
    report_csv_text,
    report_header,
    write_json,
    write_logstore_csv,
    write_report_csv,
    write_xlsx,
)

SECONDS = 5.0
Maker = Callable[[Path], Path]


def _log(n: int = 60, lang: str = "en", moodle: str = "4", seed: int = 1):
    return make_report_log(n, lang, moodle, seed=seed)


def _bytes(name: str, data: bytes) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _report(name: str = "l.csv", **kwargs) -> Maker:
    def make(folder: Path) -> Path:
        log = _log()
        return write_report_csv(folder / name, log.rows, "en", "4", **kwargs)

    return make


def _mutated(mutate: Callable[[list[list[str]]], None], name: str = "l.csv") -> Maker:
    def make(folder: Path) -> Path:
        log = _log()
        mutate(log.rows)
        return write_report_csv(folder / name, log.rows, "en", "4")

    return make


def _text(name: str, text: str, encoding: str = "utf-8") -> Maker:
    return lambda folder: _bytes(name, text.encode(encoding))(folder)


HEADER = ",".join(report_header("en", "4")) + "\n"
ROWS = report_csv_text(_log().rows, None)


def _gzip_csv(folder: Path) -> Path:
    path = folder / "logs.csv.gz"
    path.write_bytes(gzip.compress((HEADER + ROWS).encode("utf-8")))
    return path


def _zip_with_csv(folder: Path) -> Path:
    path = folder / "logs.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("logs.csv", HEADER + ROWS)
    return path


def _corrupt_xlsx(folder: Path) -> Path:
    good = write_xlsx(folder / "good.xlsx", _log().rows, report_header("en", "4"))
    path = folder / "corrupt.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return path


def _folder(folder: Path) -> Path:
    path = folder / "a folder.csv"
    path.mkdir()
    return path


def _one_enormous_line(folder: Path) -> Path:
    path = folder / "huge.csv"
    with path.open("wb") as fh:
        chunk = b"abc,def;ghi\tjkl " * 65536
        for _ in range(30 * 2**20 // len(chunk)):
            fh.write(chunk)
    return path


def _megabyte_cell(folder: Path) -> Path:
    log = _log()
    log.rows[2][3] = "Page: " + "x" * 2**20
    return write_report_csv(folder / "cell.csv", log.rows)


def _nul_cells(folder: Path) -> Path:
    log = _log()
    log.rows[5][3] = "Page: odd\x00name"
    return write_report_csv(folder / "nul.csv", log.rows)


def _utf16_tab(folder: Path, bom: bool) -> Path:
    log = _log(lang="fr", moodle="3")
    text = report_csv_text(log.rows, log.header, delimiter="\t", newline="\r\n")
    data = text.encode("utf-16" if bom else "utf-16-le")
    return _bytes(f"utf16_{bom}.csv", data)(folder)


def _random_binary(folder: Path) -> Path:
    return _bytes("random.csv", random.Random(3).randbytes(200_000))(folder)


def _missing_time(folder: Path) -> Path:
    log = _log()
    text = report_csv_text([r[1:] for r in log.rows], log.header[1:])
    return _bytes("no_time.csv", text.encode())(folder)


def _broken_quote(folder: Path) -> Path:
    log = _log(400)
    text = report_csv_text(log.rows, log.header)
    lines = text.splitlines(keepends=True)
    lines[20] = lines[20].replace(",web,", ',"web,', 1)
    return _bytes("broken.csv", "".join(lines).encode("utf-8"))(folder)


def _ragged(folder: Path) -> Path:
    log = _log(100)
    text = report_csv_text(log.rows, log.header).splitlines(keepends=True)
    text[7] = text[7].rstrip("\n") + ",extra,cells\n"
    text[9] = "just,three,cells\n"
    return _bytes("ragged.csv", "".join(text).encode())(folder)


def _duplicate_columns(folder: Path) -> Path:
    log = _log()
    header = [*log.header, "Description"]
    rows = [[*r, r[6]] for r in log.rows]
    text = report_csv_text(rows, header)
    return _bytes("dup.csv", text.encode())(folder)


def _header_repeated(folder: Path) -> Path:
    log = _log(100)
    text = report_csv_text(log.rows[:50], log.header) + report_csv_text(log.rows[50:], log.header)
    return _bytes("concatenated.csv", text.encode())(folder)


def _all_dates_bad(rows: list[list[str]]) -> None:
    for row in rows:
        row[0] = "sometime"


def _some_dates_bad(rows: list[list[str]]) -> None:
    for row in rows[::10]:
        row[0] = "31/13/24, 10:00:00"


def _xlsx_named_csv_text(folder: Path) -> Path:
    return _bytes("actually_csv.xlsx", (HEADER + ROWS).encode("utf-8"))(folder)


def _logstore_bad_times(folder: Path) -> Path:
    path = folder / "ls.csv"
    log = write_logstore_csv(path, 50)
    text = path.read_text().replace(str(log.rows[0][17]), "yesterday")
    lines = text.splitlines()
    lines = [lines[0]] + [
        ",".join([*line.split(",")[:17], "never", *line.split(",")[18:]]) for line in lines[1:]
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


CORPUS: dict[str, tuple[Maker, str | None]] = {
    # name: (maker, None if it must be ingested, else a word the refusal must contain)
    "empty": (_bytes("empty.csv", b""), "empty"),
    "whitespace only": (_bytes("blank.csv", b" \r\n\r\n\t \n"), "empty"),
    "bom only": (_bytes("bom.csv", b"\xef\xbb\xbf"), "empty"),
    "header only": (_text("h.csv", HEADER), "no log rows"),
    "logstore header only": (
        _text("lh.csv", "id,eventname,component,userid,timecreated\n"),
        "no log rows",
    ),
    "random binary": (_random_binary, "binary"),
    "png renamed csv": (_bytes("img.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40), "binary"),
    "pdf": (_bytes("doc.csv", b"%PDF-1.7\n" + b"\x00\x01" * 500), "binary"),
    "old xls": (_bytes("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000), ".xls"),
    "plain prose": (
        _text("prose.txt", "Dear students\nThe exam is on Monday\nBring a pencil\nRegards\n"),
        "not a Moodle log",
    ),
    "html download": (
        _text(
            "logs.csv", "<!DOCTYPE html>\n<html><head><title>Logs</title></head>\n<body>\n<table>\n"
        ),
        "HTML",
    ),
    "one enormous line": (_one_enormous_line, "line break"),
    "nul bytes everywhere": (_bytes("nul.csv", b"Time,Description\n" + b"\x00" * 50_000), "binary"),
    "nul byte in a cell": (_nul_cells, None),
    "broken quoting": (_broken_quote, None),
    "ragged rows": (_ragged, None),
    "duplicate column names": (_duplicate_columns, None),
    "header repeated mid-file": (_header_repeated, None),
    "megabyte cell": (_megabyte_cell, None),
    "utf-16 with bom": (lambda f: _utf16_tab(f, True), None),
    "utf-16 without bom": (lambda f: _utf16_tab(f, False), None),
    "utf-16 undecodable": (_bytes("u16.csv", b"\xff\xfe" + b"\x00\xd8" * 3000), "Moodle log"),
    "gzip csv": (_gzip_csv, None),
    "gzip garbage": (_bytes("g.csv.gz", b"\x1f\x8b\x08\x00" + b"\x07" * 3000), "read"),
    "zip archive": (_zip_with_csv, "ZIP"),
    "corrupt xlsx": (_corrupt_xlsx, "damaged"),
    "csv named xlsx": (_xlsx_named_csv_text, None),
    "folder": (_folder, "folder"),
    "missing path": (lambda f: f / "gone.csv", "does not exist"),
    "dates unreadable in some rows": (_mutated(_some_dates_bad), None),
    "dates unreadable in all rows": (_mutated(_all_dates_bad), "dates"),
    "semicolon": (_report(delimiter=";"), None),
    "tab": (_report(delimiter="\t"), None),
    "crlf without bom": (_report(encoding="utf-8", newline="\r\n"), None),
    "lacking the Time column": (_missing_time, "No 'Time' column"),
    "unrelated csv": (
        _text("people.csv", "name,age,city\nAna,20,Porto\nRui,30,Braga\n"),
        "not a Moodle log",
    ),
    "json object": (_text("x.json", json.dumps({"rows": 3})), "array of arrays"),
    "json broken": (_text("x.json", '[["5/01/24, 09:03", "Ana"'), "not valid JSON"),
    "json numbers": (_text("x.json", "[1, 2, 3]"), "array of arrays"),
    "json header only": (lambda f: write_json(f / "h.json", [report_header()]), "no log rows"),
    "logstore unreadable times": (_logstore_bad_times, "dates"),
    "very wide row": (
        _text("wide.csv", ",".join(f"c{i}" for i in range(5000)) + "\n" + "1," * 4999 + "1\n"),
        "not a Moodle log",
    ),
}


def _one_sentence(message: str) -> bool:
    return (
        message.endswith(".")
        and "\n" not in message
        and len(message) < 320
        and "Traceback" not in message
    )


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_input(tmp_path: Path, name: str) -> None:
    maker, refusal = CORPUS[name]
    path = maker(tmp_path)
    started = time.perf_counter()
    try:
        result: Ingested | None = ingest(path)
        error = None
    except BadInputError as exc:
        result, error = None, str(exc)
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS, f"{name} took {elapsed:.1f} s"
    if error is not None:
        assert _one_sentence(error), error
    if refusal is None:
        assert result is not None, f"{name} was refused: {error}"
        assert len(result.frame) > 0
    elif refusal is not None:
        assert error is not None, f"{name} was accepted"
        assert refusal in error, error


def test_ingested_hostile_files_are_right(tmp_path: Path) -> None:
    log = _log(lang="fr", moodle="3")
    result = ingest(_utf16_tab(tmp_path, True))
    assert result.detection["encoding"] == "utf-16"
    assert mismatches(result.frame, log.expected) == {}
    ragged = ingest(_ragged(tmp_path))
    assert ragged.dropped["malformed_row"] == 2 and ragged.rows_in == 100
    repeated = ingest(_header_repeated(tmp_path))
    assert repeated.dropped["unreadable_date"] == 1 and len(repeated.frame) == 100
    gz = ingest(_gzip_csv(tmp_path))
    assert gz.detection["compression"] == "gzip" and len(gz.frame) == 60
    big = ingest(_megabyte_cell(tmp_path))
    assert len(big.frame["context"][2]) == 2**20 + 6
    some = ingest(_mutated(_some_dates_bad)(tmp_path))
    assert some.dropped["unreadable_date"] == 6 and len(some.frame) == 54
    broken = ingest(_broken_quote(tmp_path))
    assert broken.dropped["malformed_row"] >= 1 and len(broken.frame) >= 395
    dup = ingest(_duplicate_columns(tmp_path))
    assert [h for h, _ in dup.original_columns].count("Description") == 2
    assert len({c for _, c in dup.original_columns}) == 10


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    path = _report()(tmp_path)
    path.chmod(0)
    with pytest.raises(BadInputError, match="could not be read"):
        ingest(path)


def test_stream_of_random_text_never_escapes(tmp_path: Path) -> None:
    rng = random.Random(11)
    alphabet = "abc,;\t\"\n\r 0123456789/:.-\\'é€\x00"
    for i in range(40):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3000)))
        path = tmp_path / f"r{i}.csv"
        path.write_bytes(text.encode("utf-8"))
        try:
            ingest(path)
        except BadInputError as exc:
            assert _one_sentence(str(exc)), str(exc)


def test_truncated_download_keeps_complete_rows(tmp_path: Path) -> None:
    log = _log(200)
    data = write_report_csv(tmp_path / "full.csv", log.rows).read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: len(data) * 3 // 4])
    result = ingest(cut)
    assert 100 < len(result.frame) < 200


def test_refusal_names_header_cells_on_one_printable_line(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text('Time,"Event\nname\x07",Nothing\n"5/01/24, 09:03",x,y\n', encoding="utf-8")
    with pytest.raises(BadInputError) as err:
        ingest(path)
    assert _one_sentence(str(err.value)) and "\x07" not in str(err.value)


def test_data_rows_wider_than_the_header(tmp_path: Path) -> None:
    log = _log(50)
    text = report_csv_text([[*row, ""] for row in log.rows], None)  # "...,web,10.0.0.1,"
    path = tmp_path / "trailing.csv"
    path.write_text(",".join(log.header) + "\n" + text, encoding="utf-8")
    result = ingest(path)
    assert result.rows_in == 50 and result.dropped["malformed_row"] == 0
    assert [h for h, _ in result.original_columns] == [*log.header, "column 10"]
    assert mismatches(result.frame, log.expected) == {}


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "logs.csv"
    os.mkfifo(fifo)
    with pytest.raises(BadInputError, match="not a regular file"):
        ingest(fifo)
