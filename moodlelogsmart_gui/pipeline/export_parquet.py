"""``enriched_log.parquet``: the rows and columns of ``enriched_log.csv`` with real types.

Repeated headers get ``_2``, ``_3``... (Parquet readers need distinct names). Cells hold
the values themselves (a spreadsheet never opens Parquet, so nothing is neutralised).
Times are a timestamp (UTC when the file says so, otherwise without a time zone), columns
whose every value is a whole number are 64-bit integers, every other text column is a
dictionary (categorical in pandas, Polars and DuckDB). The file is written batch after batch
(one row group each) into a sink that hands its bytes on, so it streams into the ZIP.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

WHOLE_NUMBER = r"^-?[0-9]{1,18}$"
TEXT = pa.dictionary(pa.int32(), pa.string())


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


def _text(series: pd.Series) -> pa.Array:
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        categories = pa.array([str(c) for c in series.cat.categories], type=pa.string())
        mask = codes < 0 if (codes < 0).any() else None
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=mask), categories)
    array = pa.array(series.astype("string").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    return encoded.cast(TEXT)


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
    """How each output column of ``frame`` becomes an Arrow column; decided once."""

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
                and whole_numbers(pa.array(series.astype("string").array))
            ):
                kind, arrow_type = "int", pa.int64()
            else:
                kind, arrow_type = "text", TEXT
            self.kinds.append(kind)
            fields.append(pa.field(header, arrow_type))
        self.schema = pa.schema(fields)

    def batch(self, frame: pd.DataFrame, rows: np.ndarray) -> pa.RecordBatch:
        arrays = []
        for (_, name), kind in zip(self.columns, self.kinds, strict=True):
            series = frame[name].iloc[rows]
            if kind == "time":
                values = series.to_numpy(dtype="datetime64[us]")
                arrays.append(
                    pa.array(values.view(np.int64), type=pa.timestamp("us", self.timezone))
                )
            elif kind == "bool":
                arrays.append(pa.array(series.fillna(False).to_numpy(dtype=bool)))
            elif kind == "int":
                if isinstance(series.dtype, pd.CategoricalDtype):
                    series = series.astype("string")
                arrays.append(pc.cast(pa.array(series.astype("string").array), pa.int64()))
            else:
                arrays.append(_text(series))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def parquet_chunks(
    columns: ParquetColumns, frame: pd.DataFrame, rows: np.ndarray, batch_rows: int = 131_072
) -> Iterator[bytes]:
    """The Parquet file of ``rows`` (in order), one row group per batch, as byte chunks."""
    sink = _Sink()
    writer = pq.ParquetWriter(sink, columns.schema, compression="zstd")
    try:
        for start in range(0, len(rows), batch_rows):
            writer.write_batch(columns.batch(frame, rows[start : start + batch_rows]))
            yield sink.take()
    finally:
        writer.close()
    yield sink.take()
