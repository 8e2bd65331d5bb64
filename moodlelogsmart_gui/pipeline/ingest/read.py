"""Bytes in, a table of text columns out: file kind, encoding, delimiter, rows.

Only a sample (the first 64 KB) is sniffed in Python; the full CSV is read by pyarrow's
multithreaded reader with every column as text. Spreadsheets go through calamine, the
JSON download through the json module.
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
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest import sheets
from moodlelogsmart_gui.pipeline.ingest.sheets import column_names
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


def _sample_has_multiline_cells(rows: list[list[str]]) -> bool:
    return any("\n" in cell or "\r" in cell for row in rows for cell in row)


class _WrongEncoding(Exception):
    """The bytes further into the file do not decode with the encoding being tried."""


UTF8_REPLACING = "mls-utf-8-replace"


class _ReplacingUtf8Decoder(codecs.BufferedIncrementalDecoder):
    def _buffer_decode(self, data: Any, errors: str, final: bool) -> tuple[str, int]:
        return codecs.utf_8_decode(data, "replace", final)


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name.replace("_", "-") != UTF8_REPLACING:
        return None
    return codecs.CodecInfo(
        name=UTF8_REPLACING,
        encode=codecs.utf_8_encode,
        decode=lambda data, errors="replace": codecs.utf_8_decode(data, "replace", True),
        incrementaldecoder=_ReplacingUtf8Decoder,
    )


def _register_codec() -> None:
    try:
        codecs.lookup(UTF8_REPLACING)
    except LookupError:
        codecs.register(_find_codec)


def utf8_damage(source: Source) -> tuple[int, int]:
    """(bytes in valid multi-byte UTF-8 characters, invalid sequences), streamed over the file."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    opener = gzip.open if source.compression == "gzip" else open
    multibyte = invalid = 0
    with opener(source.path, "rb") as fh:
        while block := fh.read(16 << 20):
            text = decoder.decode(block)
            bad = text.count("\ufffd")
            invalid += bad
            multibyte += max(0, len(block) - len(text) - 2 * bad)
    return multibyte, invalid


def read_csv_table(
    source: Source,
    ncols: int,
    skip_rows: int,
    include: list[int],
    null_values: list[str],
) -> tuple[pa.Table, int]:
    """Read the whole CSV as text columns; return the table and the count of malformed rows.

    The sniffed encoding is tried first. When UTF-8 fails further into the file, a file
    that is otherwise clearly UTF-8 (at least ten valid multi-byte characters per bad
    byte) is read as UTF-8 with the bad bytes replaced; any other goes to cp1252, then
    latin-1. The encoding used is recorded in ``source``.
    """
    encodings = [source.encoding]
    if source.encoding in ("utf-8", "utf-8-sig"):
        encodings += [UTF8_REPLACING, "cp1252"]
    if not source.encoding.startswith("utf-16") and source.encoding != "latin-1":
        encodings.append("latin-1")
    for encoding in encodings:
        if encoding == UTF8_REPLACING:
            multibyte, invalid = utf8_damage(source)
            if multibyte < 10 * invalid:
                continue
            _register_codec()
            source.notes.append(f"{invalid} invalid UTF-8 byte sequences were replaced")
        try:
            table, malformed = _read_with(source, encoding, ncols, skip_rows, include, null_values)
        except _WrongEncoding:
            source.notes.append(f"{encoding} failed further into the file")
            continue
        if encoding != source.encoding:
            source.encoding = "utf-8" if encoding == UTF8_REPLACING else encoding
            source.encoding_confidence = "high" if encoding == "cp1252" else "low"
        return table, malformed
    raise BadInputError("The file's text encoding could not be read: save it again as UTF-8 CSV.")


def _read_with(
    source: Source,
    encoding: str,
    ncols: int,
    skip_rows: int,
    include: list[int],
    null_values: list[str],
) -> tuple[pa.Table, int]:
    """Fast block split first; quote-aware split if cells hold line breaks; then skip bad rows.

    Rows with the wrong number of cells are skipped and counted only in the last attempt,
    after the bytes were checked to decode (pyarrow's row callback fails on bad UTF-8).
    """
    args = (source, encoding, ncols, skip_rows, include, null_values)
    multiline = _sample_has_multiline_cells(source.sample_rows)
    for newlines in (False, True) if not multiline else (True,):
        try:
            return _read_csv_once(*args, newlines=newlines, skip_bad_rows=False)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if _is_decode_error(exc):
                raise _WrongEncoding from exc
    if encoding in ("utf-8", "utf-8-sig") and not _decodes_as_utf8(source):
        raise _WrongEncoding
    try:
        return _read_csv_once(*args, newlines=True, skip_bad_rows=True)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if _is_decode_error(exc):
            raise _WrongEncoding from exc
        raise BadInputError(_csv_error_sentence(exc)) from exc


def _is_decode_error(exc: Exception) -> bool:
    return isinstance(exc, UnicodeDecodeError) or "UTF8" in str(exc) or "decode" in str(exc)


def _decodes_as_utf8(source: Source) -> bool:
    """Strict UTF-8 check of the whole file, streamed in 16 MB blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    opener = gzip.open if source.compression == "gzip" else open
    try:
        with opener(source.path, "rb") as fh:
            while block := fh.read(16 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_csv_once(
    source: Source,
    encoding: str,
    ncols: int,
    skip_rows: int,
    include: list[int],
    null_values: list[str],
    *,
    newlines: bool,
    skip_bad_rows: bool,
) -> tuple[pa.Table, int]:
    names = column_names(ncols)
    malformed = [0]

    def skip_row(_row: object) -> str:
        malformed[0] += 1
        return "skip"

    read_opts = pacsv.ReadOptions(
        column_names=names,
        skip_rows=skip_rows,
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
        block_size=8 << 20,
    )
    parse_opts = pacsv.ParseOptions(
        delimiter=source.delimiter or ",",
        newlines_in_values=newlines,
        invalid_row_handler=skip_row if skip_bad_rows else None,
    )
    convert_opts = pacsv.ConvertOptions(
        column_types={names[i]: pa.large_string() for i in include},
        include_columns=[names[i] for i in include],
        null_values=null_values,
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    try:
        stream = pa.input_stream(str(source.path), compression=source.compression)
        table = pacsv.read_csv(stream, read_opts, parse_opts, convert_opts)
    except OSError as exc:
        if isinstance(exc, pa.ArrowInvalid):
            raise
        raise BadInputError(
            f"The file could not be read to the end ({exc.__class__.__name__}): "
            "check that it is a complete copy of the log."
        ) from exc
    return table, malformed[0]


def _csv_error_sentence(exc: Exception) -> str:
    message = str(exc).split("\n", 1)[0][:160]
    return (
        f"The CSV file could not be parsed ({message}): check that it is a Moodle log download "
        "and has not been cut or edited."
    )
