"""CSV export: the original columns plus the enrichment, safe to open in a spreadsheet.

UTF-8 with BOM. Text is turned into CSV fields once per column of a batch (per unique value
when a column repeats itself, which most do), and each event's fields are then joined with
pyarrow string kernels (``CsvTable.lines``): no Python loop per row or per cell. The
enrichment (``stream/enrich.py``) builds the fields of each batch; ``stream/writers.CsvWriter``
writes the lines in time order. The column helpers here are shared with the XES writer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.column_codes import arrow_text, dictionary_codes, mostly_unique

BOM = b"\xef\xbb\xbf"
CHUNK_ROWS = 65_536
SCAN_BYTES = 1 << 20  # block size when searching a column's bytes
# A spreadsheet runs a cell as a formula when it starts with one of these, or with "-" and
# more characters (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")
ENRICHMENT = ("case_id", "case_label", "timestamp", "event_key")
CLASSIFICATION = ("activity_type", "activity_category", "bloom_level", "is_active", "rule_id")
SESSION = ("session_id",)  # written when the frame has it (the pipeline always adds it)

Transform = Callable[[pa.Array], pa.Array]


def _layout(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes and the per-row offsets of a plain ``string`` array (no copy)."""
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[
        values.offset : values.offset + len(values) + 1
    ]
    data = (
        np.frombuffer(buffers[2], dtype=np.uint8)
        if buffers[2] is not None
        else np.zeros(0, np.uint8)
    )
    return data, offsets


def _rows_with_bytes(values: pa.Array, wanted: bytes) -> np.ndarray:
    """Rows whose text contains any of the (ASCII) ``wanted`` bytes: one pass over the bytes,
    a block at a time (small reused scratch arrays instead of one the size of the text)."""
    data, offsets = _layout(values)
    rows = np.zeros(len(values), dtype=bool)
    start, end = int(offsets[0]), int(offsets[-1])
    hit = np.empty(min(SCAN_BYTES, end - start), dtype=bool)
    other = np.empty_like(hit)
    for block in range(start, end, SCAN_BYTES):
        text = data[block : min(block + SCAN_BYTES, end)]
        found, also = hit[: len(text)], other[: len(text)]
        np.equal(text, wanted[0], out=found)
        for byte in wanted[1:]:
            found |= np.equal(text, byte, out=also)
        at = np.flatnonzero(found) + block
        if len(at):
            rows[np.searchsorted(offsets, at, side="right") - 1] = True
    return rows


def formula_risk(values: pa.Array) -> np.ndarray:
    """True where a spreadsheet would run the cell as a formula (checks each first byte)."""
    data, offsets = _layout(values)
    lengths = np.diff(offsets)
    first = np.zeros(len(values), dtype=np.uint8)
    filled = lengths > 0
    first[filled] = data[offsets[:-1][filled]]
    risky = np.isin(first, np.frombuffer("".join(FORMULA_STARTS).encode(), dtype=np.uint8))
    risky |= (first == ord("-")) & (lengths > 1)
    return risky


def neutralise_formulas(values: pa.Array) -> pa.Array:
    """Prefix ``'`` to cells a spreadsheet would run as a formula (``=``, ``+``, ``@``, ...)."""
    values = plain_text(values)
    risky = formula_risk(values)
    if not risky.any():
        return values
    return pc.if_else(pa.array(risky), pc.binary_join_element_wise("'", values, ""), values)


def csv_field(values: pa.Array, always_quote: bool = False) -> pa.Array:
    """Neutralised, and quoted (``"`` doubled) where the text holds ``"``, ``,`` or a line end.

    ``always_quote`` quotes every value.
    """
    values = neutralise_formulas(values)
    needs = (
        np.ones(len(values), dtype=bool) if always_quote else _rows_with_bytes(values, b'",\r\n')
    )
    if not needs.any():
        return values
    inner = values
    if _rows_with_bytes(values, b'"').any():
        inner = pc.replace_substring(values, '"', '""')
    quoted = pc.binary_join_element_wise('"', inner, '"', "")
    return quoted if needs.all() else pc.if_else(pa.array(needs), quoted, values)


