"""Dictionary codes of a text column, computed once and shared by the writers that need them.

The CSV, Parquet and OCEL writers each turn the same text columns into int32 codes and a
dictionary of distinct values. Hashing a million values per column costs tens of
milliseconds, so the result is kept for as long as the column's Arrow data lives (a weak
reference: nothing is kept after the frame is gone). Arrow data never changes in place;
when pandas changes a column it gets new Arrow data, which is encoded again. Results are
found by where the values are in memory, so two columns read from one input column (an
original column and the canonical column named after it) are encoded once.
"""

from __future__ import annotations

import weakref
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Key: TypeAlias = tuple[Any, ...]
_CACHE: dict[Key, tuple[weakref.ref[Any], np.ndarray, pa.Array]] = {}
_UNIQUE: dict[Key, tuple[weakref.ref[Any], bool]] = {}
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


def _where(array: pa.Array | pa.ChunkedArray) -> Key:
    """Where the column's values are: its type, and per chunk its offset, length and buffer
    addresses. While an object with these lives, that memory holds these values only."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    places = [(c.offset, len(c), *(b.address if b else 0 for b in c.buffers())) for c in chunks]
    return (str(array.type), *places)


def _found(cache: dict[Key, Any], key: Key) -> Any:
    hit = cache.get(key)
    return hit if hit is not None and hit[0]() is not None else None


def _keep(cache: dict[Key, Any], key: Key, array: pa.Array | pa.ChunkedArray, *found: Any) -> None:
    """Keep ``found`` for ``array``'s values while ``array`` lives."""

    def forget(ref: weakref.ref[Any], key: Key = key) -> None:
        if key in cache and cache[key][0] is ref:
            del cache[key]

    cache[key] = (weakref.ref(array, forget), *found)


def mostly_unique(array: pa.Array | pa.ChunkedArray) -> bool:
    """A long column whose values barely repeat (kept as plain text, not hashed); decided
    once per column's values, like the codes."""
    if len(array) <= LONG:
        return False
    key = _where(array)
    hit = _found(_UNIQUE, key)
    if hit is not None:
        unique: bool = hit[1]
        return unique
    sample = array.slice(0, SAMPLE)
    unique = len(pc.unique(sample)) > len(sample) // 2
    _keep(_UNIQUE, key, array, unique)
    return unique


def dictionary_codes(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """int32 codes and the dictionary of a text column (a missing value is an entry of the
    dictionary, null); computed once per column's values. The codes must not be changed."""
    key = _where(array)
    hit = _found(_CACHE, key)
    if hit is not None:
        return hit[1], hit[2]
    codes, dictionary = _encode(array)
    codes.flags.writeable = False
    _keep(_CACHE, key, array, codes, dictionary)
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
