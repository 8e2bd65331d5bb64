"""Dictionary codes and the plain-text decision are computed once per column's values: two
Arrow objects over the same memory (an original column and the canonical column read from
it) share them; other memory, even with equal values, is encoded on its own."""

from __future__ import annotations

import gc

import numpy as np
import pyarrow as pa
import pytest

from moodlelogsmart_gui.pipeline import column_codes
from moodlelogsmart_gui.pipeline.column_codes import dictionary_codes, mostly_unique


def _over_same_memory(array: pa.ChunkedArray) -> pa.ChunkedArray:
    """Another Arrow object over ``array``'s buffers (as pandas gives two columns)."""
    return pa.chunked_array(
        [pa.Array.from_buffers(c.type, len(c), c.buffers(), offset=c.offset) for c in array.chunks]
    )


def test_columns_over_the_same_memory_are_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    values = pa.chunked_array([pa.array(["b", "a", None, "b"] * 30_000, pa.large_string())])
    calls: list[int] = []
    encode = column_codes._encode
    monkeypatch.setattr(column_codes, "_encode", lambda a: calls.append(1) or encode(a))
    codes, dictionary = dictionary_codes(values)
    twin = _over_same_memory(values)
    assert twin is not values
    same_codes, same_dictionary = dictionary_codes(twin)
    assert same_codes is codes and same_dictionary is dictionary
    assert len(calls) == 1
    copy = pa.chunked_array([pa.array(values.to_pylist(), pa.large_string())])
    other_codes, other_dictionary = dictionary_codes(copy)  # equal values, other memory
    assert len(calls) == 2
    assert other_dictionary.take(pa.array(other_codes)).to_pylist() == values.to_pylist()
    part = values.slice(1, 5)  # the same buffers from another row: not the same values
    part_codes, part_dictionary = dictionary_codes(part)
    assert part_dictionary.take(pa.array(part_codes)).to_pylist() == ["a", None, "b", "b", "a"]
    assert np.array_equal(codes, dictionary_codes(values)[0])


def test_the_plain_text_decision_is_shared_and_forgotten_with_the_column() -> None:
    unique = pa.chunked_array([pa.array([f"event {i}" for i in range(60_000)])])
    repeating = pa.chunked_array([pa.array([f"user {i % 40}" for i in range(60_000)])])
    assert mostly_unique(unique) and mostly_unique(_over_same_memory(unique))
    assert not mostly_unique(repeating)
    assert not mostly_unique(pa.chunked_array([pa.array(["x"] * 100)]))  # short: never plain
    known = len(column_codes._UNIQUE)
    del unique
    gc.collect()
    assert len(column_codes._UNIQUE) == known - 1
