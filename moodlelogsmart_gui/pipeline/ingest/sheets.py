"""The spreadsheet (.xlsx, .ods) and JSON downloads, read whole into text columns.

Moodle writes every cell as text; re-saved spreadsheets may hold real dates and numbers,
which become ISO text ("2024-01-05 09:03:00") and integers without ".0".
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.errors import BadInputError


def column_names(n: int) -> list[str]:
    """Neutral names for raw columns (``c0``, ``c1``, ...); headers are kept separately."""
    return [f"c{i}" for i in range(n)]


def read_spreadsheet(path: Path, kind: str) -> pa.Table:
    """Every non-empty row and column of the first sheet, as text (calamine engine)."""
    try:
        frame = pd.read_excel(path, engine="calamine", header=None, dtype=str)
    except Exception as exc:  # calamine raises its own, varied errors for damaged files
        raise BadInputError(
            f"The {kind} file could not be opened (it is damaged or not a spreadsheet): "
            "download the log again from Moodle."
        ) from exc
    frame = frame.dropna(how="all").dropna(how="all", axis=1)
    if frame.empty:
        raise BadInputError(f"The {kind} spreadsheet is empty: download the log again from Moodle.")
    arrays = [
        pa.array(frame[c].to_numpy(dtype=object), pa.large_string(), from_pandas=True)
        for c in frame.columns
    ]
    return pa.table(arrays, names=column_names(len(arrays)))


def _text_column(values: tuple[Any, ...]) -> pa.Array:
    """A JSON column as text: strings kept, numbers written plainly, other values as JSON."""
    try:
        return pa.array(values, pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    try:
        return pc.cast(pa.array(values), pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.array(
            [v if isinstance(v, str) or v is None else json.dumps(v) for v in values],
            pa.large_string(),
        )


def table_from_rows(rows: list[list[Any]]) -> pa.Table:
    """Text columns from rows (ragged rows padded with nulls)."""
    width = max(map(len, rows), default=0)
    if any(len(r) != width for r in rows):
        rows = [r + [None] * (width - len(r)) for r in rows]
    columns = list(zip(*rows, strict=True)) if rows else []
    return pa.table([_text_column(c) for c in columns], names=column_names(width))


def read_json(path: Path, compression: str | None, encoding: str) -> pa.Table:
    """The JSON download: an array of arrays (no header), possibly wrapped in another array."""
    opener = gzip.open if compression == "gzip" else open
    codec = "utf-8-sig" if encoding.startswith("utf-8") else encoding
    try:
        with opener(path, "rb") as fh:
            data = json.loads(fh.read().decode(codec))
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        raise BadInputError(
            "The file starts like JSON but is not valid JSON: download the log again from Moodle."
        ) from exc
    while (
        isinstance(data, list)
        and data
        and all(isinstance(part, list) and part for part in data)
        and all(isinstance(part[0], list) for part in data)
    ):
        data = [row for part in data for row in part]
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        keys = list(dict.fromkeys(k for r in data for k in r))
        data = [keys, *([r.get(k) for k in keys] for r in data)]
    if not (isinstance(data, list) and data and all(isinstance(r, list) for r in data)):
        raise BadInputError(
            "The JSON file is not a table of rows (an array of arrays): download the Moodle "
            "log as JSON, CSV or Excel from Reports > Logs."
        )
    return table_from_rows(data)
