"""``enriched_log.parquet``: the rows and columns of ``enriched_log.csv`` with real types.

Repeated headers get ``_2``, ``_3``... (Parquet readers need distinct names). Cells hold
the values themselves (a spreadsheet never opens Parquet, so nothing is neutralised).
Times are a timestamp (UTC when the file says so, otherwise without a time zone), columns
whose every value is a whole number are 64-bit integers, text whose values repeat is a
dictionary (categorical in pandas, Polars and DuckDB), and text whose values barely repeat
(the log's own time text) is plain text. The file is written batch after batch (one row
group each) into a sink that hands its bytes on, so it streams into the ZIP.

Each column is encoded once for the whole frame (dictionary codes, integers, times as
numbers); a batch then only gathers numbers, and each row group gets the part of a large
dictionary it uses. Parquet's own dictionary encoding is asked for only where it pays.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from moodlelogsmart_gui.pipeline.column_codes import arrow_text, dictionary_codes
from moodlelogsmart_gui.pipeline.export_csv import _narrowed

WHOLE_NUMBER = r"^-?[0-9]{1,18}$"
TEXT = pa.dictionary(pa.int32(), pa.string())
SAMPLE = 4_096  # values looked at to tell repeating text from (almost) unique text
SMALL_DICTIONARY = 4_096  # larger dictionaries are cut to the values a row group uses
EMPTY = pa.array([""], type=pa.string())


class _Sink:
    """A write-only file object that keeps what was written until ``take``."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.closed = False
        self._position = 0

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        """Nothing to flush: bytes are handed on by ``take``."""

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def whole_numbers(values: pa.Array | pa.ChunkedArray) -> bool:
    """True when the text column has values and every one is a whole number (int64 range)."""
    present = pc.drop_null(values)
    if not len(present):
        return False
    sample = present.slice(0, 2_000)  # most text columns fail here, without a full scan
    if not pc.all(pc.match_substring_regex(sample, WHOLE_NUMBER)).as_py():
        return False
    return bool(pc.all(pc.match_substring_regex(present, WHOLE_NUMBER)).as_py())


