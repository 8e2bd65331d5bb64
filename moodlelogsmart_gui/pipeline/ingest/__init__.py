"""Ingest: any Moodle log export in, one canonical pandas frame out.

``ingest(path, progress)`` reads the log report download (CSV in any supported language,
.xlsx, .ods, JSON), a raw ``mdl_logstore_standard_log`` export, or a pre-2.7 log (old
download, ``mdl_log``) and returns :class:`Ingested` (architecture.md section 3, "Ingest ->
enrich seam"). Decisions (dates, encodings, "X as Y") are in this package's README.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest import (
    csv_table,
    dates,
    detect,
    download_name,
    legacy,
    normalise,
    read,
)
from moodlelogsmart_gui.pipeline.ingest.normalise import CANONICAL_COLUMNS, LOGSTORE_DIRECT
from moodlelogsmart_gui.pipeline.ingest.tables import load_catalogue, load_languages, printable

__all__ = ["CANONICAL_COLUMNS", "Ingested", "ingest"]

_STRING = pd.StringDtype("pyarrow")
_TYPES = {pa.string(): _STRING, pa.large_string(): _STRING, pa.int8(): pd.Int8Dtype()}
# canonical column -> the input column it is taken from as is (for summary["detected"])
_LOGSTORE_SOURCES = {
    "timestamp": "timecreated",
    **LOGSTORE_DIRECT,
    "edulevel": "edulevel",
    "crud": "crud",
}
_LEGACY_SOURCES = {
    "timestamp": "time",
    "user_id": "userid",
    "user_name": "user_name",
    "ip": "ip",
    "course": "course",
    "context": "legacy_info",
}
_REPORT_SOURCES = {
    "timestamp": "time",
    "user_name": "user_name",
    "affected_user": "affected_user",
    "context": "context",
    "component": "component",
    "event_name": "event_name",
    "description": "description",
    "origin": "origin",
    "ip": "ip",
    "course": "course",
}


@dataclass
class Ingested:
    """The canonical frame plus what was detected, dropped and worth a warning."""

    frame: pd.DataFrame
    original_columns: list[tuple[str, str]]
    detection: dict[str, Any]
    rows_in: int
    dropped: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _noop(_percent: int, _stage: str) -> None:
    return None


def _raw_table(source: read.Source, layout: detect.Layout) -> tuple[pa.Table, int]:
    """Every data row as text columns ``c<i>`` (header row and dropped columns removed)."""
    keep = [i for i in range(layout.ncols) if i not in layout.dropped]
    if source.table is not None:
        table = source.table.slice(layout.skip)
        names = [f"c{i}" for i in keep if f"c{i}" in table.column_names]
        return table.select(names), 0
    nulls = ["", "NULL", "\\N"] if layout.layout in ("logstore", "legacy_log") else [""]
    return csv_table.read_csv_table(source, layout.ncols, layout.skip, keep, nulls)


def _refuse_unreadable_times(column: pa.ChunkedArray, parsed: dates.ParsedTimes, n: int) -> None:
    if n and parsed.unreadable * 2 > n:
        bad = column.filter(pa.array(np.isnat(parsed.timestamps))).drop_null()
        example = printable(bad[0].as_py()) if len(bad) else "(empty)"
        most = f"Most times ({parsed.unreadable} of {n} rows) could not be read as dates"
        advice = "check that the Time column holds Moodle's dates."
        raise BadInputError(f"{most}, e.g. '{example}': {advice}", without_data=f"{most}: {advice}")


def _frame(
    table: pa.Table,
    layout: detect.Layout,
    canonical: normalise.Canonical,
    timestamps: np.ndarray,
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Join original and canonical columns, drop unreadable-time rows, convert to pandas."""
    originals: list[tuple[str, str]] = []
    arrays: dict[str, pa.ChunkedArray | pa.Array] = {}
    for name in table.column_names:
        i = int(name[1:])
        header = layout.headers[i] if i < len(layout.headers) else ""
        originals.append((header.strip() or f"column {i + 1}", f"orig_{i}"))
        arrays[f"orig_{i}"] = table.column(name)
    arrays["timestamp"] = pa.array(timestamps, pa.timestamp("ns"))
    for name, array in canonical.columns.items():
        arrays[name] = array.cast(pa.large_string()) if array.type == pa.string() else array
    combined = pa.table(arrays)
    keep = ~np.isnat(timestamps)
    if not keep.all():
        combined = combined.filter(pa.array(keep))
    frame = combined.to_pandas(types_mapper=_TYPES.get, self_destruct=True, split_blocks=True)
    for name, raw in canonical.aliases.items():
        frame[name] = frame[f"orig_{raw[1:]}"]
    ordered = [c for c in CANONICAL_COLUMNS] + [c for _, c in originals]
    return frame[ordered], originals


