"""Sniffing a file: its kind (container, compression), encoding, delimiter and a sample.

Only a sample (the first 64 KB) is sniffed in Python (:func:`open_input` gives a
:class:`Source`); :mod:`.csv_table` then reads the full CSV with pyarrow's multithreaded
reader, every column as text. Spreadsheets go through calamine, the JSON download through
the json module.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest import sheets
from moodlelogsmart_gui.pipeline.ingest.tables import printable

SAMPLE_BYTES = 64 * 1024
MAX_SAMPLE_BYTES = 4 * 1024 * 1024
SAMPLE_ROWS = 200
DELIMITERS = (",", ";", "\t", "|")
_MARKUP = ("<!doctype", "<html", "<head", "<body", "<table", "<?xml", "<div")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class Source:
    """What sniffing the input found, and for spreadsheets/JSON the whole table."""

    path: Path
    file_format: str  # csv, xlsx, ods, json
    sample_rows: list[list[str]]
    encoding: str = "utf-8"
    encoding_confidence: str = "certain"
    delimiter: str | None = None
    line_ending: str | None = None
    compression: str | None = None
    table: pa.Table | None = None  # spreadsheet/JSON: every row, header included
    notes: list[str] = field(default_factory=list)


def delimiter_name(delimiter: str | None) -> str | None:
    """A readable name for the summary ("comma", "semicolon", ...)."""
    return None if delimiter is None else _DELIMITER_NAMES.get(delimiter, delimiter)


def sample_from_table(table: pa.Table) -> list[list[str]]:
    """The first rows of a spreadsheet/JSON table as text, for layout detection."""
    head = table.slice(0, SAMPLE_ROWS).to_pylist()
    return [["" if v is None else v for v in row.values()] for row in head]


def _read_head(path: Path, compression: str | None, size: int) -> bytes:
    opener = gzip.open if compression == "gzip" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise BadInputError(
            f"The file could not be read ({exc.__class__.__name__}): check that it is a complete, "
            "readable copy of the log."
        ) from exc


def _sniff_container(path: Path, head: bytes) -> str | None:
    """Return xlsx/ods/gzip for containers, None for plain text; refuse other binaries."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                mimetype = zf.read("mimetype") if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, KeyError) as exc:
            kind = printable(path.suffix) or "spreadsheet"
            raise BadInputError(
                f"The {kind} file is damaged or not a spreadsheet: "
                "download the log again from Moodle (Reports > Logs > Download)."
            ) from exc
        if "[Content_Types].xml" in names:
            return "xlsx"
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        raise BadInputError(
            "This is a ZIP archive, not a log: extract the log file from it and use that file."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadInputError(
            "This is an old binary Office file (.xls/.doc): download the log again as CSV or .xlsx."
        )
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"SQLite format")):
        raise BadInputError(
            "This is a binary file (PDF, image or database), not a log: download the log as CSV."
        )
    return None


def detect_encoding(head: bytes) -> tuple[str, str]:
    """Choose an encoding from a sample: BOMs, strict UTF-8, then cp1252 or latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "certain"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "certain"
    even, odd = head[0:2000:2], head[1:2000:2]
    if len(head) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le", "high"
    if len(head) >= 4 and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be", "high"
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", "certain" if any(b > 0x7F for b in head[:SAMPLE_BYTES]) else "high"
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1", "low"
    return "cp1252", "high"


def _decode(head: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)("replace").decode(head, final=False)


def _refuse_binary(text: str) -> None:
    controls = sum(1 for ch in text[:20000] if ch < "\t" or "\x0e" <= ch < "\x20")
    if controls > max(8, len(text[:20000]) // 50):
        raise BadInputError(
            "The file holds binary data, not text: download the log from Moodle as CSV, "
            "Excel or ODS."
        )


def parse_sample(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    """Parse sample text with ``delimiter``; drop the last record if the sample was cut."""
    if not complete:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:cut] if cut > 0 else ""
    previous = csv.field_size_limit()
    csv.field_size_limit(MAX_SAMPLE_BYTES * 4)
    try:
        rows = [
            row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row
        ]
    except csv.Error:
        rows = []
    finally:
        csv.field_size_limit(previous)
    if not complete and len(rows) > 1:
        rows = rows[:-1]
    return rows[:SAMPLE_ROWS]


def sniff_delimiter(text: str, complete: bool) -> tuple[str, list[list[str]]]:
    """Pick the delimiter whose parse gives the most consistent multi-column rows."""
    best: tuple[tuple[float, ...], str, list[list[str]]] | None = None
    for delim in DELIMITERS:
        rows = parse_sample(text, delim, complete)
        widths = Counter(len(r) for r in rows)
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        share = count / len(rows)
        score = (float(width > 1), round(share, 1), float(width), -DELIMITERS.index(delim))
        if best is None or score > best[0]:
            best = (score, delim, rows)
    if best is None or best[0][0] == 0.0:
        raise BadInputError(
            "The file is text without columns (no comma, semicolon or tab between values), so it "
            "is not a Moodle log: download the log as CSV from Reports > Logs."
        )
    return best[1], best[2]


def open_input(path: Path) -> Source:
    """Sniff ``path`` and, for spreadsheets and JSON, read it whole."""
    if not path.exists():
        raise BadInputError(
            f"The file '{printable(path.name)}' does not exist (any more): drop it again."
        )
    if path.is_dir():
        raise BadInputError(
            f"'{printable(path.name)}' is a folder, not a file: drop the log file itself."
        )
    if not path.is_file():  # a pipe or device would block or never end
        raise BadInputError(
            f"'{printable(path.name)}' is not a regular file: save the log as a file first."
        )
    head = _read_head(path, None, SAMPLE_BYTES)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise BadInputError("The file is empty: download the log again from Moodle.")
    container = _sniff_container(path, head)
    if container in ("xlsx", "ods"):
        table = sheets.read_spreadsheet(path, container)
        return Source(path, container, sample_from_table(table), encoding="n/a", table=table)
    compression = container
    if compression:
        head = _read_head(path, compression, SAMPLE_BYTES)
    encoding, confidence = detect_encoding(head)
    text = _decode(head, encoding)
    if text.lstrip("\ufeff \r\n\t").startswith(("[", "{")):
        table = sheets.read_json(path, compression, encoding)
        return Source(path, "json", sample_from_table(table), encoding, confidence, table=table)
    _refuse_binary(text)
    if text.lstrip("\ufeff \r\n\t").lower().startswith(_MARKUP):
        raise BadInputError(
            "This is an HTML or XML page (Moodle's HTML download or a saved web page), not a "
            "log file: download the log as CSV, Excel or JSON from Reports > Logs."
        )
    complete = len(head) < SAMPLE_BYTES
    if not complete and text.count("\n") + text.count("\r") < 4:
        head = _read_head(path, compression, MAX_SAMPLE_BYTES)
        complete = len(head) < MAX_SAMPLE_BYTES
        text = _decode(head, encoding)
        if not complete and text.count("\n") + text.count("\r") < 2:
            raise BadInputError(
                f"The first {MAX_SAMPLE_BYTES // 2**20} MB of the file hold no line break: it is "
                "not a log export; download the log as CSV from Reports > Logs."
            )
    delimiter, rows = sniff_delimiter(text, complete)
    crlf = text.count("\r\n")
    line_ending = "CRLF" if crlf and crlf >= text.count("\n") / 2 else "LF"
    return Source(
        path=path,
        file_format="csv",
        sample_rows=rows,
        encoding=encoding,
        encoding_confidence=confidence,
        delimiter=delimiter,
        line_ending=line_ending,
        compression=compression,
    )
