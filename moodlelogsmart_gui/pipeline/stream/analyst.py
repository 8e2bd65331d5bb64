"""What the analyst members need spilled with each event, beyond the CSV and XES text.

Every event carries its rule's index (``rule``): activity type, category, Bloom level and
``is_active`` all follow from it, so students.csv, the directly-follows counts, OCEL and
Parquet rebuild those columns from one small integer. OCEL adds the canonical columns it
links and describes events by (``o_<name>``); Parquet adds the original columns
(``p_<column>``, no formula prefix) and ``event_key``, and each batch tells which original
columns held only whole numbers (``WholeNumbers`` folds that over the file, so the Parquet
schema is fixed before its first row group). Only the members that are wanted are spilled.

A batch gives these columns as it has them: codes into the batch's dictionary where values
repeat, plain text where they barely do. ``TextBooks`` (the driver, like the case book)
turns each into what is spilled: int32 codes into one dictionary per column for the whole
file where the file's first values repeat (the spill, the sorts and the writers then move
numbers, not text), plain ``string`` otherwise (the log's time text, descriptions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.column_codes import arrow_text, dictionary_codes, mostly_unique
from moodlelogsmart_gui.pipeline.export_parquet import WHOLE_NUMBER
from moodlelogsmart_gui.pipeline.options import PipelineOptions

OCEL = "enriched_log.ocel.json"
PARQUET = "enriched_log.parquet"
# Canonical columns the OCEL writer links events to or describes them by.
OCEL_COLUMNS = ("event_name", "component", "course", "cmid", "affected_user", "context", "module")
# A column is coded for the whole file when at most half of its first SAMPLE kept values
# are distinct; otherwise it is spilled (and written to Parquet) as plain text.
SAMPLE = 4_096
CHECK_FIRST = 256  # values tested before a whole column (most text fails here)


def text_of(series: pd.Series, rows: np.ndarray) -> pa.Array:
    """The values of ``rows``: a dictionary array (int32 codes into the batch's values) when
    the column repeats, plain ``string`` when its values barely repeat; missing stay null."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()[rows].astype(np.int32)
        categories = pa.array([str(c) for c in series.cat.categories], type=pa.string())
        return _dictionary(codes, categories)
    array = arrow_text(series)
    if mostly_unique(array):  # decided once for the CSV and this
        taken = _single(array.take(pa.array(rows)) if len(rows) != len(array) else array)
        return taken.cast(pa.string())
    codes, dictionary = dictionary_codes(array)  # shared with the CSV's encoding
    return _dictionary(codes[rows], dictionary.cast(pa.string()))


def _single(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array of the values: a column of one chunk as it is (combining would copy it)."""
    if isinstance(values, pa.ChunkedArray):
        return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    return values


def _dictionary(codes: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    missing = codes < 0
    indices = pa.array(codes, pa.int32(), mask=missing if missing.any() else None)
    return pa.DictionaryArray.from_arrays(indices, values)


def _whole(values: pa.Array) -> tuple[bool, bool]:
    """(has a value, every value is a whole number) of one column's kept rows."""
    if isinstance(values, pa.DictionaryArray):  # test each distinct value used, once
        codes = pc.drop_null(values.indices).to_numpy()
        used = np.flatnonzero(np.bincount(codes, minlength=len(values.dictionary)))
        values = values.dictionary.take(pa.array(used, pa.int64()))
    present = pc.drop_null(values)
    if not len(present):
        return False, True
    for part in (present.slice(0, CHECK_FIRST), present):
        if not pc.all(pc.match_substring_regex(part, WHOLE_NUMBER)).as_py():
            return True, False
    return True, True


def analyst_columns(
    frame: pd.DataFrame,
    rows: np.ndarray,
    original: Sequence[tuple[str, str]],
    options: PipelineOptions,
) -> tuple[dict[str, pa.Array], dict[str, tuple[bool, bool]]]:
    """Columns for the wanted analyst members (``TextBooks.code`` turns them into what is
    spilled), and per original column (frame name) whether it has values and holds only
    whole numbers (for Parquet's types)."""
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


def _repeats(tables: list[pa.Table], name: str) -> bool:
    """At most half of the column's first ``SAMPLE`` values are distinct (missing counts
    as one value)."""
    parts, rows = [], 0
    for table in tables:
        if rows >= SAMPLE:
            break
        part = table.column(name).slice(0, SAMPLE - rows).combine_chunks()
        parts.append(part.cast(pa.string()))
        rows += len(part)
    sample = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
    return len(pc.unique(sample)) <= len(sample) // 2 + 1


class TextBooks:
    """Per analyst text column: a dictionary of every distinct value in the file (numbered
    in order of first appearance; spilled as int32 codes), or ``None`` (spilled as plain
    text). Decided on the file's first ``SAMPLE`` kept events, whatever the batches' sizes:
    batches are held until that many came (``code``; ``rest`` hands on what is left)."""

    def __init__(self) -> None:
        self.books: dict[str, dict[str, int] | None] = {}
        self._held: list[pa.Table] | None = []
        self._rows = 0

    def code(self, table: pa.Table) -> list[pa.Table]:
        """The tables ready to spill, with every analyst text column as it is spilled."""
        if self._held is None:
            return [self._code(table)]
        self._held.append(table)
        self._rows += table.num_rows
        return self.rest() if self._rows >= SAMPLE else []

    def rest(self) -> list[pa.Table]:
        """The tables held back (after the last batch)."""
        held, self._held = self._held or [], None
        if held:
            for name in held[0].column_names:
                if is_analyst_text(name):
                    self.books[name] = {} if _repeats(held, name) else None
        return [self._code(table) for table in held]

    def _code(self, table: pa.Table) -> pa.Table:
        for index, name in enumerate(table.column_names):
            if name not in self.books:
                continue
            values = _single(table.column(index))
            book = self.books[name]
            if book is None:
                coded: pa.Array = values.cast(pa.string())
            else:
                coded = _book_codes(values, book)
            table = table.set_column(index, name, coded)
        return table

    def dictionaries(self) -> dict[str, pa.Array]:
        """Each coded column's values, indexed by its codes."""
        return {
            name: pa.array(list(book), type=pa.string())
            for name, book in self.books.items()
            if book is not None
        }


def is_analyst_text(name: str) -> bool:
    """A spilled column that ``TextBooks`` codes (OCEL's and Parquet's text)."""
    return name == "event_key" or name.startswith(("o_", "p_"))


def _book_codes(values: pa.Array, book: dict[str, int]) -> pa.Array:
    """``values`` as int32 codes into ``book`` (new values are added; missing stays null)."""
    if not isinstance(values, pa.DictionaryArray):
        values = pc.dictionary_encode(values)
    texts = values.dictionary.to_pylist()
    mapping = np.array(
        [-1 if t is None else book.setdefault(t, len(book)) for t in texts], dtype=np.int32
    )
    lookup = pa.array(mapping, pa.int32(), mask=mapping < 0)
    return lookup.take(values.indices)  # a null index or value gives null
