"""``enriched_log.parquet``: the rows and columns of ``enriched_log.csv`` with real types.

What the streaming writer (``stream/analyst_writers.ParquetMember``) shares: the text type,
the whole-number rule, a sink that hands the written bytes on (so the file streams into the
ZIP) and distinct headers (repeated headers get ``_2``, ``_3``...). Cells hold the values
themselves (a spreadsheet never opens Parquet, so nothing is neutralised). Times are a
timestamp (UTC when the file says so, otherwise without a time zone), columns whose every
value is a whole number are 64-bit integers, text whose values repeat is a dictionary
(categorical in pandas, Polars and DuckDB; each row group holds the values it uses), and
text whose values barely repeat (the log's own time text) is plain text.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

WHOLE_NUMBER = r"^-?[0-9]{1,18}$"
TEXT = pa.dictionary(pa.int32(), pa.string())


class _Sink:
    """A write-only file object that keeps what was written until ``take`` (which another
    thread may call while the writer writes)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.closed = False
        self._position = 0
        self._lock = threading.Lock()

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        with self._lock:
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
        with self._lock:
            parts, self._parts = self._parts, []
        return b"".join(parts)


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