def plain_text(values: pa.Array) -> pa.Array:
    """A non-null ``string`` array (missing values become empty text)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    return pc.fill_null(values, "") if values.null_count else values


class TextColumn:
    """Text for any selection of rows, already transformed (escaped, quoted)."""

    def take(self, rows: np.ndarray, suffix: str = "") -> pa.Array:
        raise NotImplementedError


@dataclass
class DictColumn(TextColumn):
    """A repetitive column: int32 codes into a small array of transformed values."""

    codes: np.ndarray
    values: pa.Array
    _suffixed: dict[str, pa.Array] = field(default_factory=dict, repr=False)

    def take(self, rows: np.ndarray, suffix: str = "") -> pa.Array:
        values = self.values
        if suffix:
            if suffix not in self._suffixed:
                self._suffixed[suffix] = pc.binary_join_element_wise(values, suffix, "")
            values = self._suffixed[suffix]
        indices = pa.array(self.codes[rows], type=pa.int32())
        return pa.DictionaryArray.from_arrays(indices, values).cast(pa.string())


@dataclass
class PlainColumn(TextColumn):
    """A column with mostly unique values (times, descriptions): the raw text, transformed
    per selection of rows (no full-size transformed copy of the column is ever built)."""

    values: pa.Array | pa.ChunkedArray
    transform: Transform = plain_text

    def take(self, rows: np.ndarray, suffix: str = "") -> pa.Array:
        values, rows = _narrowed(self.values, rows)
        taken = self.transform(plain_text(values.take(pa.array(rows))))
        return pc.binary_join_element_wise(taken, suffix, "") if suffix else taken


def _narrowed(
    values: pa.Array | pa.ChunkedArray, rows: np.ndarray
) -> tuple[pa.Array | pa.ChunkedArray, np.ndarray]:
    """Only the chunks ``rows`` fall in (rows in time order span few), as one array, and the
    rows counted from its start: taking from many chunks would first combine them all."""
    if not isinstance(values, pa.ChunkedArray) or not len(rows):
        return values, rows
    starts = np.cumsum([0, *(len(chunk) for chunk in values.chunks)])
    first = int(np.searchsorted(starts, rows.min(), side="right")) - 1
    last = int(np.searchsorted(starts, rows.max(), side="right")) - 1
    chunks = values.chunks[first : last + 1]
    return (chunks[0] if len(chunks) == 1 else pa.concat_arrays(chunks)), rows - starts[first]


@dataclass
class TimestampColumn(TextColumn):
    """ISO 8601 times built from a day part and a time-of-day part (both small dictionaries)."""

    day_codes: np.ndarray
    days: pa.Array
    seconds: np.ndarray
    offset: str

    def take(self, rows: np.ndarray, suffix: str = "") -> pa.Array:
        day = DictColumn(self.day_codes, self.days).take(rows)
        clock = DictColumn(self.seconds, _clock_strings()).take(rows)
        return pc.binary_join_element_wise(day, clock, self.offset + suffix, "")


@functools.cache
def _clock_strings() -> pa.Array:
    """ "HH:MM:SS" for each second of a day (built once, 86,400 values, by array kernels)."""
    sec = np.arange(86_400)
    two = pa.array([f"{i:02d}" for i in range(60)], type=pa.string())
    parts = [two.take(pa.array(part)) for part in (sec // 3600, sec // 60 % 60, sec % 60)]
    clock: pa.Array = pc.binary_join_element_wise(*parts, ":")
    return clock


def encode_timestamps(stamps: pd.Series, offset: str) -> TimestampColumn:
    """Split naive datetimes into day and second codes; ``offset`` is "+00:00" or ""."""
    seconds = stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[s]").astype(np.int64)
    day, second = np.divmod(seconds, 86_400)
    unique_days, day_codes = np.unique(day, return_inverse=True)
    labels = np.datetime_as_string(unique_days.astype("datetime64[D]"), unit="D")
    days = pa.array([f"{d}T" for d in labels.tolist()], type=pa.string())
    return TimestampColumn(day_codes.astype(np.int32), days, second.astype(np.int32), offset)


def encode_text(
    series: pd.Series, transform: Transform, plain_transform: Transform | None = None
) -> TextColumn:
    """Encode a column once, transforming each distinct value (or the whole column).

    A mostly unique column is kept whole and gets ``plain_transform`` (default ``transform``).
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        categories = pa.array(series.cat.categories.astype(object).tolist(), type=pa.string())
        values = transform(pa.concat_arrays([plain_text(categories), pa.array([""])]))
        return DictColumn(np.where(codes < 0, len(categories), codes).astype(np.int32), values)
    if series.dtype == bool or series.dtype == "boolean":
        codes = series.fillna(False).to_numpy(dtype=bool).astype(np.int32)
        return DictColumn(codes, transform(pa.array(["false", "true"])))
    array = arrow_text(series)
    if mostly_unique(array):
        return PlainColumn(array, plain_transform or transform)
    codes, dictionary = dictionary_codes(array)
    return DictColumn(codes, transform(plain_text(dictionary)))