def _column_report(layout: detect.Layout) -> dict[str, str]:
    if layout.layout == "logstore":
        wanted = {k: v for k, v in _LOGSTORE_SOURCES.items() if v in layout.columns}
    elif layout.layout.startswith("legacy"):
        wanted = {k: v for k, v in _LEGACY_SOURCES.items() if v in layout.columns}
    else:
        wanted = {k: v for k, v in _REPORT_SOURCES.items() if v in layout.columns}
    return {k: layout.headers[layout.columns[v]] for k, v in wanted.items()}


def ingest(
    path: Path,
    progress: Callable[[int, str], None] = _noop,
    *,
    original_name: str | None = None,
) -> Ingested:
    """Read any supported Moodle log export at ``path`` into the canonical frame.

    Raises :class:`BadInputError` (one sentence) when the file cannot be used.
    ``original_name`` (the user's file name) helps date year-less Moodle 2.7 logs.
    """
    path = Path(path)
    progress(0, "read")
    tables, catalogue = load_languages(), load_catalogue()
    source = read.open_input(path)
    layout = detect.detect_layout(source.sample_rows, tables)
    progress(5, "read")
    table, malformed = _raw_table(source, layout)
    pa.default_memory_pool().release_unused()  # the reader's buffers are free now
    rows_in = table.num_rows + malformed
    progress(25, "read")
    if table.num_rows == 0 and malformed:
        raise BadInputError(
            f"None of the {malformed} rows has the {layout.ncols} columns of the first row: "
            "check the delimiter and quoting, or download the log again."
        )
    if table.num_rows == 0:
        raise BadInputError("The file has no log rows that could be read: the log is empty.")
    if malformed * 2 > rows_in:
        raise BadInputError(
            f"Most rows ({malformed} of {rows_in}) do not have the {layout.ncols} columns of the "
            "first rows: the file's quoting is broken; download the log again."
        )
    time_name = "timecreated" if layout.layout == "logstore" else "time"
    time_column = table.column(f"c{layout.columns[time_name]}")
    downloaded = download_name.download_time(original_name or path.name)
    parsed = dates.parse_times(
        time_column,
        tables.months,
        downloaded.year if downloaded else download_name.current_year(),
        "the file name" if downloaded else "the current year",
        downloaded,
    )
    _refuse_unreadable_times(time_column, parsed, table.num_rows)
    progress(35, "detect")
    if layout.layout == "logstore":
        canonical = normalise.logstore_columns(table, layout, catalogue)
    elif layout.layout.startswith("legacy"):
        canonical = legacy.legacy_columns(table, layout, tables, catalogue)
    else:
        canonical = normalise.report_columns(table, layout, tables, catalogue)
    progress(45, "normalise")
    frame, originals = _frame(table, layout, canonical, parsed.timestamps)
    shown_layout = layout.layout
    if source.file_format in ("xlsx", "ods") and layout.layout in ("report", "report_site"):
        shown_layout = "spreadsheet_report"
    detection: dict[str, Any] = {
        "file_format": source.file_format,
        "encoding": source.encoding,
        "encoding_confidence": source.encoding_confidence,
        "delimiter": read.delimiter_name(source.delimiter),
        "line_ending": source.line_ending,
        "compression": source.compression,
        "layout": shown_layout,
        "site_wide": layout.layout == "report_site",
        "header_row": layout.header_row,
        "columns": _column_report(layout),
        "date_format": parsed.date_format,
        "date_order": parsed.date_order,
        "date_order_ambiguous": parsed.ambiguous,
        "date_confidence": parsed.confidence,
        "timezone": parsed.timezone,
        **canonical.detection,
    }
    if layout.dropped:
        detection["dropped_index_column"] = True
    warnings = list(parsed.warnings)
    warnings += [
        f"The file is UTF-8 with damaged bytes: {note}."
        for note in source.notes
        if "replaced" in note
    ]
    if source.encoding_confidence == "low" and source.encoding not in ("utf-8", "utf-8-sig"):
        warnings.append(f"The text encoding was uncertain; {source.encoding} was used.")
    pa.default_memory_pool().release_unused()  # hand parse buffers back before later stages
    progress(50, "normalise")
    return Ingested(
        frame=frame,
        original_columns=originals,
        detection=detection,
        rows_in=rows_in,
        dropped={"unreadable_date": parsed.unreadable, "malformed_row": malformed},
        warnings=warnings,
    )
