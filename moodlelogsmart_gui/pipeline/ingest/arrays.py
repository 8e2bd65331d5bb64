"""Small pyarrow helpers shared by the ingest modules."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL_STRING = pa.scalar(None, pa.string())


def factorize(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct values and, per row, the index into them (``len(unique)`` for nulls)."""
    unique = pc.unique(values)
    unique = unique.filter(pc.is_valid(unique))
    idx = pc.fill_null(pc.index_in(values, value_set=unique), len(unique))
    return unique, np.asarray(idx.to_numpy(), dtype=np.int64)


def take_back(mapped: pa.Array, indices: np.ndarray) -> pa.Array:
    """Map per-distinct-value results back to rows (index ``len(mapped)`` gives null)."""
    padded = pa.concat_arrays([mapped, pa.nulls(1, mapped.type)])
    return padded.take(pa.array(indices))


def empty_to_null(array: pa.Array | pa.ChunkedArray, *tokens: str) -> pa.Array | pa.ChunkedArray:
    """Empty strings (and any of ``tokens``, e.g. "-") become null."""
    blank = pc.is_in(array, value_set=pa.array(["", *tokens], pa.string()))
    return pc.if_else(blank, NULL_STRING, array)