def _strings(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text column as Arrow text (pandas' own Arrow data when it has it: no copy)."""
    return arrow_text(series)


def _mostly_unique(series: pd.Series) -> bool:
    """True when the first values of a text column barely repeat (a plain column is cheaper
    to write and smaller than a dictionary as large as the column)."""
    sample = pa.array(series.iloc[:SAMPLE].astype("string").array)
    present = pc.drop_null(sample)
    return len(present) >= 100 and len(pc.unique(present)) > len(present) * 9 // 10


@dataclass
class _Encoded:
    """One column of a frame, encoded once: ``values`` per row (numbers, or the codes into
    ``dictionary``) and where they are missing."""

    values: Any  # np.ndarray, or a pa.Array for plain text
    dictionary: pa.Array | None = None
    missing: np.ndarray | None = None

    def codes(self, rows: np.ndarray) -> pa.Array:
        codes = self.values[rows]
        missing = self.missing[rows] if self.missing is not None else None
        dictionary = self.dictionary
        assert dictionary is not None
        if len(dictionary) > SMALL_DICTIONARY:  # this row group's values only
            used, codes = np.unique(codes, return_inverse=True)
            dictionary = dictionary.take(pa.array(used))
        indices = pa.array(codes.astype(np.int32, copy=False), mask=missing)
        return pa.DictionaryArray.from_arrays(indices, dictionary)


def _encode(series: pd.Series, kind: str) -> _Encoded:
    if kind == "time":
        return _Encoded(series.to_numpy(dtype="datetime64[us]").view(np.int64))
    if kind == "bool":
        return _Encoded(series.fillna(False).to_numpy(dtype=bool))
    if kind == "plain":
        return _Encoded(_strings(series))
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        missing = codes < 0
        categories = [str(c) for c in series.cat.categories]
        codes = np.where(missing, 0, codes)
        if kind == "int":
            numbers = np.array([int(c) for c in categories] or [0], dtype=np.int64)
            return _Encoded(numbers[codes], None, missing if missing.any() else None)
        dictionary = pa.array(categories, type=pa.string()) if categories else EMPTY
        return _Encoded(codes.astype(np.int32), dictionary, missing if missing.any() else None)
    if kind == "int":
        if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
            return _Encoded(series.to_numpy(dtype=np.int64))
        numbers = pc.cast(_strings(series), pa.int64())
        missing = numbers.is_null().to_numpy(zero_copy_only=False)
        values = numbers.fill_null(0).to_numpy(zero_copy_only=False)
        return _Encoded(values, None, missing if missing.any() else None)
    codes, dictionary = dictionary_codes(_strings(series))  # a missing value is a code
    nulls = np.flatnonzero(dictionary.is_null().to_numpy(zero_copy_only=False))
    missing = np.isin(codes, nulls) if len(nulls) else None
    # the missing value's entry (masked in every batch) becomes "": writers want no null there
    dictionary = pc.fill_null(dictionary.cast(pa.string()), "") if len(dictionary) else EMPTY
    return _Encoded(codes, dictionary, missing)


def _unique_headers(columns: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Parquet readers need distinct column names: a repeated header gets ``_2``, ``_3``..."""
    taken: set[str] = set()
    out = []
    for header, name in columns:
        unique, number = header, 1
        while unique in taken:
            number += 1
            unique = f"{header}_{number}"
        taken.add(unique)
        out.append((unique, name))
    return out


class ParquetColumns:
    """How each output column of ``frame`` becomes an Arrow column; decided once.

    ``batch`` encodes the frame it is given; ``parquet_chunks`` encodes its frame once
    (``encode``) and then gathers each batch's rows from it (``batch_of``).
    """

    def __init__(
        self, frame: pd.DataFrame, columns: Sequence[tuple[str, str]], timezone: str | None
    ) -> None:
        self.columns = _unique_headers(columns)  # (header written, frame column)
        self.timezone = timezone
        fields, self.kinds = [], []
        for header, name in self.columns:
            series = frame[name]
            if name == "timestamp":
                kind, arrow_type = "time", pa.timestamp("us", tz=timezone)
            elif series.dtype == bool or series.dtype == "boolean":
                kind, arrow_type = "bool", pa.bool_()
            elif name == "session_id" or (
                not isinstance(series.dtype, pd.CategoricalDtype)
                and whole_numbers(arrow_text(series))
            ):
                kind, arrow_type = "int", pa.int64()
            elif not isinstance(series.dtype, pd.CategoricalDtype) and _mostly_unique(series):
                kind, arrow_type = "plain", pa.string()
            else:
                kind, arrow_type = "text", TEXT
            self.kinds.append(kind)
            fields.append(pa.field(header, arrow_type))
        self.schema = pa.schema(fields)
        # Parquet's dictionary pages where values repeat; never for times or plain text.
        self.dictionary_columns = [
            header
            for (header, _), kind in zip(self.columns, self.kinds, strict=True)
            if kind in ("text", "int")
        ]
        # Min/max statistics (what readers skip row groups by) for times and numbers; on text
        # they cost about as much as the rest of the writing.
        self.statistics_columns = [
            header
            for (header, _), kind in zip(self.columns, self.kinds, strict=True)
            if kind in ("time", "int", "bool")
        ]

    def encode(self, frame: pd.DataFrame) -> list[_Encoded]:
        """Every output column of ``frame`` encoded once (for ``batch_of``)."""
        return [
            _encode(frame[name], kind)
            for (_, name), kind in zip(self.columns, self.kinds, strict=True)
        ]

    def batch(self, frame: pd.DataFrame, rows: np.ndarray) -> pa.RecordBatch:
        """The record batch of ``rows`` (positions, in order) of ``frame``."""
        return self.batch_of(self.encode(frame), rows)

    def batch_of(self, encoded: list[_Encoded], rows: np.ndarray) -> pa.RecordBatch:
        """The record batch of ``rows`` of a frame encoded by ``encode``."""
        arrays: list[pa.Array] = []
        for encoded_one, kind, field in zip(encoded, self.kinds, self.schema, strict=True):
            if kind == "text":
                arrays.append(encoded_one.codes(rows))
            elif kind == "plain":
                values, at = _narrowed(encoded_one.values, rows)
                arrays.append(values.take(pa.array(at)).cast(pa.string()))
            else:
                missing = encoded_one.missing[rows] if encoded_one.missing is not None else None
                arrays.append(pa.array(encoded_one.values[rows], type=field.type, mask=missing))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def parquet_chunks(
    columns: ParquetColumns, frame: pd.DataFrame, rows: np.ndarray, batch_rows: int = 131_072
) -> Iterator[bytes]:
    """The Parquet file of ``rows`` (in order), one row group per batch, as byte chunks."""
    encoded = columns.encode(frame)  # once for every batch
    sink = _Sink()
    writer = pq.ParquetWriter(
        sink,
        columns.schema,
        compression="zstd",
        use_dictionary=columns.dictionary_columns,
        write_statistics=columns.statistics_columns,
    )
    try:
        for start in range(0, len(rows), batch_rows):
            writer.write_batch(columns.batch_of(encoded, rows[start : start + batch_rows]))
            yield sink.take()
    finally:
        writer.close()
    yield sink.take()
