"""One raw batch to canonical columns, with the first pass's decisions (no whole-file state)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from moodlelogsmart_gui.pipeline.ingest import dates, legacy, normalise
from moodlelogsmart_gui.pipeline.ingest.first_pass import Decisions
from moodlelogsmart_gui.pipeline.ingest.normalise import CANONICAL_COLUMNS

_STRING = pd.StringDtype("pyarrow")
_TYPES = {pa.string(): _STRING, pa.large_string(): _STRING, pa.int8(): pd.Int8Dtype()}
NAME_COLUMNS = ("user_name", "real_user", "affected_user")


@dataclass
class BatchFrame:
    """The canonical frame of one batch and what this batch found."""

    frame: pd.DataFrame
    original_columns: list[tuple[str, str]]
    detection: dict[str, Any]  # normaliser findings (language, templates, logged-in-as rows)
    rows: int  # data rows of the batch
    unreadable: int  # rows dropped for a time that cannot be read
    first_unreadable: str | None


def _canonical(table: pa.Table, decisions: Decisions) -> normalise.Canonical:
    layout, tables = decisions.layout, decisions.tables
    assert tables is not None
    if layout.layout == "logstore":
        return normalise.logstore_columns(table, layout, decisions.catalogue)
    if layout.layout.startswith("legacy"):
        return legacy.legacy_columns(table, layout, tables, decisions.catalogue)
    return normalise.report_columns(table, layout, tables, decisions.catalogue)


def parse_batch_times(table: pa.Table, decisions: Decisions) -> dates.ParsedTimes:
    """The batch's times, read as the first pass decided for the whole file."""
    layout = decisions.layout
    name = "timecreated" if layout.layout == "logstore" else "time"
    return decisions.times.read(table.column(f"c{layout.columns[name]}"))


def ingest_batch(
    table: pa.Table, decisions: Decisions, timestamps: np.ndarray | None = None
) -> BatchFrame:
    """Canonical and original columns of one batch; rows without a readable time dropped.
    ``timestamps``: the batch's times when the first pass read them already."""
    if timestamps is None:
        timestamps = parse_batch_times(table, decisions).timestamps
    unreadable = int(np.isnat(timestamps).sum())
    canonical = _canonical(table, decisions)
    frame, originals = _frame(table, decisions, canonical, timestamps)
    first_bad = None
    if unreadable:
        layout = decisions.layout
        name = "timecreated" if layout.layout == "logstore" else "time"
        column = table.column(f"c{layout.columns[name]}")
        bad = column.filter(pa.array(np.isnat(timestamps))).drop_null()
        first_bad = bad[0].as_py() if len(bad) else None
    return BatchFrame(frame, originals, canonical.detection, table.num_rows, unreadable, first_bad)


def _frame(
    table: pa.Table,
    decisions: Decisions,
    canonical: normalise.Canonical,
    timestamps: np.ndarray,
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Join original and canonical columns, drop unreadable-time rows, convert to pandas."""
    headers = decisions.layout.headers
    originals: list[tuple[str, str]] = []
    arrays: dict[str, pa.ChunkedArray | pa.Array] = {}
    for name in table.column_names:
        i = int(name[1:])
        header = headers[i] if i < len(headers) else ""
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


def collect_batch_names(table: pa.Table, decisions: Decisions) -> set[str]:
    """Every person name in the batch's canonical name columns (``-`` and ids are no names)."""
    canonical = _canonical(table, decisions)
    found: set[str] = set()
    for column in NAME_COLUMNS:
        array = canonical.columns.get(column)
        raw = canonical.aliases.get(column)
        if array is None and raw is not None:
            array = table.column(raw)
        if array is None:
            continue
        for value in pa.chunked_array([array]).unique().to_pylist():
            text = str(value).strip() if value is not None else ""
            if text not in ("", "-") and not text.isdigit():
                found.add(text)
    return found


def merge_detection(into: dict[str, Any], found: dict[str, Any]) -> None:
    """Fold one batch's normaliser findings into the file's (counts add up, the rest is
    the first batch's; distinct template counts keep the largest batch's figure)."""
    for key, value in found.items():
        if key not in into:
            into[key] = value
        elif key == "logged_in_as_rows":
            into[key] += value
        elif key.startswith("description_templates"):
            into[key] = max(into[key], value)


def spread_times(decisions: Decisions) -> np.ndarray:
    """Event times (int64 ns) of the first pass's values spread over the file, read as
    every batch reads them (unreadable ones left out)."""
    stamps = decisions.times.read(decisions.times.spread).timestamps
    return np.asarray(stamps[~np.isnat(stamps)].view(np.int64))
