"""What the analyst members need spilled with each event, beyond the CSV and XES text.

Every event carries its rule's index (``rule``): activity type, category, Bloom level and
``is_active`` all follow from it, so students.csv, the directly-follows counts, OCEL and
Parquet rebuild those columns from one small integer. OCEL adds the canonical columns it
links and describes events by (``o_<name>``); Parquet adds the original columns as raw text
(``p_<column>``, no formula prefix) and ``event_key``, and each batch tells which original
columns held only whole numbers (``WholeNumbers`` folds that over the file, so the Parquet
schema is fixed before its first row group). Only the members that are wanted are spilled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.export_parquet import WHOLE_NUMBER
from moodlelogsmart_gui.pipeline.options import PipelineOptions

OCEL = "enriched_log.ocel.json"
PARQUET = "enriched_log.parquet"
# Canonical columns the OCEL writer links events to or describes them by.
OCEL_COLUMNS = ("event_name", "component", "course", "cmid", "affected_user", "context", "module")


def text_of(series: pd.Series, rows: np.ndarray) -> pa.Array:
    """The values of ``rows`` as an Arrow ``string`` array (missing values stay null)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()[rows].astype(np.int32)
        categories = pa.array([str(c) for c in series.cat.categories], type=pa.string())
        mask = codes < 0
        indices = pa.array(codes, mask=mask if mask.any() else None)
        return pa.DictionaryArray.from_arrays(indices, categories).cast(pa.string())
    array = pa.array(series.astype("string").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    taken = array.take(pa.array(rows)) if len(rows) != len(array) else array
    return taken.cast(pa.string())


def _whole(values: pa.Array) -> tuple[bool, bool]:
    """(has a value, every value is a whole number) of one column's kept rows."""
    present = pc.drop_null(values)
    if not len(present):
        return False, True
    return True, bool(pc.all(pc.match_substring_regex(present, WHOLE_NUMBER)).as_py())


def analyst_columns(
    frame: pd.DataFrame,
    rows: np.ndarray,
    original: Sequence[tuple[str, str]],
    options: PipelineOptions,
) -> tuple[dict[str, pa.Array], dict[str, tuple[bool, bool]]]:
    """Spilled columns for the wanted analyst members, and per original column (frame name)
    whether it has values and holds only whole numbers (for Parquet's types)."""
    columns: dict[str, pa.Array] = {}
    whole: dict[str, tuple[bool, bool]] = {}
    if options.wants(OCEL):
        for name in OCEL_COLUMNS:
            if name in frame:
                columns[f"o_{name}"] = text_of(frame[name], rows)
    if options.wants(PARQUET):
        columns["event_key"] = text_of(frame["event_key"], rows)
        for _, name in original:
            values = text_of(frame[name], rows)
            columns[f"p_{name}"] = values
            whole[name] = _whole(values)
    return columns, whole


@dataclass
class WholeNumbers:
    """Per original column over the whole file: has values, and every one is whole."""

    found: dict[str, tuple[bool, bool]] = field(default_factory=dict)

    def add(self, batch: dict[str, tuple[bool, bool]]) -> None:
        for name, (present, whole) in batch.items():
            had, was = self.found.get(name, (False, True))
            self.found[name] = (had or present, was and whole)

    def integers(self) -> set[str]:
        """Columns to write as 64-bit integers (values present, all whole numbers)."""
        return {name for name, (present, whole) in self.found.items() if present and whole}
