"""Small pyarrow helpers shared by the ingest modules."""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL_STRING = pa.scalar(None, pa.string())


def factorize(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct values and, per row, the index into them (``len(unique)`` for nulls).

    Meant for columns with few distinct values (names, templates): it dictionary-encodes
    each chunk and unifies the dictionaries, which is slow for high cardinality.
    """
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    return factorize_encoded(pc.dictionary_encode(values))


def factorize_encoded(encoded: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """:func:`factorize` for chunks that are already dictionary-encoded."""
    if encoded.num_chunks == 0:
        return pa.array([], pa.string()), np.zeros(0, dtype=np.int64)
    unified = pa.table({"v": encoded}).unify_dictionaries().column("v")
    unique = unified.chunk(0).dictionary
    indices = pa.chunked_array([chunk.indices for chunk in unified.chunks], pa.int32())
    filled = pc.fill_null(indices, len(unique))
    return unique, np.asarray(filled.to_numpy(), dtype=np.int64)


def take_back(mapped: pa.Array, indices: np.ndarray) -> pa.Array:
    """Map per-distinct-value results back to rows (index ``len(mapped)`` gives null)."""
    if mapped.type == pa.string():  # pandas keeps text as large_string: build it so
        mapped = mapped.cast(pa.large_string())
    padded = pa.concat_arrays([mapped, pa.nulls(1, mapped.type)])
    return padded.take(pa.array(indices))


def empty_to_null(array: pa.Array | pa.ChunkedArray, *tokens: str) -> pa.Array | pa.ChunkedArray:
    """Empty strings (and any of ``tokens``, e.g. "-") become null; untouched if none occur."""
    blank = pc.is_in(array, value_set=pa.array(["", *tokens], pa.string()))
    if not pc.any(blank).as_py():
        return array
    return pc.if_else(blank, NULL_STRING, array)


def per_chunk(
    function: Callable[[pa.Array], pa.Array], values: pa.Array | pa.ChunkedArray
) -> pa.ChunkedArray:
    """Apply an arrow kernel chunk by chunk on a few threads (arrow releases the GIL).

    Compute kernels run single-threaded over a chunked array; the big regex passes over
    Description are the slowest part of ingest, so they share the cores this way.
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    workers = min(len(chunks), os.cpu_count() or 1, 4)
    if workers <= 1:
        results = [function(chunk) for chunk in chunks]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(function, chunks))
    if not results:
        return pa.chunked_array([], function(pa.array([], pa.string())).type)
    return pa.chunked_array(results)


def unescape_html(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """HTML entities (Moodle writes ``Quiz: Week 1 &amp; review``) decoded, per distinct value.

    Returns ``values`` itself when no cell holds an entity, so callers can tell.
    """
    if not pc.any(pc.match_substring_regex(values, r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")).as_py():
        return values
    unique, indices = factorize(values)
    decoded = pa.array([html.unescape(v) for v in unique.to_pylist()], pa.string())
    return take_back(decoded, indices)