@dataclass
class CsvTable:
    """Headers, and the columns as few pieces: neighbouring repetitive columns pre-joined."""

    headers: list[str]
    pieces: list[TextColumn]

    @classmethod
    def build(cls, columns: Sequence[tuple[str, TextColumn]]) -> CsvTable:
        pieces: list[TextColumn] = []
        run: list[DictColumn] = []
        for _, column in columns:
            if isinstance(column, DictColumn):
                run.append(column)
                continue
            pieces += _merge_run(run)
            run = []
            pieces.append(column)
        pieces += _merge_run(run)
        return cls([h for h, _ in columns], pieces)

    def lines(self, rows: np.ndarray, suffix: str = "") -> pa.Array:
        """The fields of ``rows`` joined by commas (``suffix`` after the last one)."""
        last = len(self.pieces) - 1
        pieces = [p.take(rows, suffix if i == last else "") for i, p in enumerate(self.pieces)]
        if len(pieces) == 1:
            return pieces[0]
        return pc.binary_join_element_wise(*pieces, ",")


def _merge_run(run: list[DictColumn]) -> list[TextColumn]:
    """Join neighbouring dictionary columns into one over their combined codes (while small)."""
    if len(run) < 2:
        return list(run)
    merged: list[TextColumn] = []
    start = 0
    while start < len(run):
        end = start + 1
        key = run[start].codes.astype(np.int64)
        span = len(run[start].values)
        while end < len(run) and span * len(run[end].values) < 1 << 62:
            key = key * len(run[end].values) + run[end].codes
            span *= len(run[end].values)
            end += 1
        codes, uniques = pd.factorize(key)
        if end - start > 1 and len(uniques) > max(len(key) // 4, 1_000):
            merged.append(run[start])  # too many combinations: not worth a dictionary
            start += 1
            continue
        members: list[np.ndarray] = []
        for column in reversed(run[start:end]):
            uniques, member = np.divmod(uniques, len(column.values))
            members.insert(0, member)
        merged.append(_joined(run[start:end], members, codes))
        start = end
    return merged


def _joined(group: list[DictColumn], members: list[np.ndarray], codes: np.ndarray) -> DictColumn:
    if len(group) == 1:
        return group[0]
    parts = [column.values.take(pa.array(m)) for column, m in zip(group, members, strict=True)]
    return DictColumn(codes.astype(np.int32), pc.binary_join_element_wise(*parts, ","))


def string_buffer(values: pa.Array) -> pa.Buffer:
    """The concatenated bytes of a string array, without copying."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
    start, end = offsets[values.offset], offsets[values.offset + len(values)]
    data = values.buffers()[2]
    return data.slice(int(start), int(end - start)) if data is not None else pa.py_buffer(b"")
