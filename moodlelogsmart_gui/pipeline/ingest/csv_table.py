"""Reading a sniffed CSV source into an Arrow table (pyarrow, with the encoding fallbacks).

:mod:`.read` finds out what the file is (:class:`Source`); this module reads it.
"""

from __future__ import annotations

import codecs
import gzip
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest.read import Source
from moodlelogsmart_gui.pipeline.ingest.sheets import column_names


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
