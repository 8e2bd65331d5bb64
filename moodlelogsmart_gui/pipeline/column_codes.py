"""Dictionary codes of a text column, computed once and shared by the writers that need them.

The CSV, Parquet and OCEL writers each turn the same text columns into int32 codes and a
dictionary of distinct values. Hashing a million values per column costs tens of
milliseconds, so the result is kept for as long as the column's Arrow data lives (a weak
reference: nothing is kept after the frame is gone). Arrow data never changes in place;
when pandas changes a column it gets new Arrow data, which is encoded again.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_CACHE: dict[int, tuple[weakref.ref[Any], np.ndarray, pa.Array]] = {}
_UNIQUE: dict[int, tuple[weakref.ref[Any], bool]] = {}
# A column of more than LONG values is kept as plain text when more than half of its first
# SAMPLE values are distinct (hashing it would give a dictionary as long as the column).
LONG = 50_000
SAMPLE = 20_000


def arrow_text(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as Arrow text: pandas' own Arrow data when it keeps the text in Arrow (no
    copy, the same object every time), otherwise a converted copy."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        to_arrow = getattr(series.array, "__arrow_array__", None)
        if to_arrow is not None:
            data = to_arrow()
            if pa.types.is_string(data.type) or pa.types.is_large_string(data.type):
                return data
    return pa.array(series.astype("string").array)


def mostly_unique(array: pa.Array | pa.ChunkedArray) -> bool:
    """A long column whose values barely repeat (kept as plain text, not hashed); decided
    once per Arrow object, like the codes."""
    if len(array) <= LONG:
        return False
    key = id(array)
    hit = _UNIQUE.get(key)
    if hit is not None and hit[0]() is array:
        return hit[1]
    sample = array.slice(0, SAMPLE)
    unique = len(pc.unique(sample)) > len(sample) // 2

    def forget(ref: weakref.ref[Any], key: int = key) -> None:
        if key in _UNIQUE and _UNIQUE[key][0] is ref:
            del _UNIQUE[key]

    _UNIQUE[key] = (weakref.ref(array, forget), unique)
    return unique


def dictionary_codes(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """int32 codes and the dictionary of a text column (a missing value is an entry of the
    dictionary, null); computed once per Arrow object. The codes must not be changed."""
    key = id(array)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is array:
        return hit[1], hit[2]
    codes, dictionary = _encode(array)
    codes.flags.writeable = False

    def forget(ref: weakref.ref[Any], key: int = key) -> None:
        if key in _CACHE and _CACHE[key][0] is ref:
            del _CACHE[key]

    _CACHE[key] = (weakref.ref(array, forget), codes, dictionary)
    return codes, dictionary


def _encode(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Chunks are encoded where they are (the kernel gives them one shared dictionary), the
    text is not combined into a copy first."""
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    if isinstance(encoded, pa.ChunkedArray):
        chunks = encoded.chunks
        if chunks and all(c.dictionary.equals(chunks[0].dictionary) for c in chunks[1:]):
            codes = np.concatenate([c.indices.to_numpy() for c in chunks])
            return codes.astype(np.int32, copy=False), chunks[0].dictionary
        encoded = pc.dictionary_encode(array.combine_chunks(), null_encoding="encode")
    return encoded.indices.to_numpy().astype(np.int32), encoded.dictionary
